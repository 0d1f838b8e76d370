"""The execution loops: fit, evaluate and predict over super-batches, one dispatch each,
with callbacks called at execution boundaries (as Keras does with steps_per_execution)."""
from __future__ import annotations

import warnings

import jax
import numpy as np


RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator can generate "
           "at least `steps_per_epoch * epochs` batches.")


def flatten_logs(logs) -> dict:
    """Logs as callbacks see them: nested dicts merged into one (a `train_step` that returns
    `compile_metrics`' dict under a key gives its entries, as Keras's `pythonify_logs` does).
    Logs that are not a dict are a user step's error, named here rather than deep in a callback."""
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        raise TypeError(f"train_step/test_step: expected the logs (the first returned value) to be a dict of "
                        f"metric names to values, received {type(logs).__name__} {logs!r:.80}")
    if not any(isinstance(v, dict) for v in logs.values()):
        return logs
    flat = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(flatten_logs(value))
        else:
            flat[key] = value
    return flat


def logs_to_floats(logs: dict) -> dict:
    """Logs as Keras's `pythonify_logs` hands them to callbacks: flat, keys sorted, on the host
    (this waits for the device), a value of one element a Python float; a per-class metric
    (F1Score with average=None) or predict's outputs stay NumPy arrays."""
    flat = jax.device_get(flatten_logs(logs))
    return {key: _pythonify(flat[key]) for key in sorted(flat)}


def _pythonify(value):
    if isinstance(value, (np.ndarray, np.generic, int, float)) and np.size(value) == 1:
        return float(np.reshape(value, ()))  # Keras's float(value); the reshape spares NumPy's warning
    return value


def run_steps(program, state, data, k_max: int, on_begin=None, on_end=None, collect: bool = False, pad: bool = False,
              should_stop=None, start_step: int = 0, on_commit=None):
    """One pass over `data`. `program(values, superbatch, commit) -> (out, values)` runs up to
    `k_max` steps per execution and commits the state after each dispatch (`state.execute`,
    which tells `on_commit(steps, out)`). `start_step` resumes a pass in its middle.

    The hooks see Keras's executions, blocks of `k_max` steps (runtime.data): `on_begin(step)`
    before a block's first step, `on_end(last_step, out, steps)` after its last, with the last
    super-batch's output, or with `collect` the list of the block's `(out, padding)` pairs that
    `outputs_on_host` turns into its outputs. `should_stop()` is asked after every block. A
    program with a `halted()` attribute (the guarded training program, at a non-finite loss)
    ends its block early when that returns True, so that the hooks hear of it at once.

    Returns the last execution's output, or with `collect` every step's output, concatenated on
    the host. With `pad` (predict), a short batch is padded to the batch size (for iterables, the
    first batch's size), so that one program serves every call with that batch size; the padded
    rows are dropped on the host. (A short execution of a predict program runs as host dispatches
    of the one-step program: see lowering.multistep.)"""
    step, last, collected = start_step, None, []
    full_batch = getattr(data, "batch_size", None)  # arrays: the batch_size asked for
    halted = getattr(program, "halted", None)
    block_start = None  # the first step of the block under way, and its first entry in `collected`
    for superbatch, steps, ends_block in data.superbatches(k_max, start_step):
        if block_start is None:
            block_start = (step, len(collected))
            if on_begin is not None:
                on_begin(step)
        real = None
        if pad:
            full_batch = full_batch or _batch_size(superbatch)
            real = (steps, _batch_size(superbatch), full_batch)
            superbatch = pad_superbatch(superbatch, steps, full_batch)
        out = state.execute(program, superbatch, on_commit)
        step += steps
        if collect:
            collected.append((out, real))
        else:
            last = out
        if not ends_block and not (halted is not None and halted()):
            continue
        first, entry = block_start
        block_start = None
        if on_end is not None:
            on_end(step - 1, collected[entry:] if collect else out, step - first)
        if should_stop is not None and should_stop():
            break
    if collect:
        return outputs_on_host(collected) if collected else None
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


def outputs_on_host(collected):
    """`(out, padding)` pairs of `run_steps(collect=True)` (per-dispatch outputs, [steps x
    batch, ...] device arrays) -> one host array per output, padded rows dropped. One device_get
    for all of them: the dispatches stay asynchronous until it."""
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
             validate=None, should_stop=lambda: False, resume=lambda: None):
    """Epochs of training; returns the last epoch's logs.

    `stop_training` is checked after every execution. `state.position` follows the data
    order (epoch, step, the NumPy RNG state the epoch's shuffle is drawn from, the logs of the
    last step in the epoch, or None at its start), so that a snapshot taken in any callback can
    resume training exactly there. It moves with every commit of the state, not with every
    execution: when a host-plan execution (K dispatches) fails partway, it counts exactly the
    steps the state holds. `resume()`, asked after `on_train_begin`, returns such a position to
    start from, or None."""
    callbacks.on_train_begin()
    epoch, step, resumed_logs = initial_epoch, 0, None
    position = resume()
    if position is not None:
        epoch, step, order, resumed_logs = position
        np.random.set_state(order)
    epoch_logs = {}
    while epoch < epochs:
        if step == 0:
            reset_metrics()
        callbacks.on_epoch_begin(epoch)
        order = np.random.get_state()  # what this epoch's shuffle is drawn from
        state.position = (epoch, step, order, resumed_logs if step else None)

        def on_commit(steps, logs, epoch=epoch, order=order):
            state.position = (epoch, state.position[1] + steps, order, logs)

        last = run_steps(program, state, data, k, on_begin=callbacks.on_train_batch_begin,
                         on_end=lambda last_step, logs, steps: callbacks.on_train_batch_end(last_step, logs),
                         should_stop=should_stop, start_step=step, on_commit=on_commit)
        if last is None and step > 0:
            last = resumed_logs  # resumed after the epoch's last step, before its end
        if last is None:
            warnings.warn(RAN_OUT, stacklevel=3)
            break
        epoch_logs = logs_to_floats(last)
        if validate is not None:
            epoch_logs.update({f"val_{name}": v for name, v in validate(epoch).items()})
        state.position = (epoch + 1, 0, np.random.get_state(), None)
        callbacks.on_epoch_end(epoch, epoch_logs)
        if getattr(data, "ran_out", False):
            warnings.warn(RAN_OUT, stacklevel=3)
            break
        if should_stop():
            break
        epoch, step = epoch + 1, 0
    callbacks.on_train_end(epoch_logs)
    return epoch_logs
