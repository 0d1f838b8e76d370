"""What `compile()` was given, resolved against the model's outputs: one loss (and weight) and
a list of metrics per output, and the pure functions the compiled step calls."""
from __future__ import annotations

import jax.numpy as jnp


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

    def __init__(self, metrics, weighted_metrics, compiled_loss: CompiledLoss, output_shapes: list):
        from .. import metrics as metrics_module

        names = compiled_loss.output_names
        multi = len(names) > 1
        self.trackers = [metrics_module.Mean(name="loss")]
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

    @property
    def metric_objects(self) -> list:
        return [*self.trackers, *(m for _, m, _, _ in self.entries)]

    @property
    def variables(self) -> list:
        return [v for m in self.metric_objects for v in m.variables]

    def _split(self, values: list) -> list:
        out, start = [], 0
        for m in self.metric_objects:
            out.append(list(values[start:start + len(m.variables)]))
            start += len(m.variables)
        return out

    def update(self, metric_values: list, losses, y_true: list, y_pred: list, sample_weight: list, batch_size):
        """Pure: new metric state and the logs it gives."""
        total, parts = losses
        groups = self._split(metric_values)
        new = [self.trackers[0].stateless_update_state(groups[0], total, sample_weight=batch_size)]
        for tracker, group, part in zip(self.trackers[1:], groups[1:len(self.trackers)], parts):
            new.append(tracker.stateless_update_state(group, part, sample_weight=batch_size))
        for (i, metric, weighted, _), group in zip(self.entries, groups[len(self.trackers):]):
            sw = sample_weight[i] if weighted else None
            new.append(metric.stateless_update_state(group, y_true[i], y_pred[i], sample_weight=sw))
        return [v for g in new for v in g], self.results(new)

    def results(self, groups: list) -> dict:
        names = [*self.tracker_logs, *(log for _, _, _, log in self.entries)]
        return {name: m.stateless_result(g) for name, m, g in zip(names, self.metric_objects, groups)}

    def logs_from(self, metric_values: list) -> dict:
        return self.results(self._split(metric_values))

    def reset_values(self) -> list:
        return [v for m in self.metric_objects for v in m.stateless_reset_state()]
