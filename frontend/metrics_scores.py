"""Metrics with their own state: F-beta/F1 score, R2 score and the IoU family, as Keras 3's.

>>> m = MeanIoU(num_classes=2)
>>> m.update_state(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))
>>> m.result()
Array(0.33333334, dtype=float32)
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import config
from .losses import squeeze_or_expand_to_same_rank
from .metrics import Metric


class _LazyMetric(Metric):
    """State shaped by the data: built from the first batch (eagerly, as Keras) or from the
    model's output shape when compiled."""

    STATE = ()

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._built = False

    def _build(self, y_true_shape, y_pred_shape) -> None:
        cls = type(self).__name__
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError(f"{cls} expects 2D inputs with shape (batch_size, output_dim), with output_dim fully "
                             f"defined; received y_pred.shape={tuple(y_pred_shape)} and "
                             f"y_true.shape={tuple(y_true_shape)}")
        shape = self._state_shape(y_pred_shape[-1])
        for attribute, name in self.STATE:
            setattr(self, attribute, self.add_variable(shape, "zeros", name=name))
        self._built = True

    def build_from_output_shape(self, output_shape) -> None:
        if not self._built and output_shape is not None:
            self._build(tuple(output_shape), tuple(output_shape))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self._built:
            self._build(*self._shapes(y_true, y_pred))
        super().update_state(y_true, y_pred, sample_weight=sample_weight)

    def _shapes(self, y_true, y_pred):
        return np.shape(y_true), np.shape(y_pred)

    def _require_built(self) -> None:
        if not self._built:
            raise ValueError(f"{type(self).__name__} '{self.name}' has no state yet: update it once eagerly, or "
                             "compile it with a model whose output shape is known")


