"""Metrics counted from a thresholded confusion matrix, as Keras 3's `confusion_metrics`:
TruePositives & co, Precision, Recall, the at-X family and AUC.

Each keeps per-threshold counts as state; `confusion_counts` is the one pure counting rule.

>>> m = Precision()
>>> m.update_state(np.array([0, 1, 1, 1]), np.array([1, 0, 1, 1]))
>>> m.result()
Array(0.6666667, dtype=float32)
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from . import config
from .losses import divide_no_nan, squeeze_or_expand_to_same_rank
from .metrics import Metric

NEG_INF = -1e10
KINDS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _thresholds_or(thresholds, default):
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    invalid = [t for t in values if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]; received {invalid} (argument `thresholds`)")
    return values


def _filter_top_k(x, k):
    """Keep the `k` largest values of the last axis; the rest become -1e10."""
    _, index = jax.lax.top_k(x, k)
    mask = jnp.sum(jax.nn.one_hot(index, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * mask + NEG_INF * (1 - mask)


def confusion_counts(kinds, y_true, y_pred, thresholds, top_k=None, class_id=None, sample_weight=None,
                     multi_label=False, label_weights=None, dtype="float32") -> dict:
    """Pure: the weighted count of each confusion-matrix cell in `kinds` per threshold, where a
    prediction is positive when `y_pred > threshold`; shape (thresholds,), or (thresholds,
    labels) with `multi_label` (Keras's `update_confusion_matrix_variables`).

    >>> confusion_counts(["true_positives"], np.array([1, 1]), np.array([0.3, 0.8]), [0.0, 0.5])
    {'true_positives': Array([2., 1.], dtype=float32)}
    """
    y_true = jnp.asarray(y_true).astype(dtype)
    y_pred = jnp.asarray(y_pred).astype(dtype)
    thresholds = jnp.asarray(np.asarray(thresholds), dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = jnp.expand_dims(jnp.asarray(sample_weight).astype(dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(f"When `class_id` is provided, y_pred must be a 2D array with shape (num_samples, "
                             f"num_classes), found shape {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = None if sample_weight is None else jnp.broadcast_to(sample_weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        label_weights = jnp.broadcast_to(jnp.asarray(label_weights, dtype), y_pred.shape)
        weights = label_weights if weights is None else weights * label_weights
    if multi_label:  # (thresholds, samples, labels), summed over samples
        expand = (slice(None), None, None)
        preds, labels = y_pred[None], y_true.astype(bool)[None]
        weights = None if weights is None else weights[None]
    else:  # (thresholds, every entry)
        expand = (slice(None), None)
        preds, labels = jnp.reshape(y_pred, (1, -1)), jnp.reshape(y_true.astype(bool), (1, -1))
        weights = None if weights is None else jnp.reshape(weights, (1, -1))
    pred_pos = preds > thresholds[expand]
    cells = {"true_positives": (labels, pred_pos), "false_positives": (~labels, pred_pos),
             "true_negatives": (~labels, ~pred_pos), "false_negatives": (labels, ~pred_pos)}
    out = {}
    for kind in kinds:
        label, pred = cells[kind]
        hit = label & pred
        counted = hit.astype(dtype) if weights is None else jnp.where(hit, weights.astype(dtype), 0)
        out[kind] = jnp.sum(counted, axis=1)
    return out


class _ConfusionMetric(Metric):
    """State: one count vector per confusion cell in `KINDS_USED`."""

    KINDS_USED = KINDS
    _top_k = None
    _class_id = None

    def _add_counts(self, shape):
        for kind in self.KINDS_USED:
            setattr(self, kind, self.add_variable(shape, "zeros", name=kind))

    def _counts(self, y_true, y_pred, sample_weight):
        return confusion_counts(self.KINDS_USED, y_true, y_pred, self.thresholds, self._top_k, self._class_id,
                                sample_weight, dtype=self.dtype)

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None):
        self._check_state(metric_variables)
        counts = self._counts(y_true, y_pred, sample_weight)
        return [state + counts[kind] for state, kind in zip(metric_variables, self.KINDS_USED)]

    def _cells(self, metric_variables) -> dict:
        return dict(zip(self.KINDS_USED, metric_variables))

    def _per_threshold(self, value):
        return value[0] if len(self.thresholds) == 1 else value


class _CellCount(_ConfusionMetric):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _thresholds_or(thresholds, 0.5)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None):
        self._check_state(metric_variables)
        return [metric_variables[0] + self._counts(y_true, y_pred, sample_weight)[self.KINDS_USED[0]]]

    def stateless_result(self, metric_variables):
        return self._per_threshold(metric_variables[0])

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_CellCount):
    """The weighted number of true positives (per threshold when several are given).

    >>> TruePositives()(np.array([0, 1, 1]), np.array([1.0, 1.0, 0.0]))
    Array(1., dtype=float32)
    """

    KINDS_USED = ("true_positives",)


class FalsePositives(_CellCount):
    """The weighted number of false positives.

    >>> FalsePositives()(np.array([0, 1, 1]), np.array([1.0, 1.0, 0.0]))
    Array(1., dtype=float32)
    """

    KINDS_USED = ("false_positives",)


class TrueNegatives(_CellCount):
    """The weighted number of true negatives.

    >>> TrueNegatives()(np.array([0, 0, 1]), np.array([0.0, 1.0, 0.0]))
    Array(1., dtype=float32)
    """

    KINDS_USED = ("true_negatives",)


class FalseNegatives(_CellCount):
    """The weighted number of false negatives.

    >>> FalseNegatives()(np.array([0, 1, 1]), np.array([1.0, 1.0, 0.0]))
    Array(1., dtype=float32)
    """

    KINDS_USED = ("false_negatives",)


class _PrecisionRecall(_ConfusionMetric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self._top_k, self._class_id = top_k, class_id
        self.thresholds = _thresholds_or(thresholds, 0.5 if top_k is None else NEG_INF)
        self._add_counts((len(self.thresholds),))

    def stateless_result(self, metric_variables):
        cells = self._cells(metric_variables)
        tp, other = cells["true_positives"], cells[self.KINDS_USED[1]]
        return self._per_threshold(divide_no_nan(tp, tp + other))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """`TP / (TP + FP)`: how many predicted positives (`y_pred > threshold`) are positive.

    >>> Precision(thresholds=0.7)(np.array([1, 0, 1]), np.array([0.8, 0.9, 0.5]))
    Array(0.5, dtype=float32)
    """

    KINDS_USED = ("true_positives", "false_positives")


class Recall(_PrecisionRecall):
    """`TP / (TP + FN)`: how many positives are predicted positive.

    >>> Recall()(np.array([1, 0, 1]), np.array([0.8, 0.9, 0.1]))
    Array(0.5, dtype=float32)
    """

    KINDS_USED = ("true_positives", "false_negatives")


def _even_thresholds(num_thresholds: int) -> list:
    return [0.0] + [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0]


class _AtConstraint(_ConfusionMetric):
    """The best `dependent` rate over thresholds whose `constrained` rate reaches `value`."""

    CONSTRAINT = ""  # the argument Keras names the target (specificity, sensitivity, recall, precision)

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        cls, argument = type(self).__name__, self.CONSTRAINT
        if value < 0 or value > 1:
            raise ValueError(f"{cls}: argument `{argument}` must be in the range [0, 1], received {argument}={value}")
        if num_thresholds <= 0:
            raise ValueError(f"{cls}: argument `num_thresholds` must be an integer > 0, received "
                             f"num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        setattr(self, argument, value)
        self.value, self.num_thresholds, self.class_id, self._class_id = value, num_thresholds, class_id, class_id
        self.thresholds = [0.5] if num_thresholds == 1 else _even_thresholds(num_thresholds)
        self._add_counts((len(self.thresholds),))

    def _rates(self, metric_variables) -> dict:
        c = self._cells(metric_variables)
        tp, fp, tn, fn = (c[k] for k in KINDS)
        return {"sensitivity": divide_no_nan(tp, tp + fn), "specificity": divide_no_nan(tn, tn + fp),
                "recall": divide_no_nan(tp, tp + fn), "precision": divide_no_nan(tp, tp + fp)}

    def stateless_result(self, metric_variables):
        rates = self._rates(metric_variables)
        constrained, dependent = rates[self.CONSTRAINT], rates[self.DEPENDENT]
        return jnp.max(jnp.where(constrained >= self.value, dependent, 0), initial=0)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self.CONSTRAINT: self.value}


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) at a specificity of at least `specificity`.

    >>> float(SensitivityAtSpecificity(0.5)(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.7, 0.9])))
    1.0
    """

    CONSTRAINT, DEPENDENT = "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity at a sensitivity of at least `sensitivity`.

    >>> float(SpecificityAtSensitivity(1.0)(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.7, 0.9])))
    1.0
    """

    CONSTRAINT, DEPENDENT = "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtConstraint):
    """The best precision at a recall of at least `recall`.

    >>> float(PrecisionAtRecall(1.0)(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.7, 0.9])))
    1.0
    """

    CONSTRAINT, DEPENDENT = "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtConstraint):
    """The best recall at a precision of at least `precision`.

    >>> float(RecallAtPrecision(1.0)(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.7, 0.9])))
    1.0
    """

    CONSTRAINT, DEPENDENT = "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(_ConfusionMetric):
    """Area under the ROC or precision-recall curve, by a Riemann sum over `num_thresholds`
    thresholds (Keras's interpolation rule for PR, Davis & Goadrich 2006).

    With `multi_label=True` every label has its own curve and the result is their (weighted)
    mean; give `num_labels` so that the state exists before the first batch.

    >>> AUC()(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    Array(0.75, dtype=float32)
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        if str(curve).lower() not in _CURVES:
            raise ValueError(f"AUC: invalid `curve` argument value {curve!r}; expected one of {list(_CURVES.values())}")
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(f"AUC: invalid `summation_method` argument value {summation_method!r}; expected one of "
                             f"{list(_SUMMATIONS)}")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            num_thresholds = len(thresholds) + 2
            inner = sorted(thresholds)
        else:
            if num_thresholds <= 1:
                raise ValueError(f"AUC: argument `num_thresholds` must be an integer > 1, received "
                                 f"num_thresholds={num_thresholds}")
            inner = _even_thresholds(num_thresholds)[1:-1]
        if num_labels and not multi_label:
            raise ValueError("AUC: `num_labels` is needed only when `multi_label` is True")
        super().__init__(name=name, dtype=dtype)
        self.num_thresholds = num_thresholds
        # Endpoints just outside [0, 1], so that predictions of exactly 0 or 1 are counted.
        self.thresholds = [0.0 - config.epsilon()] + list(inner) + [1.0 + config.epsilon()]
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = None if label_weights is None else jnp.asarray(label_weights, self.dtype)
        self._from_logits = from_logits
        self._built = False
        if not multi_label:
            self._build(None)
        elif num_labels:
            self._build((None, num_labels))

    def _build(self, shape) -> None:
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"AUC: `y_pred` must have rank 2 when `multi_label=True`, received shape {shape}")
            self._num_labels = shape[1]
        self._add_counts((self.num_thresholds, self._num_labels) if self.multi_label else (self.num_thresholds,))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self._built:
            self._build(tuple(np.shape(y_pred)))
        super().update_state(y_true, y_pred, sample_weight=sample_weight)

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None):
        if not self._built:
            raise ValueError(f"AUC '{self.name}': with `multi_label=True` pass `num_labels` so that the metric's "
                             "state exists before it is compiled into a step")
        self._check_state(metric_variables)
        if self._from_logits:
            y_pred = jax.nn.sigmoid(jnp.asarray(y_pred))
        counts = confusion_counts(KINDS, y_true, y_pred, self.thresholds, sample_weight=sample_weight,
                                  multi_label=self.multi_label,
                                  label_weights=None if self.multi_label else self.label_weights, dtype=self.dtype)
        return [state + counts[kind] for state, kind in zip(metric_variables, KINDS)]

    def _by_label(self, terms):
        if not self.multi_label:
            return jnp.sum(terms)
        by_label = jnp.sum(terms, axis=0)
        if self.label_weights is None:
            return jnp.mean(by_label)
        return divide_no_nan(jnp.sum(by_label * self.label_weights), jnp.sum(self.label_weights))

    def _interpolate_pr_auc(self, tp, fp, fn):
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = divide_no_nan(dtp, jnp.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = jnp.where((p[:-1] > 0) & (p[1:] > 0), divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)),
                                 jnp.ones_like(p[1:]))
        increment = divide_no_nan(prec_slope * (dtp + intercept * jnp.log(safe_p_ratio)),
                                  jnp.maximum(tp[1:] + fn[1:], 0))
        return self._by_label(increment)

    def stateless_result(self, metric_variables):
        if not self._built:
            return jnp.zeros((), self.dtype)
        tp, fp, tn, fn = (self._cells(metric_variables)[k] for k in KINDS)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc(tp, fp, fn)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = jnp.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
            x = jnp.maximum(recall_gain, 0.0)
            y = jnp.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = jnp.minimum(y[:-1], y[1:])
        else:
            heights = jnp.maximum(y[:-1], y[1:])
        return self._by_label((x[:-1] - x[1:]) * heights)

    def get_config(self):
        label_weights = None if self.label_weights is None else [float(w) for w in np.asarray(self.label_weights)]
        config_ = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                   "summation_method": self.summation_method, "multi_label": self.multi_label,
                   "num_labels": self.num_labels, "label_weights": label_weights, "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config_["thresholds"] = self.thresholds[1:-1]
        return config_
