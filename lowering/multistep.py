"""K steps in one dispatch: `lax.scan` over a super-batch stacked to [K, batch, ...].

The training state is donated, so it is updated in place. A boolean mask per step lets the
short last execution of an epoch reuse the K-step program: a masked step's new state is
discarded by a select (which XLA fuses into the optimizer's elementwise update, so it costs
next to nothing; a `lax.cond` would instead hide the step from XLA's CPU convolution kernels).
"""
from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp


@dataclass
class ExecutionStats:
    """Counts that tests assert exactly: JAX traces (each one a compilation) and dispatches."""

    compilations: int = 0
    dispatches: int = 0


def unroll_loop(graphs, platform: str) -> bool:
    """Whether to unroll the K-step loop. XLA:CPU runs convolutions far slower inside a while
    loop than outside one (jax-ml/jax#12868), so on CPU a program with convolutions runs its K
    steps unrolled; everything else keeps the compact loop."""
    return platform == "cpu" and any("conv" in node.op for graph in graphs for node in graph.nodes)


def _select(keep, new, old):
    return jax.tree.map(lambda n, o: jnp.where(keep, n, o), new, old)


def scan_steps(step, stats: ExecutionStats, collect: bool = False, unroll: bool = False):
    """multi(state, superbatch, mask) -> (out, state): `step(state, data) -> (out, state)` over
    the leading axis, masked steps leaving the state as it was. `out` is the last unmasked
    step's output (logs), or with `collect` every step's output, stacked."""

    def multi(state, superbatch, mask):
        stats.compilations += 1  # runs only while JAX traces, i.e. once per compilation

        def body(carry, item):
            state, last = carry
            data, keep = item
            out, new = step(state, data)
            state = _select(keep, new, state)
            if collect:
                return (state, last), out
            last = out if last is None else _select(keep, out, last)
            return (state, last), None

        first = jax.tree.map(lambda a: a[0], superbatch)
        out_shape, _ = jax.eval_shape(step, state, first)
        empty = None if collect else jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), out_shape)
        (state, last), stacked = jax.lax.scan(body, (state, empty), (superbatch, mask), unroll=True if unroll else 1)
        return (stacked if collect else last), state

    return multi


def compile_multistep(step, stats: ExecutionStats, collect: bool = False, unroll: bool = False, in_shardings=None,
                      out_shardings=None):
    """The jitted K-step program, with the training state (argument 0) donated."""
    multi = scan_steps(step, stats, collect, unroll)
    kwargs = {}
    if in_shardings is not None:
        kwargs = dict(in_shardings=in_shardings, out_shardings=out_shardings)
    jitted = jax.jit(multi, donate_argnums=0, **kwargs)

    def run(state, superbatch, mask):
        stats.dispatches += 1
        return jitted(state, superbatch, mask)

    run.jitted = jitted
    return run
