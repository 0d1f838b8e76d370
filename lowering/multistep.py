"""K steps in one dispatch: `lax.scan` over a super-batch stacked to [K, batch, ...].

A boolean mask per step lets the short last execution of an epoch reuse the K-step program:
masked steps leave the state untouched. The state is donated, so it is updated in place.
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


def _skip(step, state, data):
    """Result of a masked step: zeros shaped like the step's output, state unchanged."""
    out_shape, _ = jax.eval_shape(step, state, data)
    return jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), out_shape), state


def scan_steps(step, stats: ExecutionStats, collect: bool = False):
    """multi(state, superbatch, mask) -> (out, state). `out` is the last unmasked step's output
    (logs) or, with `collect`, every step's output stacked (predictions)."""

    def multi(state, superbatch, mask):
        stats.compilations += 1  # runs only while JAX traces, i.e. once per compilation
        first = jax.tree.map(lambda a: a[0], superbatch)
        empty, _ = _skip(step, state, first)

        def body(carry, item):
            state, last = carry
            data, keep = item
            out, state = jax.lax.cond(keep, lambda s: step(s, data), lambda s: (empty, s), state)
            if collect:
                return (state, last), out
            return (state, out if last is None else jax.tree.map(
                lambda new, old: jnp.where(keep, new, old), out, last)), None

        (state, last), stacked = jax.lax.scan(body, (state, empty), (superbatch, mask))
        return (stacked if collect else last), state

    return multi


def compile_multistep(step, stats: ExecutionStats, collect: bool = False, in_shardings=None, out_shardings=None):
    """The jitted K-step program, with the training state (argument 0) donated."""
    multi = scan_steps(step, stats, collect)
    kwargs = {}
    if in_shardings is not None:
        kwargs = dict(in_shardings=in_shardings, out_shardings=out_shardings)
    jitted = jax.jit(multi, donate_argnums=0, **kwargs)

    def run(state, superbatch, mask):
        stats.dispatches += 1
        return jitted(state, superbatch, mask)

    run.jitted = jitted
    return run
