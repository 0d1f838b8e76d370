"""What `compile()` was given, resolved against the model's outputs: one loss (and weight) and
a list of metrics per output, and the pure functions the compiled step calls."""
from __future__ import annotations

import jax.numpy as jnp

from ..metrics import Metric


def _per_output(spec, output_names: list, what: str, default=None) -> list:
    """A single spec for every output, a list by position, or a dict by output name."""
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(output_names))
        if unknown:
            raise ValueError(f"compile(): `{what}` names outputs {unknown}, but the model's outputs are {output_names}")
        return [spec.get(name, default) for name in output_names]
    if isinstance(spec, (list, tuple)) and what in ("loss", "loss_weights"):
        if len(spec) != len(output_names):
            raise ValueError(f"compile(): `{what}` is a list of {len(spec)} entries but the model has "
                             f"{len(output_names)} outputs {output_names}; give one per output or a dict by name")
        return list(spec)
    return [spec] * len(output_names)


class CompiledLoss:
    def __init__(self, loss, loss_weights, output_names: list):
        from .. import losses

        self.output_names = list(output_names)
        specs = _per_output(loss, self.output_names, "loss")
        self.losses = [None if s is None else losses.get(s) for s in specs]
        if loss_weights is not None and not isinstance(loss_weights, (int, float, list, tuple, dict)):
            raise ValueError(f"compile(): `loss_weights` expected a float, list or dict, received {loss_weights!r}")
        self.weights = _per_output(loss_weights, self.output_names, "loss_weights")
        self.active = [i for i, l in enumerate(self.losses) if l is not None]

    def __call__(self, y_true: list, y_pred: list, sample_weight: list):
        """(total weighted loss, [unweighted loss per output with a loss])."""
        total, parts = jnp.zeros((), "float32"), []
        for i in self.active:
            if y_true[i] is None:
                raise ValueError(f"The model's output '{self.output_names[i]}' has a loss but no target was given for it")
            value = jnp.asarray(self.losses[i](y_true[i], y_pred[i], sample_weight[i]), "float32")
            parts.append(value)
            total = total + (value if self.weights[i] is None else value * self.weights[i])
        return total, parts

    def check_targets(self, y: list) -> None:
        from .. import losses

        for i in self.active:
            if y[i] is not None:
                losses.check_targets(self.losses[i], y[i])


class CompiledMetrics:
    """The loss trackers (total, and per output when there are several) and the compiled metrics."""

    def __init__(self, metrics, weighted_metrics, compiled_loss: CompiledLoss, output_shapes: list, loss_tracker,
                 compile_metrics):
        """`loss_tracker` and `compile_metrics` (or None) are the objects `compile()` made, which
        `model.metrics` lists from then on, as Keras's; here they get their metrics."""
        from .. import metrics as metrics_module

        names = compiled_loss.output_names
        multi = len(names) > 1
        self.trackers = [loss_tracker]
        self.tracker_logs = ["loss"]
        if multi:
            for i in compiled_loss.active:
                self.trackers.append(metrics_module.Mean(name=f"{names[i]}_loss"))
                self.tracker_logs.append(f"{names[i]}_loss")
        self.entries = []  # (output index, metric, weighted, log name)
        for weighted, spec in ((False, metrics), (True, weighted_metrics)):
            if spec is None:
                continue
            if multi and isinstance(spec, (list, tuple)) and not all(isinstance(s, (list, tuple)) or s is None for s in spec):
                raise ValueError("compile(): for a model with several outputs, give `metrics` as a dict keyed by "
                                 f"output name ({names}) or a list of lists, one per output; received {spec!r}")
            if isinstance(spec, dict):
                per_output = _per_output(spec, names, "metrics", default=[])
            elif multi:
                if len(spec) != len(names):
                    raise ValueError(f"compile(): `metrics` has {len(spec)} entries but the model has {len(names)} outputs")
                per_output = list(spec)
            else:
                per_output = [spec]
            for i, entry in enumerate(per_output):
                for s in ([] if entry is None else entry if isinstance(entry, (list, tuple)) else [entry]):
                    metric = metrics_module.get(s, loss=compiled_loss.losses[i], output_shape=output_shapes[i])
                    metric.build_from_output_shape(output_shapes[i])
                    if isinstance(s, str):
                        metric.name = s
                    log = f"{names[i]}_{metric.name}" if multi else metric.name
                    self.entries.append((i, metric, weighted, log))

        self.compile_metrics = compile_metrics
        if compile_metrics is not None:
            compile_metrics.bind(self.entries, names)

    @property
    def keras_metrics(self) -> list:
        """`model.metrics` as Keras 3 lists them: the loss tracker, `compile_metrics` (every compiled
        metric as one Metric whose result is a dict of logs), then the per-output loss trackers."""
        wrapped = [] if self.compile_metrics is None else [self.compile_metrics]
        return [self.trackers[0], *wrapped, *self.trackers[1:]]

    @property
    def metric_objects(self) -> list:
        """Every metric one by one, in the order of `keras_metrics`' variables."""
        return [self.trackers[0], *(m for _, m, _, _ in self.entries), *self.trackers[1:]]

    @property
    def log_names(self) -> list:
        return [self.tracker_logs[0], *(log for _, _, _, log in self.entries), *self.tracker_logs[1:]]

    @property
    def variables(self) -> list:
        return [v for m in self.metric_objects for v in m.variables]

    def _split(self, values: list) -> list:
        return split_by_metric(values, self.metric_objects)

    def update(self, metric_values: list, losses, y_true: list, y_pred: list, sample_weight: list, batch_size):
        """Pure: new metric state and the logs it gives."""
        total, parts = losses
        groups = self._split(metric_values)
        entries = len(self.entries)
        new = [self.trackers[0].stateless_update_state(groups[0], total, sample_weight=batch_size)]
        for (i, metric, weighted, _), group in zip(self.entries, groups[1:1 + entries]):
            sw = sample_weight[i] if weighted else None
            new.append(metric.stateless_update_state(group, y_true[i], y_pred[i], sample_weight=sw))
        for tracker, group, part in zip(self.trackers[1:], groups[1 + entries:], parts):
            new.append(tracker.stateless_update_state(group, part, sample_weight=batch_size))
        return [v for g in new for v in g], self.results(new)

    def results(self, groups: list) -> dict:
        return {name: m.stateless_result(g) for name, m, g in zip(self.log_names, self.metric_objects, groups)}

    def logs_from(self, metric_values: list) -> dict:
        return self.results(self._split(metric_values))

    def reset_values(self) -> list:
        return [v for m in self.metric_objects for v in m.stateless_reset_state()]