class FBetaScore(_LazyMetric):
    """F-beta score `(1 + beta**2) P R / (beta**2 P + R)` per class, or averaged ("micro",
    "macro", "weighted"); predictions are the arg-max (`threshold=None`) or `y_pred > threshold`.

    >>> FBetaScore(average="micro", beta=1.0, threshold=0.5)(np.array([[1, 0], [0, 1]]), np.array([[0.9, 0.1], [0.8, 0.7]]))
    Array(0.79999995, dtype=float32)
    """

    STATE = (("true_positives", "true_positives"), ("false_positives", "false_positives"),
             ("false_negatives", "false_negatives"), ("intermediate_weights", "intermediate_weights"))

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        cls = type(self).__name__
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{cls}: invalid `average` argument value; expected one of {{None, 'micro', 'macro', "
                             f"'weighted'}}, received average={average!r}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"{cls}: invalid `beta` argument value; expected a Python float > 0, received "
                             f"beta={beta!r}")
        if threshold is not None and (not isinstance(threshold, float) or not 0.0 < threshold <= 1.0):
            raise ValueError(f"{cls}: invalid `threshold` argument value; expected a Python float with "
                             f"0 < threshold <= 1, received threshold={threshold!r}")
        super().__init__(name=name, dtype=dtype)
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0

    def _state_shape(self, num_classes):
        return () if self.average == "micro" else (num_classes,)

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None):
        self._require_built()
        self._check_state(metric_variables)
        y_true = jnp.asarray(y_true).astype(self.dtype)
        y_pred = jnp.asarray(y_pred).astype(self.dtype)
        if self.threshold is None:
            top = jnp.max(y_pred, axis=-1, keepdims=True)
            y_pred = (y_pred >= top) & (jnp.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.astype(self.dtype)
        weight = None if sample_weight is None else jnp.expand_dims(jnp.asarray(sample_weight, self.dtype), 1)

        def weighted_sum(value):
            return jnp.sum(value if weight is None else value * weight, axis=self.axis)

        tp, fp, fn, support = metric_variables
        return [tp + weighted_sum(y_pred * y_true), fp + weighted_sum(y_pred * (1 - y_true)),
                fn + weighted_sum((1 - y_pred) * y_true), support + weighted_sum(y_true)]

    def stateless_result(self, metric_variables):
        self._require_built()
        tp, fp, fn, support = metric_variables
        eps = config.epsilon()
        precision, recall = tp / (tp + fp + eps), tp / (tp + fn + eps)
        beta2 = self.beta ** 2
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            return jnp.sum(score * support / (jnp.sum(support) + eps))
        return score if self.average is None else jnp.mean(score)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (FBetaScore with beta = 1).

    >>> F1Score(average="macro", threshold=0.5)(np.array([[1, 0], [0, 1]]), np.array([[0.9, 0.1], [0.1, 0.7]]))
    Array(0.99999994, dtype=float32)
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config_ = super().get_config()
        del config_["beta"]
        return config_


class R2Score(_LazyMetric):
    """Coefficient of determination per output, aggregated "uniform_average",
    "variance_weighted_average" or not (None); `num_regressors` gives the adjusted R2.

    >>> R2Score()(np.array([[1.0], [2.0], [3.0]]), np.array([[1.0], [2.0], [4.0]]))
    Array(0.5, dtype=float32)
    """

    STATE = (("squared_sum", "squared_sum"), ("sum", "sum"), ("total_mse", "residual"), ("count", "count"))

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError(f"R2Score: invalid value for argument `class_aggregation`; expected one of (None, "
                             f"'uniform_average', 'variance_weighted_average'), received "
                             f"class_aggregation={class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"R2Score: invalid value for argument `num_regressors`; expected a value >= 0, "
                             f"received num_regressors={num_regressors}")
        super().__init__(name=name, dtype=dtype)
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")

    def _state_shape(self, num_classes):
        return (num_classes,)

    def _shapes(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true), jnp.asarray(y_pred))
        return y_true.shape, y_pred.shape

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None):
        self._require_built()
        self._check_state(metric_variables)
        y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, self.dtype),
                                                        jnp.asarray(y_pred, self.dtype))
        weight = jnp.asarray(1 if sample_weight is None else sample_weight, self.dtype)
        if weight.ndim == 1:
            weight = jnp.expand_dims(weight, 1)
        weight = jnp.broadcast_to(weight, y_true.shape)
        num_samples, squared_sum, total, residual, count = metric_variables
        weighted = y_true * weight
        return [num_samples + y_true.size, squared_sum + jnp.sum(y_true * weighted, axis=0),
                total + jnp.sum(weighted, axis=0), residual + jnp.sum(jnp.square(y_true - y_pred) * weight, axis=0),
                count + jnp.sum(weight, axis=0)]

    def stateless_result(self, metric_variables):
        self._require_built()
        num_samples, squared_sum, total, residual, count = metric_variables
        mean = total / count
        variance = squared_sum - total * mean
        raw = 1 - residual / variance
        raw = jnp.where(jnp.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = jnp.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = jnp.sum(variance * raw) / jnp.sum(variance)
        else:
            score = raw
        if self.num_regressors == 0:
            return score
        # Keras falls back to the plain score (with a warning) when n - 1 <= p.
        n, p = num_samples.astype("float32"), float(self.num_regressors)
        adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return jnp.where(p < n - 1, adjusted, score)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


class IoU(Metric):
    """Intersection over union `TP / (TP + FP + FN)` per target class from a confusion matrix
    of integer (or, with `sparse_y_*=False`, one-hot/score) labels, averaged over
    `target_class_ids`; entries labelled `ignore_class` do not count.

    >>> IoU(num_classes=2, target_class_ids=[0])(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))
    Array(0.33333334, dtype=float32)
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"{type(self).__name__}: target class id {max(target_class_ids)} is out of range, "
                             f"which is [0, {num_classes}) (argument `target_class_ids`)")
        self.num_classes, self.ignore_class, self.axis = num_classes, ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.target_class_ids = list(target_class_ids)
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros", name="total_confusion_matrix")

    def _classes(self, y_true, y_pred):
        if not self.sparse_y_true:
            y_true = jnp.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = jnp.argmax(y_pred, axis=self.axis)
        return jnp.asarray(y_true).astype(self.dtype), jnp.asarray(y_pred).astype(self.dtype)

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None):
        self._check_state(metric_variables)
        y_true, y_pred = self._classes(y_true, y_pred)
        y_true, y_pred = jnp.reshape(y_true, (-1,)), jnp.reshape(y_pred, (-1,))
        weight = jnp.asarray(1 if sample_weight is None else sample_weight).astype(self.dtype)
        weight = jnp.broadcast_to(jnp.reshape(weight, (-1,)) if weight.ndim > 1 else weight, y_true.shape)
        n = self.num_classes
        valid = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            valid = valid & (y_true != self.ignore_class)
        index = jnp.where(valid, y_true, 0) * n + jnp.where(valid, y_pred, 0)
        counts = jnp.zeros((n * n,), self.dtype).at[index].add(jnp.where(valid, weight, 0))
        return [metric_variables[0] + jnp.reshape(counts, (n, n))]

    def stateless_result(self, metric_variables):
        cm = metric_variables[0]
        tp = jnp.diag(cm).astype(self.dtype)
        denominator = (jnp.sum(cm, axis=0) + jnp.sum(cm, axis=1)).astype(self.dtype) - tp
        ids = jnp.asarray(self.target_class_ids, "int32")
        tp, denominator = tp[ids].astype("float32"), denominator[ids].astype("float32")
        valid = denominator > 1e-9
        iou = jnp.where(valid, tp / (denominator + config.epsilon()), 0.0)
        return jnp.sum(iou, axis=self.axis) / (jnp.sum(valid.astype("float32")) + config.epsilon())

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary labels against `y_pred >= threshold`, over `target_class_ids` of (0, 1).

    >>> BinaryIoU(target_class_ids=[1])(np.array([0, 1, 1]), np.array([0.2, 0.7, 0.4]))
    Array(0.5, dtype=float32)
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None):
        y_pred = (jnp.asarray(y_pred, "float32") >= self.threshold).astype(self.dtype)
        return super().stateless_update_state(metric_variables, y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes.

    >>> MeanIoU(num_classes=2)(np.array([0, 1]), np.array([0, 1]))
    Array(1., dtype=float32)
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config_ = super().get_config()
        del config_["target_class_ids"]
        return config_


class OneHotIoU(IoU):
    """IoU for one-hot labels and per-class scores (arg-max of each).

    >>> OneHotIoU(num_classes=2, target_class_ids=[1])(np.eye(2), np.array([[0.9, 0.1], [0.2, 0.8]]))
    Array(1., dtype=float32)
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config_ = super().get_config()
        del config_["sparse_y_true"]
        return config_


class OneHotMeanIoU(MeanIoU):
    """Mean IoU for one-hot labels and per-class scores.

    >>> OneHotMeanIoU(num_classes=2)(np.eye(2), np.array([[0.9, 0.1], [0.2, 0.8]]))
    Array(1., dtype=float32)
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config_ = super().get_config()
        del config_["sparse_y_true"]
        return config_


