"""The progress bar, drawn character for character as Keras 3 draws it.

    Epoch 1/5
    469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.9214 - loss: 0.2710

verbose=1 redraws one line (at most every `interval` seconds, so reading the logs, which waits
for the device, happens rarely) with Keras's ANSI colours: the done part of the bar green, the
rest white. verbose=2 prints one plain line when the bar is finalized. The time per step leaves
out the first step (compilation), as Keras's estimate does.
"""
from __future__ import annotations

import math
import os
import sys
import time

import numpy as np

BAR_WIDTH = 20
_BOLD, _GREEN, _WHITE, _RESET = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"


def format_value(value, signed: bool = True) -> str:
    """A metric as Keras shows it: 4 decimals, or scientific below 1e-3 (verbose=1 compares the
    absolute value, verbose=2 the value itself). A per-class array shows its mean."""
    value = float(np.mean(value))
    return f"{value:.4f}" if (abs(value) if signed else value) > 1e-3 else f"{value:.4e}"


def format_logs(logs: dict, signed: bool = True) -> str:
    """` - name: value` for every numeric entry, in the logs' own order (Keras's columns)."""
    parts = []
    for key, value in logs.items():
        try:
            parts.append(f" - {key}: {format_value(value, signed)}")
        except (TypeError, ValueError):
            continue
    return "".join(parts)


def format_eta(seconds: float) -> str:
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def format_per_step(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


def _dynamic(stream) -> bool:
    # Keras redraws in place on a terminal, in a notebook, and on every POSIX system.
    return (getattr(stream, "isatty", lambda: False)() or "ipykernel" in sys.modules or os.name == "posix"
            or "PYCHARM_HOSTED" in os.environ)


class Progbar:
    """`update(current, logs, finalize)` draws step `current` of `target` with `logs` shown as
    they are (the caller averages, if it wants averages).

    >>> import io; out = io.StringIO()
    >>> Progbar(4, verbose=2, stream=out).update(4, {"loss": 0.5}, finalize=True)
    >>> out.getvalue().split(" - ")[0], out.getvalue().split(" - ")[-1]
    ('4/4', 'loss: 0.5000\\n')
    """

    def __init__(self, target: int | None, verbose: int = 1, interval: float = 0.05, unit: str = "step", stream=None,
                 width: int = BAR_WIDTH):
        self.target = target
        self.verbose = verbose
        self.interval = interval
        self.unit = unit
        self.width = width
        self.stream = stream or sys.stdout
        self.start = time.time()
        self.last_update = 0.0
        self.after_first_step = None
        self.previous_width = 0

    def update(self, current: int, logs: dict | None = None, finalize: bool = False) -> None:
        now = time.time()
        per_step = self._per_step(current, now)
        if self.verbose == 1:
            if now - self.last_update < self.interval and not finalize:
                return
            self._draw(current, now, per_step, logs or {}, finalize)
        elif self.verbose == 2 and finalize and self.target:
            digits = int(math.log10(self.target)) + 1
            line = f"{current:{digits}d}/{self.target} - {now - self.start:.0f}s -{format_per_step(per_step, self.unit)}"
            self._write(line + format_logs(logs or {}, signed=False) + "\n")
        self.last_update = now

    def _draw(self, current: int, now: float, per_step: float, logs: dict, finalize: bool) -> None:
        message = "\b" * self.previous_width + "\r" if _dynamic(self.stream) else "\n"
        target = self.target
        if target:
            digits = int(math.log10(target)) + 1
            done = int(self.width * current / target)
            head = f"{_BOLD}{current:{digits}d}/{target}{_RESET} "
            plain = len(f"{current:{digits}d}/{target} ") + self.width
            if done > 0:
                head += f"{_GREEN}{'━' * done}{_RESET}"
            head += f"{_WHITE}{'━' * (self.width - done)}{_RESET}"
        else:
            head = "%7d/Unknown" % current
            plain = len(head)
        seconds = per_step * (target - current) if target and not finalize else now - self.start
        clock = format_eta(seconds) if target and not finalize else f"{seconds:.0f}s"
        info = format_per_step(per_step, self.unit) + format_logs(logs)
        width = plain + 1 + len(clock) + len(info)
        message += f"{head} {_BOLD}{clock}{_RESET}{info}" + " " * max(0, self.previous_width - width)
        self._write(message + ("\n" if finalize else ""))
        self.previous_width = width

    def _per_step(self, current: int, now: float) -> float:
        """Keras's estimate: from the end of the first step on, once there is more than one."""
        if not current:
            return 0.0
        if self.after_first_step is not None and current > 1:
            per_step = (now - self.after_first_step) / (current - 1)
        else:
            per_step = (now - self.start) / current
        if current == 1:
            self.after_first_step = now
        return per_step

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
