"""A Keras-style progress bar.

    Epoch 1/5
    469/469 ━━━━━━━━━━━━━━━━━━━━ 2s 4ms/step - accuracy: 0.9214 - loss: 0.2710

verbose=1 redraws one line (at most every `interval` seconds, so reading the logs, which waits
for the device, happens rarely); verbose=2 prints one line per epoch.
"""
from __future__ import annotations

import sys
import time

BAR_WIDTH = 20


def format_logs(logs: dict) -> str:
    parts = []
    for key in sorted(logs):
        value = logs[key]
        try:
            parts.append(f"{key}: {float(value):.4f}")
        except (TypeError, ValueError):
            continue
    return " - ".join(parts)


def _format_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds // 3600:.0f}:{(seconds % 3600) // 60:02.0f}:{seconds % 60:02.0f}"
    if seconds >= 60:
        return f"{seconds // 60:.0f}:{seconds % 60:02.0f}"
    return f"{seconds:.0f}s"


def _per_step(seconds: float, steps: int, unit: str) -> str:
    if steps <= 0:
        return ""
    per = seconds / steps
    if per >= 1:
        return f"{per:.0f}s/{unit}"
    if per >= 1e-3:
        return f"{per * 1e3:.0f}ms/{unit}"
    return f"{per * 1e6:.0f}us/{unit}"


class Progbar:
    def __init__(self, target: int | None, verbose: int = 1, interval: float = 0.05, unit: str = "step", stream=None):
        self.target = target
        self.verbose = verbose
        self.interval = interval
        self.unit = unit
        self.stream = stream or sys.stdout
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.last_len = 0

    def update(self, current: int, logs: dict | None = None, finalize: bool = False) -> None:
        if self.verbose == 0:
            return
        now = time.perf_counter()
        if self.verbose == 2 and not finalize:
            return
        if not finalize and (now - self.last_draw < self.interval or (self.target and current >= self.target)):
            return  # the full bar is drawn once, by the epoch's final update
        self.last_draw = now
        elapsed = now - self.start
        line = self._line(current, elapsed, logs or {}, finalize)
        if self.verbose == 1:
            padding = " " * max(0, self.last_len - len(line))
            self.stream.write("\r" + line + padding + ("\n" if finalize else ""))
            self.last_len = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _line(self, current: int, elapsed: float, logs: dict, finalize: bool) -> str:
        target = self.target
        if self.verbose == 2:
            head = f"{current}/{target}" if target else f"{current}"
            pieces = [head, _format_time(elapsed), _per_step(elapsed, current, self.unit)]
            text = " - ".join(p for p in pieces if p)
        else:
            if target:
                width = len(str(target))
                done = int(BAR_WIDTH * min(current, target) / target)
                bar = "━" * done + " " * (BAR_WIDTH - done) if done == BAR_WIDTH else "━" * done + "╸" * (done < BAR_WIDTH) + " " * (BAR_WIDTH - done - 1)
                head = f"{current:>{width}}/{target} {bar}"
            else:
                head = f"{current}"
            if finalize or not target:
                timing = f"{_format_time(elapsed)} {_per_step(elapsed, current, self.unit)}"
            else:
                eta = elapsed / max(current, 1) * (target - current)
                timing = f"{_format_time(eta)} {_per_step(elapsed, current, self.unit)}"
            text = f"{head} {timing}"
        metrics = format_logs(logs)
        return f"{text} - {metrics}" if metrics else text
