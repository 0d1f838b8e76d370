"""The training state, held on device between executions.

Variables bound to a DeviceState read and write through it, so nothing is copied back to
them until user code (a callback, get_weights, saving) looks, and nothing at all otherwise.
"""
from __future__ import annotations

import contextlib
import threading

import jax
import numpy as np

from .interrupt import deferred_signals


class DeviceState:
    """Keras's JAX state tuple (trainable, non_trainable, optimizer, metrics) on device.

    >>> state = DeviceState([model.trainable_variables, ...])  # doctest: +SKIP
    >>> logs, new = program(state.values, batch); state.values = new  # doctest: +SKIP
    """

    def __init__(self, groups: list, shardings=None):
        self.groups = [list(g) for g in groups]
        self.index = {}
        seen = set()
        values = []
        for gi, group in enumerate(self.groups):
            row = []
            for i, variable in enumerate(group):
                array = variable.value
                if id(array) in seen:  # a buffer may be donated only once per call
                    array = np.array(array)  # a host copy: a device copy compiles a program
                seen.add(id(array))
                row.append(array)
                self.index[id(variable)] = (gi, i)
            values.append(row)
        # Every value committed to its place: a program compiled for state that is partly placed
        # (host arrays, uncommitted arrays) would compile again once its own outputs come back.
        values = jax.device_put(values, shardings if shardings is not None else jax.devices()[0])
        self.values = tuple(values)
        self._reading = threading.local()  # a snapshot some thread reads instead (see reading())
        self.position = None  # (epoch, step, NumPy RNG state of the epoch's shuffle, logs), kept by fit
        # () -> (values, position, where) of the last checkpoint of the whole state, or None: what
        # an execution that lost the state falls back on (BackupAndRestore sets it during fit)
        self.recovery = None
        for group in self.groups:
            for variable in group:
                variable._holder = self

    def read(self, variable):
        gi, i = self.index[id(variable)]
        snapshot = getattr(self._reading, "values", None)
        return (self.values if snapshot is None else snapshot)[gi][i]

    @contextlib.contextmanager
    def reading(self, snapshot):
        """In this thread only, variables read `snapshot` (from `snapshot()`) instead of the
        live state: a checkpoint written in the background sees one consistent state while
        training goes on.

        >>> with state.reading(state.snapshot()):  # doctest: +SKIP
        ...     model.save_weights("w.weights.h5")
        """
        self._reading.values = snapshot
        try:
            yield
        finally:
            self._reading.values = None

    def write(self, variable, array) -> None:
        gi, i = self.index[id(variable)]
        old = self.values[gi][i]
        sharding = getattr(old, "sharding", None)
        if not (isinstance(array, jax.Array) and array.dtype == old.dtype):
            array = np.asarray(array, dtype=old.dtype)  # converted on the host: no device program
        self.values[gi][i] = jax.device_put(array, sharding) if sharding is not None else array

    def update(self, values) -> None:
        self.values = tuple(list(g) for g in values)

    def execute(self, program, batch, on_commit=None):
        """Run `program(values, batch, commit) -> (out, values)`, which commits the new values
        after each dispatch (`commit(values, steps, out)`); `on_commit(steps, out)` then hears
        of them at once, so that what it keeps (fit's data position) never disagrees with the
        state, even when a later dispatch of the execution fails. Ctrl-C (or any signal
        handler's exception) waits for the execution to end, so the state is always that of
        the last completed dispatch, never a donated (deleted) one."""

        def commit(values, steps, out):
            self.update(values)
            if on_commit is not None:
                on_commit(steps, out)

        with self.guarded(), deferred_signals():
            out, _ = program(self.values, batch, commit)
        return out

    @contextlib.contextmanager
    def guarded(self):
        """Around code that runs executions or reads their results: an exception that leaves the
        state lost (see `lost`) gets a note saying so, and the state of the last checkpoint back
        if there is one (`_recover`). On an accelerator an execution's error (running out of
        memory, say) surfaces where its results are first read, often after its dispatch
        returned: so fit, evaluate and predict run under this guard as a whole, callbacks
        included. Nested guards handle an exception once."""
        try:
            yield
        except Exception as error:
            if not getattr(error, "_kerax_state_checked", False):
                error._kerax_state_checked = True
                if self.lost():
                    error.add_note(self._recover())
            raise

    def _recover(self) -> str:
        """After a failure that lost the donated state: load the last checkpoint of the whole
        state (`recovery`), if there is one, and say what happened. Nothing is kept for this on
        the normal path: the checkpoint is one a callback wrote anyway."""
        lost = ("kerax: an execution failed after its training state was donated to it, so the state of the "
                "last completed execution is gone (a program without host callbacks donates it: "
                "lowering/donation.py).")
        where = "the last checkpoint"
        try:
            found = self.recovery() if self.recovery is not None else None
            if found is None:
                return f"{lost} Restore the model from a checkpoint, e.g. with BackupAndRestore."
            values, position, where = found
            self.restore(values)
        except Exception as failed:  # noqa: BLE001  (the execution's own error is the one raised)
            return f"{lost} Restoring the model from {where} failed too: {failed!r}"
        self.position = position
        return (f"{lost} The model now holds the state of {where} (epoch {position[0]}, step {position[1]}); the "
                "steps trained after it are lost. Calling fit again with the same BackupAndRestore continues "
                "from there.")

    def lost(self) -> bool:
        """Whether the state is gone: a value was donated to an execution that then failed
        (deleted buffers), or is the result of an execution that failed on the device after its
        dispatch returned (waiting for it raises that error)."""
        if any(getattr(a, "is_deleted", lambda: False)() for group in self.values for a in group):
            return True
        try:
            jax.block_until_ready(self.values)
        except Exception:  # noqa: BLE001  (whatever the device reported, the values are unusable)
            return True
        return False

    def snapshot(self) -> tuple:
        """A consistent host copy of the whole state, in one transfer off the device:
        `(trainable, non_trainable, optimizer, metrics)` as lists of NumPy arrays."""
        return tuple(list(g) for g in jax.device_get(self.values))

    def snapshot_shapes(self) -> list:
        """The shape of every value, per group (what a snapshot must match to be restored)."""
        return [[tuple(a.shape) for a in group] for group in self.values]

    def restore(self, values) -> None:
        """Load host arrays (a `snapshot()`) back, keeping each value's dtype and placement."""
        for group, row in zip(self.groups, values):
            for variable, array in zip(group, row):
                self.write(variable, array)

    def replace_group(self, index: int, arrays) -> None:
        """New arrays for one group (fresh metric state), placed as the arrays they replace: on a
        mesh, a jitted step rejects state that sits on one device beside state on all of them."""
        values = list(self.values)
        values[index] = [jax.device_put(new, old.sharding) if hasattr(old, "sharding") else new
                         for new, old in zip(arrays, self.values[index])]
        self.update(values)

    def release(self) -> None:
        """Hand the current values back to the variables and unbind them."""
        for group, row in zip(self.groups, self.values):
            for variable, array in zip(group, row):
                variable._holder = None
                variable._value = array

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()
