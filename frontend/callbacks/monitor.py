"""MonitorCallback: the shared part of callbacks that watch one logged quantity
(EarlyStopping, ReduceLROnPlateau, ModelCheckpoint), with Keras 3's rules for `mode`."""
from __future__ import annotations

import operator
import re
import warnings

from .callback import Callback

# Keras metrics that improve upwards carry `_direction = "up"`; kerax metrics are told by class name.
_UPWARD = re.compile(r"Accuracy|AUC|Precision|Recall|IoU|Score|Correlation|CosineSimilarity|Specificity|Sensitivity")


def metric_direction(metric) -> str | None:
    """"up", "down" or None (unknown) for a metric object."""
    direction = getattr(metric, "_direction", None)
    if direction is not None:
        return direction
    name = type(metric).__name__
    if _UPWARD.search(name):
        return "up"
    return "down" if hasattr(metric, "fn") or name.endswith(("Error", "Crossentropy", "Hinge")) else None


class MonitorCallback(Callback):
    """Watches `monitor` in the epoch logs; `mode` "min", "max" or "auto" (from the metric)."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric_name, metric in self._named_metrics():
                if metric_name == name:
                    direction = metric_direction(metric)
                    if direction is not None:
                        self.monitor_op = operator.gt if direction == "up" else operator.lt
            if self.monitor_op is None:
                raise ValueError(f"{type(self).__name__} callback received monitor={self.monitor}, but kerax isn't "
                                 "able to automatically determine whether that metric should be maximized or "
                                 "minimized. Pass `mode='max'` in order to monitor based on the highest metric "
                                 "value, or pass `mode='min'` in order to use the lowest value.")
        if self.monitor_op is operator.lt:
            self.min_delta *= -1

    def _named_metrics(self):
        compiled = getattr(self.model, "_compiled_metrics", None)
        if compiled is None:
            return []
        return [(m.name, m) for m in compiled.metric_objects] + [(log, m) for _, m, _, log in compiled.entries]

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))
