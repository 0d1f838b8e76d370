"""K steps that stop applying updates at the first non-finite loss (TerminateOnNaN).

A plain K-step execution would go on training on NaN weights for the rest of its steps. Here
every step's new state is kept only while all losses so far were finite, so the execution ends
with the weights of the last finite step, and reports which step went bad. The select over the
whole state costs time every step, so only a fit with TerminateOnNaN runs this program.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from .donation import StateProgram
from .multistep import counting, dispatcher


def compile_guarded(step, stats, place=None, in_shardings=None, out_shardings=None):
    """The guarded program: `run(state, superbatch, commit) -> ((out, bad_step), state)`, one
    dispatch of a scan over the K steps whatever the loop plan (the state is donated)."""
    kwargs = {} if in_shardings is None else dict(in_shardings=in_shardings,
                                                   out_shardings=((None, None), out_shardings[1]))
    jitted = StateProgram(lambda counted: guarded_scan_steps(step, counting(stats, counted)), **kwargs)
    dispatch = dispatcher(stats, place)

    def run(state, superbatch, commit=None):
        return dispatch(jitted, state, superbatch, commit)

    return run


def guarded_scan_steps(step, stats, unroll: bool = False):
    """multi(state, superbatch) -> ((out, bad_step), state): like `scan_steps`, where `out` is
    the output of the first step whose loss is not finite (else of the last step) and
    `bad_step` its index in the execution, -1 when every loss was finite."""

    def multi(state, superbatch):
        stats.compilations += 1  # runs only while JAX traces, i.e. once per compilation
        k = len(jax.tree.leaves(superbatch)[0])

        def body(carry, xs):
            state, bad = carry
            data, index = xs
            out, new = step(state, data)
            loss = out.get("loss") if isinstance(out, dict) else None
            finite = jnp.all(jnp.isfinite(loss)) if loss is not None else jnp.asarray(True)
            keep = (bad < 0) & finite
            state = jax.tree.map(lambda n, o: jnp.where(keep, n, o), new, state)
            bad = jnp.where((bad < 0) & ~finite, index, bad)
            return (state, bad), out

        carry = (state, jnp.asarray(-1, "int32"))
        (state, bad), outs = jax.lax.scan(body, carry, (superbatch, jnp.arange(k, dtype="int32")),
                                          unroll=True if unroll else 1)
        pick = jnp.where(bad >= 0, bad, k - 1)
        return (jax.tree.map(lambda a: a[pick], outs), bad), state

    return multi
