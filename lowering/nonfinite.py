"""Steps that stop applying updates at the first non-finite loss (TerminateOnNaN).

A plain K-step execution would go on training on NaN weights for the rest of its steps. Here
every step's new state is kept only while all losses so far were finite, so the execution ends
with the weights of the last finite step, and reports which step went bad. The select over the
whole state costs time every step, so only a fit with TerminateOnNaN runs these programs.

The guard follows the program's loop plan (loop_plan.py), as the unguarded program does: one
step for K = 1, a scan for the `scan` plan, and for the `host` plan K dispatches of the guarded
one-step program that stop at the first non-finite loss (a convolution net on CPU keeps its
plan: inside a scan its gradients run 25x slower).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from .multistep import compile_multistep


def compile_guarded(step, stats, plan_for, place=None, in_shardings=None, out_shardings=None):
    """The guarded program: `run(state, superbatch, commit) -> ((out, bad_step), state)`, where
    `out` is the output of the first step whose loss is not finite (else of the last step) and
    `bad_step` its index in the execution, -1 when every loss was finite (the state is donated)."""
    if out_shardings is not None:
        out_shardings = ((None, None), out_shardings[1])
    return compile_multistep(step, stats, plan_for, "train_guarded", in_shardings=in_shardings,
                             out_shardings=out_shardings, place=place, single=guarded_one_step,
                             scan=guarded_scan_steps, host_loop=_guarded_host_loop)


def _finite(out):
    loss = out.get("loss") if isinstance(out, dict) else None
    return jnp.all(jnp.isfinite(loss)) if loss is not None else jnp.asarray(True)


def _keep_if(keep, new, old):
    return jax.tree.map(lambda n, o: jnp.where(keep, n, o), new, old)


def guarded_one_step(step, stats):
    """multi(state, superbatch of one step) -> ((out, bad_step), state): the step, whose new
    state is kept only if its loss is finite; `bad_step` is 0 if it was not, else -1."""

    def multi(state, superbatch):
        stats.compilations += 1  # runs only while JAX traces, i.e. once per compilation
        out, new = step(state, jax.tree.map(lambda a: a[0], superbatch))
        finite = _finite(out)
        return (out, jnp.where(finite, -1, 0).astype("int32")), _keep_if(finite, new, state)

    return multi


def _guarded_host_loop(dispatch_one, state, steps: int):
    """The host plan: guarded one-step dispatches, up to the first non-finite loss. Reading each
    step's flag waits for the device; a step that runs host-side is long enough not to notice."""
    for i in range(steps):
        (out, bad), state = dispatch_one(i, state)
        if int(bad) >= 0:
            return [(out, i)], state
    return [(out, -1)], state


def guarded_scan_steps(step, stats):
    """multi(state, superbatch) -> ((out, bad_step), state): like `scan_steps`, with the output
    and index of the first step whose loss is not finite (-1 when every loss was finite)."""

    def multi(state, superbatch):
        stats.compilations += 1  # runs only while JAX traces, i.e. once per compilation
        k = len(jax.tree.leaves(superbatch)[0])

        def body(carry, xs):
            state, bad = carry
            data, index = xs
            out, new = step(state, data)
            finite = _finite(out)
            state = _keep_if((bad < 0) & finite, new, state)
            bad = jnp.where((bad < 0) & ~finite, index, bad)
            return (state, bad), out

        carry = (state, jnp.asarray(-1, "int32"))
        (state, bad), outs = jax.lax.scan(body, carry, (superbatch, jnp.arange(k, dtype="int32")))
        pick = jnp.where(bad >= 0, bad, k - 1)
        return (jax.tree.map(lambda a: a[pick], outs), bad), state

    return multi
