"""K steps in one execution, over a super-batch stacked to [K, batch, ...].

How the K steps run is the program's `LoopPlan` (loop_plan.py): the step itself (K = 1), one
`lax.scan` (one dispatch), or K dispatches of the one-step program. The plan is made on the
first execution, from the traced graphs and the super-batch's shape, and kept.

The training state is donated, so it is updated in place (unless the program calls back into
Python: donation.py). An epoch whose step count is not a
multiple of K ends with a shorter super-batch, and a short last batch has its own shape: under a
scan each gets its program compiled on first use and reused by every later epoch. (Masking padded
steps instead would put a select over the whole state into every step, measured at 15-20% of a
small model's step time; an exact-length tail costs one compilation per fit.)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import jax

from .donation import StateProgram
from .loop_plan import HOST, SCAN, LoopPlan


@dataclass
class ExecutionStats:
    """Counts that tests assert exactly: JAX traces (each one a compilation), dispatches, and
    the loop plan of each program kind ("train", "train_guarded", "test", "predict")."""

    compilations: int = 0
    dispatches: int = 0
    loops: dict = field(default_factory=dict)


def _first(superbatch):
    return jax.tree.map(lambda a: a[0], superbatch)


def one_step_program(step, stats: ExecutionStats):
    """multi(state, superbatch of one step) -> (out, state): the step itself, no loop."""

    def multi(state, superbatch):
        stats.compilations += 1  # runs only while JAX traces, i.e. once per compilation
        return step(state, _first(superbatch))

    return multi


def scan_program(step, stats: ExecutionStats, collect: bool):
    """multi(state, superbatch) -> (out, state): `step(state, data) -> (out, state)` over the
    leading axis. `out` is the last step's output (logs), or with `collect` every step's output
    with the step and batch axes merged (a free reshape inside the program)."""

    def multi(state, superbatch):
        stats.compilations += 1
        if collect:
            def body(state, data):
                out, state = step(state, data)
                return state, out

            state, outs = jax.lax.scan(body, state, superbatch)
            return jax.tree.map(lambda a: a.reshape((-1, *a.shape[2:])), outs), state
        return _carrying_last_output(step, state, superbatch)

    return multi


def _carrying_last_output(step, state, superbatch):
    """The scan with the step's output in its carry, each step's replacing the last: stacking
    every step's logs to keep the last costs the loop two kernels, and on the tiny MLP (64 steps)
    4% of its compile (JAX 0.10.2, 2-core CPU). The carry needs the output's types first: the
    step is traced once, as a jitted function whose trace the loop's body reuses, and which XLA
    inlines."""
    traced = jax.jit(step)
    types = jax.eval_shape(traced, state, _first(superbatch))[0]
    initial = jax.tree.map(lambda t: jax.lax.full(t.shape, 0, t.dtype), types)

    def body(carry, data):
        out, state = traced(carry[1], data)
        return (out, state), None

    (out, state), _ = jax.lax.scan(body, (initial, state), superbatch)
    return out, state


def compile_multistep(step, stats: ExecutionStats, plan_for: Callable[..., LoopPlan], kind: str,
                      collect: bool = False, in_shardings=None, out_shardings=None, place=None,
                      single=one_step_program, scan=None, host_loop=None):
    """The program of one kind: `run(state, superbatch, commit=None) -> (out, state)`.

    `plan_for(batch, superbatch)` makes the loop plan on the first execution. `place(superbatch)`
    puts data on the devices (with its sharding). `commit(state, steps, out)` is called after
    every dispatch with the new state, the number of steps that dispatch ran and its output, so
    an interruption between dispatches loses no completed step and the caller knows how many
    steps the state holds (the host plan commits K times per execution).
    With `collect`, `out` is a list of per-dispatch outputs whose leading axis is steps x batch.

    `single(step, stats)` and `scan(step, stats)` make the one-step and the K-step functions, and
    `host_loop(dispatch_one, state, steps)` runs the host plan's dispatches (`dispatch_one(i,
    state) -> (out, state)` runs step i): a program with other outputs brings its own
    (nonfinite.py); the defaults are the plain step.
    """
    kwargs = {} if in_shardings is None else dict(in_shardings=in_shardings, out_shardings=out_shardings)
    scan = scan or (lambda step, stats: scan_program(step, stats, collect))
    host_loop = host_loop or _host_loop
    programs = {"single": single(step, stats), "scan": scan(step, stats)}
    one = StateProgram(lambda counted: single(step, counting(stats, counted)), **kwargs)
    scanned = StateProgram(lambda counted: scan(step, counting(stats, counted)), **kwargs)

    dispatch = dispatcher(stats, place)

    def plan(superbatch) -> LoopPlan:
        if run.plan is None:
            run.plan = stats.loops[kind] = plan_for(_leading_shape(superbatch)[1], superbatch)
            for program in (one, scanned):
                program.compiler_options = dict(run.plan.compiler_options)
        return run.plan

    def run(state, superbatch, commit=None):
        steps, strategy = _leading_shape(superbatch)[0], plan(superbatch).strategy
        if steps == 1:
            out, state = dispatch(one, state, superbatch, commit)
            return ([out] if collect else out), state
        # A predict execution shorter than K (the tail of the data, or a small call) runs host-side:
        # a scan of its own length would compile a program for every such length.
        if strategy == SCAN and not (collect and steps < run.plan.steps):
            out, state = dispatch(scanned, state, superbatch, commit)
            return ([out] if collect else out), state

        def dispatch_one(i, state):  # HOST: slices of host arrays are views, no copies
            return dispatch(one, state, jax.tree.map(lambda a: a[i:i + 1], superbatch), commit)

        outs, state = host_loop(dispatch_one, state, steps)
        return (outs if collect else outs[-1]), state

    run.plan = None
    run.programs = programs  # the pure functions, for tools that lower and compile them afresh
    run.jitted = {"single": one, "scan": scanned}
    run.plan_for = plan
    return run


def _host_loop(dispatch_one, state, steps: int):
    outs = []
    for i in range(steps):
        out, state = dispatch_one(i, state)
        outs.append(out)
    return outs, state


def counting(stats: ExecutionStats, counted: bool) -> ExecutionStats:
    """`stats`, or a throwaway for the trace of a program that replaces a counted one."""
    return stats if counted else ExecutionStats()


def dispatcher(stats: ExecutionStats, place=None):
    """dispatch(program, state, superbatch, commit) -> (out, state): place the data, run one
    jitted program, count it, and commit the new state at once (`commit(state, steps, out)`)."""

    def dispatch(program, state, superbatch, commit):
        steps = _leading_shape(superbatch)[0]
        if place is not None:
            superbatch = place(superbatch)
        stats.dispatches += 1
        out, state = program(state, superbatch)
        if commit is not None:
            commit(state, steps, out)
        return out, state

    return dispatch


def _leading_shape(superbatch) -> tuple[int, int]:
    leaves = jax.tree.leaves(superbatch)
    if not leaves:
        return 1, 0
    shape = leaves[0].shape
    return shape[0], (shape[1] if len(shape) > 1 else 1)


__all__ = ["ExecutionStats", "HOST", "SCAN", "compile_multistep", "one_step_program", "scan_program"]
