"""K steps in one dispatch: `lax.scan` over a super-batch stacked to [K, batch, ...].

The training state is donated, so it is updated in place. An epoch whose step count is not a
multiple of K ends with a shorter super-batch, and a short last batch has its own shape: each
gets its program compiled on first use and reused by every later epoch. (Masking padded steps
instead would put a select over the whole state into every step, measured at 15-20% of a small
model's step time; an exact-length tail costs one compilation per fit.)
"""
from __future__ import annotations

from dataclasses import dataclass

import jax


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


def scan_steps(step, stats: ExecutionStats, collect: bool = False, unroll: bool = False):
    """multi(state, superbatch) -> (out, state): `step(state, data) -> (out, state)` over the
    leading axis. `out` is the last step's output (logs), or with `collect` every step's, stacked."""

    def multi(state, superbatch):
        stats.compilations += 1  # runs only while JAX traces, i.e. once per compilation

        def body(state, data):
            out, state = step(state, data)
            return state, out

        state, outs = jax.lax.scan(body, state, superbatch, unroll=True if unroll else 1)
        return (outs if collect else jax.tree.map(lambda a: a[-1], outs)), state

    return multi


def compile_multistep(step, stats: ExecutionStats, collect: bool = False, unroll: bool = False, in_shardings=None,
                      out_shardings=None, guard_nonfinite: bool = False):
    """The jitted K-step program, with the training state (argument 0) donated; with
    `guard_nonfinite`, the program of lowering.nonfinite."""
    if guard_nonfinite:
        from .nonfinite import guarded_scan_steps

        multi = guarded_scan_steps(step, stats, unroll)
    else:
        multi = scan_steps(step, stats, collect, unroll)
    kwargs = {}
    if in_shardings is not None:
        kwargs = dict(in_shardings=in_shardings, out_shardings=out_shardings)
    jitted = jax.jit(multi, donate_argnums=0, **kwargs)

    def run(state, superbatch):
        stats.dispatches += 1
        return jitted(state, superbatch)

    run.jitted = jitted
    return run