def split_by_metric(values: list, metrics: list) -> list:
    """A flat list of metric state arrays cut into one list per metric."""
    out, start = [], 0
    for m in metrics:
        out.append(list(values[start:start + len(m.variables)]))
        start += len(m.variables)
    return out


class CompileMetrics(Metric):
    """Keras 3's `compile_metrics`: the metrics given to `compile()`, seen as one Metric whose
    result is a dict of logs. A custom `train_step` that loops over `self.metrics` and keeps the
    last `stateless_result` as its logs gets that dict, as in Keras.

    >>> model.compile(loss="mse", metrics=["mae"])  # doctest: +SKIP
    >>> [m.name for m in model.metrics]  # doctest: +SKIP
    ['loss', 'compile_metrics']
    """

    def __init__(self, entries: list = (), output_names: list = ()):
        super().__init__(name="compile_metrics")
        self.bind(entries, output_names)

    def bind(self, entries: list, output_names: list) -> None:
        """Its metrics, once the model's outputs are known (compile() makes it without them, as
        Keras's is unbuilt until the first step)."""
        self.entries = list(entries)  # (output index, metric, weighted, log name), as CompiledMetrics'
        self.output_names = list(output_names)

    @property
    def variables(self) -> list:
        return [v for _, m, _, _ in self.entries for v in m.variables]

    def _per_output(self, value) -> list:
        n = len(self.output_names)
        if isinstance(value, dict):
            return [value.get(name) for name in self.output_names]
        if isinstance(value, (list, tuple)) and n > 1:
            return list(value)
        return [value] * n  # one tensor (or None) for every output, as Keras repeats a sample weight

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None) -> list:
        self._check_state(metric_variables)
        y_true, y_pred, sample_weight = (self._per_output(v) for v in (y_true, y_pred, sample_weight))
        groups = split_by_metric(metric_variables, [m for _, m, _, _ in self.entries])
        new = []
        for (i, metric, weighted, _), group in zip(self.entries, groups):
            sw = sample_weight[i] if weighted else None
            new.extend(metric.stateless_update_state(group, y_true[i], y_pred[i], sample_weight=sw))
        return new

    def stateless_result(self, metric_variables) -> dict:
        self._check_state(metric_variables)
        groups = split_by_metric(metric_variables, [m for _, m, _, _ in self.entries])
        return {log: m.stateless_result(g) for (_, m, _, log), g in zip(self.entries, groups)}

    def stateless_reset_state(self) -> list:
        return [v for _, m, _, _ in self.entries for v in m.stateless_reset_state()]

    def _check_state(self, metric_variables) -> None:
        if len(metric_variables) != len(self.variables):
            raise ValueError(f"CompileMetrics 'compile_metrics': `metric_variables` expected {len(self.variables)} "
                             f"arrays (one per metric.variables), received {len(metric_variables)}")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        variables = self.variables
        new = self.stateless_update_state([v.value for v in variables], y_true, y_pred, sample_weight)
        for variable, value in zip(variables, new):
            variable.assign(value)

    def result(self) -> dict:
        return self.stateless_result([v.value for v in self.variables])

    def reset_state(self) -> None:
        for _, metric, _, _ in self.entries:
            metric.reset_state()
