"""The execution loops: fit, evaluate and predict over super-batches, one dispatch each,
with callbacks called at execution boundaries (as Keras does with steps_per_execution)."""
from __future__ import annotations

import jax
import numpy as np

from ..lowering.loop_plan import SCAN


def logs_to_floats(logs: dict) -> dict:
    """Bring logs to the host (this waits for the device)."""
    return {k: float(v) for k, v in jax.device_get(logs).items()}


def run_steps(program, state, data, k_max: int, on_begin=None, on_end=None, collect: bool = False, pad: bool = False):
    """One pass over `data`. `program(values, superbatch, commit) -> (out, values)` runs up to
    `k_max` steps per execution and commits the state after each dispatch.

    Returns the last execution's output, or with `collect` every step's output, concatenated on
    the host. With `pad` (predict), a short batch is padded to the batch size (for iterables, the
    first batch's size) and, under
    a scan, a short execution to `k_max` steps, so that one program serves them all; the padded
    rows are dropped on the host."""
    step, last, collected = 0, None, []
    full_batch = getattr(data, "batch_size", None)  # arrays: the batch_size asked for
    for superbatch, steps in data.superbatches(k_max):
        if on_begin is not None:
            on_begin(step)
        real = None
        if pad:
            full_batch = full_batch or _batch_size(superbatch)
            target = k_max if program.plan_for(superbatch).strategy == SCAN else steps
            real = (steps, _batch_size(superbatch), full_batch)
            superbatch = pad_superbatch(superbatch, target, full_batch)
        out, _ = program(state.values, superbatch, state.update)
        step += steps
        if collect:
            collected.append((out, real))
        else:
            last = out
        if on_end is not None:
            on_end(step - 1, out, steps)
    if collect:
        return _concatenate_on_host(collected) if collected else None
    return last


def _batch_size(superbatch) -> int:
    return jax.tree.leaves(superbatch)[0].shape[1]


def pad_superbatch(superbatch, steps: int, batch: int):
    """Zero-pad host arrays [k, b, ...] to [steps, batch, ...] (no copy when nothing is missing)."""
    def pad(a):
        if a.shape[0] == steps and a.shape[1] == batch:
            return a
        out = np.zeros((steps, batch, *a.shape[2:]), a.dtype)
        out[: a.shape[0], : a.shape[1]] = a
        return out

    return jax.tree.map(pad, superbatch)


def _concatenate_on_host(collected):
    """Per-dispatch outputs ([steps x batch, ...] device arrays) -> one host array per output,
    padded rows dropped. One device_get at the end keeps the dispatches asynchronous."""
    host = jax.device_get([out for out, _ in collected])
    parts = []
    for outs, (_, real) in zip(host, collected):
        for out in outs:
            if real is not None:
                out = jax.tree.map(lambda a: _drop_padding(a, *real), out)
            parts.append(out)
    return jax.tree.map(lambda *xs: np.concatenate(xs), *parts)


def _drop_padding(a, steps: int, batch: int, full_batch: int):
    """[padded steps x full_batch, ...] -> the [steps x batch, ...] real rows (host views)."""
    if batch == full_batch and len(a) <= steps * batch:
        return a
    a = a.reshape(-1, full_batch, *a.shape[1:])[:steps, :batch]
    return a.reshape(-1, *a.shape[2:])


def fit_loop(*, program, state, data, epochs: int, initial_epoch: int, k: int, callbacks, reset_metrics,
             validate=None, should_stop=lambda: False):
    """Epochs of training; returns the last epoch's logs."""
    callbacks.on_train_begin()
    epoch_logs = {}
    for epoch in range(initial_epoch, epochs):
        reset_metrics()
        callbacks.on_epoch_begin(epoch)
        last = run_steps(program, state, data, k,
                         on_begin=callbacks.on_train_batch_begin,
                         on_end=lambda step, logs, steps: callbacks.on_train_batch_end(step, logs))
        if last is None:
            raise ValueError("The training data produced no batches: check `x`, `batch_size` and `steps_per_epoch`")
        epoch_logs = logs_to_floats(last)
        if validate is not None:
            epoch_logs.update({f"val_{k_}": v for k_, v in validate().items()})
        callbacks.on_epoch_end(epoch, epoch_logs)
        if should_stop():
            break
    callbacks.on_train_end(epoch_logs)
    return epoch_logs
