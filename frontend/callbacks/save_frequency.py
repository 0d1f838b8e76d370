"""When a checkpoint callback saves with `save_freq` in batches (ModelCheckpoint, BackupAndRestore)."""
from __future__ import annotations


class BatchFrequency:
    """Keras's count of batches since the last save. Batch hooks come once per execution of K
    steps, with the index of its last step, so each hook adds the steps since the previous one.

    >>> every = BatchFrequency(3)
    >>> [every.due(batch) for batch in (1, 3, 5, 7)]  # executions of 2 steps
    [False, True, False, True]
    """

    def __init__(self, save_freq: int):
        self.save_freq = save_freq
        self.seen = 0
        self.last = None

    def new_epoch(self) -> None:
        self.last = None

    def due(self, batch: int) -> bool:
        add = batch + 1 if self.last is None or batch <= self.last else batch - self.last
        self.seen += add
        self.last = batch
        if self.seen >= self.save_freq:
            self.seen = 0
            return True
        return False
