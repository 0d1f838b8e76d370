"""Checkpoint files written in the background.

A checkpoint callback copies the state off the device (the only part that stalls training)
and hands the writing to one worker thread, in order; fit waits for the last write before it
returns. A job submitted under a `key` replaces a job of that key still waiting to start (a
newer backup supersedes an older one that was never begun).
"""
from __future__ import annotations

import threading
from collections import deque


class BackgroundWriter:
    """One worker thread running write jobs in submission order.

    >>> writer = BackgroundWriter()
    >>> writer.submit(lambda: None)
    >>> writer.wait()
    """

    def __init__(self):
        self._jobs = deque()
        self._lock = threading.Condition()
        self._busy = False
        self._thread = None
        self._error = None

    def submit(self, job, key=None) -> None:
        with self._lock:
            if key is not None:
                self._jobs = deque((k, j) for k, j in self._jobs if k != key)
            self._jobs.append((key, job))
            if self._thread is None or not self._thread.is_alive():
                # not a daemon: a process that ends normally still finishes its last write
                self._thread = threading.Thread(target=self._run, name="kerax-checkpoint-writer")
                self._thread.start()
            self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._busy = False
                    self._lock.notify_all()
                    return
                _, job = self._jobs.popleft()
                self._busy = True
            try:
                job()
            except BaseException as error:  # reported by wait(), in the training thread
                with self._lock:
                    self._error = self._error or error

    def wait(self) -> None:
        """Block until every submitted job is done; re-raise the first error a job raised."""
        with self._lock:
            while self._jobs or self._busy:
                self._lock.wait()
            error, self._error = self._error, None
        if error is not None:
            raise error
