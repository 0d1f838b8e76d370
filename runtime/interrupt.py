"""Holding Ctrl-C back while a dispatch is in flight.

A dispatch donates the state buffers: a KeyboardInterrupt raised between the call and the
commit of the new state would leave only deleted arrays behind. Inside `deferred_interrupt()`
a SIGINT is recorded instead, and delivered to the previous handler as soon as the block ends,
so the interrupt lands right after the commit.
"""
from __future__ import annotations

import contextlib
import signal
import threading


@contextlib.contextmanager
def deferred_interrupt():
    """Delay SIGINT until the block is done (only the main thread receives signals).

    >>> with deferred_interrupt():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield  # no Python-level handler to defer to
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            signal.raise_signal(signal.SIGINT)  # now handled by `previous`
