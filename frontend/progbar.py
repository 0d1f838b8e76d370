"""keras.utils.Progbar: the progress bar for custom loops, drawn by the runtime's bar.

>>> bar = Progbar(target=10, verbose=0)
>>> bar.update(5, values=[("loss", 0.5)])
>>> bar.add(5, values=[("loss", 0.3)])
>>> round(bar.averages()["loss"], 2)   # averaged over steps, unless stateful or final
0.3
"""
from __future__ import annotations

import io
import logging
import sys

from ..runtime import progbar as runtime_progbar
from . import config


class Progbar:
    """A progress bar: `update(current, values)` sets the step, `add(n, values)` advances it.
    `values` is a list of (name, value); names not in `stateful_metrics` are shown averaged
    over the steps so far, except by the final update, which shows the values it is given. With interactive logging disabled the lines go to Python's logging."""

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        self.unit_name = unit_name
        self._values = {}  # name -> [weighted sum, steps] (or [value, 1] when stateful)
        self._seen_so_far = 0
        self._stream = sys.stdout if config.is_interactive_logging_enabled() else io.StringIO()
        self._bar = runtime_progbar.Progbar(target, verbose=verbose, interval=interval, unit=unit_name, width=width,
                                            stream=self._stream)

    def averages(self) -> dict:
        return {name: total / max(count, 1) for name, (total, count) in self._values.items()}

    def update(self, current, values=None, finalize=None):
        """Set the step to `current` and record `values` for the steps since the last update."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        steps = max(current - self._seen_so_far, 1)
        for name, value in values or []:
            if name in self.stateful_metrics or finalize:  # as Keras: the final update shows its own values
                self._values[name] = [value, 1]
            else:
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * steps, count + steps]
        self._seen_so_far = current
        self._bar.update(current, self.averages(), finalize=bool(finalize))
        if not config.is_interactive_logging_enabled() and self._stream.getvalue():
            logging.getLogger("kerax").info(self._stream.getvalue().strip("\b\r\n"))
            self._stream.seek(0)
            self._stream.truncate()

    def add(self, n, values=None):
        """Advance by `n` steps."""
        self.update(self._seen_so_far + n, values)
