"""BackupAndRestore: training that resumes where an interrupted process left it.

The backup is the whole training state (weights, optimizer slots and iteration, metrics, RNG
states) plus the data position (epoch, step, the shuffle's RNG state), so a resumed fit
continues with the same batches and ends with the weights of an uninterrupted one, bit for bit.
It is written by runtime.backup in the background; a kill at any moment leaves a usable backup.
"""
from __future__ import annotations

import os
import shutil

import numpy as np

from ...runtime.backup import read_backup, write_backup
from ...runtime.loops import logs_to_floats
from .callback import Callback
from .save_frequency import BatchFrequency


class BackupAndRestore(Callback):
    """Keras 3's BackupAndRestore: `save_freq` "epoch" or a number of batches.

    >>> backup = BackupAndRestore(backup_dir="/tmp/backup", save_freq=100)
    >>> model.fit(x, y, epochs=10, callbacks=[backup])  # doctest: +SKIP
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. Expected "
                             "either 'epoch' or an integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        # Kept for Keras's signature: every kerax backup keeps its previous one until the new one is whole.
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._every = None if save_freq == "epoch" else BatchFrequency(save_freq)

    def on_train_begin(self, logs=None):
        if self._every is not None:
            self._every = BatchFrequency(self.save_freq)
        state = self.model._state()
        state.recovery = self._last_backup  # an execution that loses the state falls back on it (fit unsets it)
        backup = self._read()
        if backup is None:
            return
        values, position = backup
        state.restore(values)
        self.model._resume_position = position

    def _read(self):
        backup = read_backup(self.backup_dir)
        if backup is not None:
            _check_compatible(self.model._state().snapshot_shapes(), backup[0], self.backup_dir)
        return backup

    def _last_backup(self):
        """`(values, position, where)` of the newest complete backup, or None."""
        self.model._checkpoint_writer().wait()  # a backup being written is whole first
        backup = self._read()
        return None if backup is None else (*backup, f"the backup in {self.backup_dir}")

    def on_train_batch_end(self, batch, logs=None):
        if self._every is not None and self._every.due(batch):
            self._save()

    def on_epoch_end(self, epoch, logs=None):
        if self._every is not None:
            self._every.new_epoch()
        else:
            self._save()

    def on_train_end(self, logs=None):
        self.model._checkpoint_writer().wait()
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    def _save(self):
        state = self.model._state()
        epoch, step, order, logs = state.position
        values, position = state.snapshot(), (epoch, step, order, None if logs is None else logs_to_floats(logs))
        self.model._checkpoint_writer().submit(lambda: write_backup(self.backup_dir, values, position), key=self)


def _check_compatible(expected: list, values: tuple, folder: str) -> None:
    found = [[tuple(np.shape(a)) for a in group] for group in values]
    if found != expected:
        raise ValueError(f"BackupAndRestore: the backup in {folder} does not fit this model: its state has shapes "
                         f"{found}, the model's {expected}. Use a new `backup_dir` for a different model or compile "
                         "configuration")
