"""The execution loops: fit, evaluate and predict over super-batches, one dispatch each,
with callbacks called at execution boundaries (as Keras does with steps_per_execution)."""
from __future__ import annotations

import jax
import numpy as np



def logs_to_floats(logs: dict) -> dict:
    """Bring logs to the host (this waits for the device); a per-class metric (F1Score with
    average=None) stays an array, as Keras returns it."""
    return {k: float(v) if np.ndim(v) == 0 else np.asarray(v) for k, v in jax.device_get(logs).items()}


def run_steps(program, state, data, k_max: int, place=None, on_begin=None, on_end=None, collect: bool = False):
    """One pass over `data`. `program(values, superbatch) -> (out, values)`, one dispatch per
    super-batch of up to `k_max` steps.

    Returns the last execution's output, or with `collect` every step's output, concatenated."""
    step, last, collected = 0, None, []
    for superbatch, steps in data.superbatches(k_max):
        if place is not None:
            superbatch = place(superbatch)
        if on_begin is not None:
            on_begin(step)
        out, values = program(state.values, superbatch)
        state.update(values)
        step += steps
        if collect:
            collected.append(jax.tree.map(lambda a: a.reshape((-1, *a.shape[2:])), out))
        else:
            last = out
        if on_end is not None:
            on_end(step - 1, out, steps)
    if collect:
        if not collected:
            return None
        return jax.tree.map(lambda *parts: np.concatenate([np.asarray(p) for p in parts]), *collected)
    return last


def fit_loop(*, program, state, data, epochs: int, initial_epoch: int, k: int, callbacks, reset_metrics,
             validate=None, place=None, should_stop=lambda: False):
    """Epochs of training; returns the last epoch's logs."""
    callbacks.on_train_begin()
    epoch_logs = {}
    for epoch in range(initial_epoch, epochs):
        reset_metrics()
        callbacks.on_epoch_begin(epoch)
        last = run_steps(program, state, data, k, place,
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
