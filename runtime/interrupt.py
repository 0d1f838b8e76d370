"""Holding signals back while a dispatch is in flight.

A dispatch donates the state buffers: an exception raised between the call and the commit of
the new state would leave only deleted arrays behind. The only exceptions that can land there
are raised by Python signal handlers (Ctrl-C's KeyboardInterrupt, a SIGALRM or SIGTERM handler
that raises), so inside `deferred_signals()` every signal that has a Python handler is recorded
instead, and delivered to that handler as soon as the block ends: the exception lands right after
the commit. (Errors inside the XLA call itself: lowering/donation.py.)
"""
from __future__ import annotations

import contextlib
import signal
import threading

# The C functions behind `signal`, whose Python wrappers turn every number into an enum: through
# them, deferring the signals took 161 us per dispatch, directly 21 us (a step of the tiny MLP
# takes a few hundred), timing empty `deferred_signals()` blocks in a loop.
try:
    import _signal as _handlers
except ImportError:  # a Python without CPython's module
    _handlers = signal


# The signals that a user, a terminal or a timer sends a process, whose handlers may raise. (Asking
# every valid signal for its handler took 60 times as long as a dispatch of a small step.)
_SIGNALS = [int(getattr(signal, name)) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGALRM",
                                                    "SIGVTALRM", "SIGPROF", "SIGUSR1", "SIGUSR2", "SIGCHLD",
                                                    "SIGWINCH", "SIGBREAK")
            if hasattr(signal, name)]


def _python_handled() -> list:
    """Those signals whose handler is Python code (the default, ignore and C handlers raise nothing)."""
    return [signum for signum in _SIGNALS if callable(_handlers.getsignal(signum))]


@contextlib.contextmanager
def deferred_signals():
    """Delay the Python handlers of signals until the block is done (only the main thread runs
    them, so only the main thread defers).

    >>> with deferred_signals():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {}
    try:
        # One at a time, inside the try: setting a handler first runs any pending one, which may
        # raise (Ctrl-C), and those already swapped must then be put back, not left deferring.
        for signum in _python_handled():
            previous[signum] = _handlers.signal(signum, lambda signum, frame: received.append(signum))
        yield
    finally:
        _restore(previous)
        for signum in received:
            signal.raise_signal(signum)  # now handled by the handler it was meant for


def _restore(handlers: dict) -> None:
    """Put every handler back, even when one of them raises on the way.

    `signal.signal` first runs the handlers of signals that arrived but have not been handled
    yet: once a raising handler is back, setting the next one can raise its exception. Stopping
    there would leave the deferring handlers installed for good, swallowing those signals from
    then on, so the setting is retried and the first exception is raised at the end."""
    error = None
    for signum, handler in handlers.items():
        while True:
            try:
                _handlers.signal(signum, handler)
                break
            except BaseException as raised:  # noqa: BLE001  (re-raised below, after every handler is back)
                error = error or raised
    if error is not None:
        raise error
