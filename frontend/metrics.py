"""Metrics with Keras 3's names, numerics and sample weighting, built on pure state updates.

A metric's state is a list of Variables. The compiled step calls the pure
`stateless_update_state` / `stateless_result` / `stateless_reset_state` on arrays; the eager
`update_state` / `result` / `reset_state` run the same functions on the Variables' values.

>>> m = Mean()
>>> m.update_state(np.array([1.0, 3.0]), sample_weight=np.array([1.0, 0.0]))
>>> m.result()
Array(1., dtype=float32)
"""
from __future__ import annotations

import difflib

import jax.numpy as jnp
import numpy as np

from . import config, initializers, losses, naming
from .losses import divide_no_nan, squeeze_or_expand_to_same_rank
from .variables import Variable, holding


class Metric:
    """Base class: state Variables from `add_variable`, and the three pure functions.

    >>> class Count(Metric):
    ...     def __init__(self, name="count"):
    ...         super().__init__(name=name)
    ...         self.n = self.add_variable((), "zeros", name="n")
    ...     def stateless_update_state(self, metric_variables, values, sample_weight=None):
    ...         return [metric_variables[0] + jnp.size(values)]
    ...     def stateless_result(self, metric_variables):
    ...         return metric_variables[0]
    >>> c = Count(); c.update_state(np.zeros(3)); c.result()
    Array(3., dtype=float32)
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self._dtype = dtype
        self._variables: list = []

    @property
    def dtype(self) -> str:
        return self._dtype or config.floatx()

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None) -> Variable:
        """A state Variable (kind "state", not trainable) at path `{metric name}/{name}`.

        `aggregation` is accepted for Keras's signature; kerax sums nothing across replicas
        itself (the step runs on the global batch)."""
        dtype = {"int": "int32", "float": "float32"}.get(dtype, dtype) or self.dtype
        value = initializers.get(initializer)(tuple(shape), dtype)
        variable = Variable(value, name=name, path=f"{self.name}/{name}", trainable=False, kind="state", dtype=dtype)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None) -> Variable:
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    def build_from_output_shape(self, output_shape) -> None:
        """Create state that depends on the model's output shape (F-score, R2) before a step is
        compiled; Keras builds such metrics on their first batch instead."""

    @property
    def variables(self) -> list:
        return list(self._variables)

    # -- pure ---------------------------------------------------------------------------------
    # A subclass writes either these pure functions or, as in Keras, the stateful update_state /
    # result / reset_state on its variables: those are then run on the given arrays.
    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """Pure: the new state arrays after one batch."""
        if type(self).update_state is Metric.update_state:
            raise NotImplementedError(f"{type(self).__name__} must define update_state() or stateless_update_state()")
        self._check_state(metric_variables)
        with holding(self._variables, metric_variables):
            self.update_state(*args, **kwargs)
            return [v.value for v in self._variables]

    def stateless_result(self, metric_variables):
        """Pure: the metric's value from the state arrays."""
        if type(self).result is Metric.result:
            raise NotImplementedError(f"{type(self).__name__} must define result() or stateless_result()")
        self._check_state(metric_variables)
        with holding(self._variables, metric_variables):
            result = self.result()
            return result.value if isinstance(result, Variable) else result  # `return self.total` is common

    def stateless_reset_state(self) -> list:
        """Pure: the state arrays of a fresh metric (zeros, as Keras's reset_state)."""
        zeros = [np.zeros(v.shape, v.dtype) for v in self._variables]  # host zeros: no device program
        if type(self).reset_state is Metric.reset_state:
            return zeros
        with holding(self._variables, zeros):  # a subclass's own reset_state, run on the arrays
            self.reset_state()
            return [v.value for v in self._variables]

    def _check_state(self, metric_variables) -> None:
        if len(metric_variables) != len(self._variables):
            raise ValueError(f"{type(self).__name__} '{self.name}': `metric_variables` expected "
                             f"{len(self._variables)} arrays (one per metric.variables), received "
                             f"{len(metric_variables)}")

    # -- eager --------------------------------------------------------------------------------
    def update_state(self, *args, **kwargs) -> None:
        new = self.stateless_update_state([v.value for v in self._variables], *args, **kwargs)
        for variable, value in zip(self._variables, new):
            variable.assign(value)

    def result(self):
        return self.stateless_result([v.value for v in self._variables])

    def reset_state(self) -> None:
        for variable, value in zip(self._variables, self.stateless_reset_state()):
            variable.assign(value)

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config_: dict):
        return cls(**config_)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Weight values and reduce them to one per sample (Keras's rule for Mean and Sum)."""
    values = jnp.asarray(values).astype(dtype)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.ndim, values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        # Broadcasting the weight changes nothing in the product, but counts each entry.
        sample_weight = jnp.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of all values seen.

    >>> Sum()(np.array([1.0, 2.0]))
    Array(3., dtype=float32)
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def stateless_update_state(self, metric_variables, values, sample_weight=None):
        self._check_state(metric_variables)
        values, _ = reduce_to_samplewise_values(values, sample_weight, jnp.sum, self.dtype)
        return [metric_variables[0] + jnp.sum(values)]

    def stateless_result(self, metric_variables):
        return jnp.asarray(metric_variables[0]).astype(self.dtype)


class Mean(Metric):
    """The weighted mean of all values seen: `sum(values * w) / sum(w)` over all batches.

    >>> Mean()(np.array([1.0, 2.0]))
    Array(1.5, dtype=float32)
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def stateless_update_state(self, metric_variables, values, sample_weight=None):
        self._check_state(metric_variables)
        total, count = metric_variables
        values, sample_weight = reduce_to_samplewise_values(values, sample_weight, jnp.mean, self.dtype)
        if sample_weight is not None:
            num_samples = jnp.sum(sample_weight)
        else:
            num_samples = values.shape[0] if values.ndim >= 1 else 1
        return [total + jnp.sum(values), count + jnp.asarray(num_samples).astype(self.dtype)]

    def stateless_result(self, metric_variables):
        total, count = metric_variables
        return divide_no_nan(total, jnp.asarray(count).astype(self.dtype))


class MeanMetricWrapper(Mean):
    """The weighted mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

    >>> MeanMetricWrapper(losses.mean_absolute_error, name="mae")(np.array([[1.0]]), np.array([[3.0]]))
    Array(2., dtype=float32)
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().stateless_update_state(metric_variables, values, sample_weight=sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


# -- per-sample functions -----------------------------------------------------------------------
def accuracy(y_true, y_pred):
    """1.0 where `y_true == y_pred` exactly.

    >>> accuracy(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    Array([1., 0.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, y_pred.dtype), y_pred)
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `(y_pred > threshold) == y_true`.

    >>> binary_accuracy(np.array([1.0, 0.0]), np.array([0.7, 0.7]))
    Array([1., 0.], dtype=float32)
    """
    y_pred, y_true = jnp.asarray(y_pred), jnp.asarray(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = (y_pred > jnp.asarray(threshold)).astype(y_true.dtype)
    return (y_true == y_pred).astype(config.floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of one-hot `y_true` and of `y_pred` agree.

    >>> categorical_accuracy(np.eye(2), np.array([[0.9, 0.1], [0.8, 0.2]]))
    Array([1., 0.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.argmax(jnp.asarray(y_true), axis=-1).astype(y_pred.dtype)
    shape, reshape = y_true.shape, y_true.ndim == y_pred.ndim
    if reshape:
        y_true = jnp.squeeze(y_true, -1)
    matches = (y_true == jnp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(config.floatx())
    return jnp.reshape(matches, shape) if reshape else matches


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals the arg-max of `y_pred`.

    >>> sparse_categorical_accuracy(np.array([0, 0]), np.array([[0.9, 0.1], [0.2, 0.8]]))
    Array([1., 0.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    shape, reshape = y_true.shape, y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1
    if reshape:
        y_true = jnp.squeeze(y_true, -1)
    matches = (y_true == jnp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(config.floatx())
    if reshape:
        matches = jnp.reshape(matches, shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = jnp.squeeze(matches, -1)
    return matches


def _in_top_k(targets, predictions, k):
    at_label = jnp.take_along_axis(predictions, jnp.expand_dims(targets, -1), axis=-1)
    # A NaN score is not a high score.
    at_label = jnp.where(jnp.isnan(at_label), -jnp.inf, at_label)
    return 1 + jnp.sum(predictions > at_label, axis=-1) <= k


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the `k` highest predictions (ties count as in).

    >>> top_k_categorical_accuracy(np.eye(3)[[2]], np.array([[0.5, 0.3, 0.2]]), k=2)
    Array([0.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.argmax(jnp.asarray(y_true, y_pred.dtype), axis=-1)
    return _top_k_matches(y_true, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the `k` highest predictions (or the first `k` ids).

    >>> sparse_top_k_categorical_accuracy(np.array([1]), np.array([[0.5, 0.3, 0.2]]), k=2)
    Array([1.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype if from_sorted_ids else "int32")
    return _top_k_matches(y_true, y_pred, k, from_sorted_ids)


def _top_k_matches(y_true, y_pred, k, from_sorted_ids=False):
    shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = jnp.reshape(y_pred, (-1, y_pred.shape[-1]))
    if y_true.ndim > 1:
        y_true = jnp.reshape(y_true, (-1,))
    if from_sorted_ids:  # the first k ids are the top k; count a repeated id once
        matches = jnp.any(jnp.expand_dims(y_true, 1) == y_pred[:, :k], axis=1)
    else:
        matches = _in_top_k(y_true.astype("int32"), y_pred, k)
    return jnp.reshape(matches.astype(config.floatx()), shape)


# -- metric classes -----------------------------------------------------------------------------
class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly.

    >>> Accuracy()(np.array([1, 2]), np.array([1, 3]))
    Array(0.5, dtype=float32)
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches binary labels.

    >>> BinaryAccuracy()(np.array([[1.0], [0.0]]), np.array([[0.9], [0.6]]))
    Array(0.5, dtype=float32)
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of `y_pred` matches one-hot labels.

    >>> CategoricalAccuracy()(np.eye(2), np.array([[0.9, 0.1], [0.9, 0.1]]))
    Array(0.5, dtype=float32)
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the arg-max of `y_pred` matches integer labels.

    >>> SparseCategoricalAccuracy()(np.array([0, 1]), np.array([[0.9, 0.1], [0.9, 0.1]]))
    Array(0.5, dtype=float32)
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often one-hot labels are in the top `k` predictions.

    >>> TopKCategoricalAccuracy(k=1)(np.eye(2), np.array([[0.9, 0.1], [0.9, 0.1]]))
    Array(0.5, dtype=float32)
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often integer labels are in the top `k` predictions.

    >>> SparseTopKCategoricalAccuracy(k=1)(np.array([0, 1]), np.array([[0.9, 0.1], [0.9, 0.1]]))
    Array(0.5, dtype=float32)
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k, self.from_sorted_ids = k, from_sorted_ids

    def get_config(self):
        config_ = {"name": self.name, "dtype": self.dtype, "k": self.k}
        return {**config_, "from_sorted_ids": True} if self.from_sorted_ids else config_


class MeanSquaredError(MeanMetricWrapper):
    """The weighted mean of per-sample mean squared errors.

    >>> MeanSquaredError()(np.array([[0.0, 2.0]]), np.array([[0.0, 0.0]]))
    Array(2., dtype=float32)
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(losses.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The weighted mean of per-sample mean absolute errors.

    >>> MeanAbsoluteError()(np.array([[0.0, 2.0]]), np.array([[0.0, 0.0]]))
    Array(1., dtype=float32)
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(losses.mean_absolute_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """`sqrt` of the weighted mean of squared errors over every element seen.

    >>> RootMeanSquaredError()(np.array([0.0, 0.0]), np.array([3.0, 3.0]))
    Array(3., dtype=float32)
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def stateless_update_state(self, metric_variables, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, self.dtype),
                                                        jnp.asarray(y_pred, self.dtype))
        return super().stateless_update_state(metric_variables, jnp.square(y_pred - y_true), sample_weight)

    def stateless_result(self, metric_variables):
        return jnp.sqrt(super().stateless_result(metric_variables))


# -- the rest of Keras's metrics, and its loss functions under keras.metrics --------------------
from .losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,  # noqa: E402,F401
                     categorical_focal_crossentropy, categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                     mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
                     mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge)
from .metrics_confusion import (AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall,  # noqa: E402
                                Recall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
                                TrueNegatives, TruePositives)
from .metrics_scores import (BinaryIoU, F1Score, FBetaScore, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU,  # noqa: E402
                             R2Score)
from .metrics_wrapped import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge,  # noqa: E402
                              ConcordanceCorrelation, CosineSimilarity, Hinge, KLDivergence, LogCoshError,
                              MeanAbsolutePercentageError, MeanSquaredLogarithmicError, PearsonCorrelation, Poisson,
                              SparseCategoricalCrossentropy, SquaredHinge, concordance_correlation,
                              pearson_correlation)
from . import metrics_wrapped  # noqa: E402

# -- lookup -------------------------------------------------------------------------------------
_CLASSES = {cls.__name__: cls for cls in (Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                          SparseCategoricalAccuracy, TopKCategoricalAccuracy,
                                          SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
                                          RootMeanSquaredError, AUC, FalseNegatives, FalsePositives, Precision,
                                          PrecisionAtRecall, Recall, RecallAtPrecision, SensitivityAtSpecificity,
                                          SpecificityAtSensitivity, TrueNegatives, TruePositives, BinaryIoU,
                                          F1Score, FBetaScore, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU, R2Score,
                                          *metrics_wrapped.CLASSES)}
# As Keras's ALL_OBJECTS_DICT: class names, their snake_case, and the short aliases.
_NAMES = {**_CLASSES, **{naming.to_snake_case(name): cls for name, cls in _CLASSES.items()},
          "mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
          "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
          "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError, "kld": KLDivergence,
          "KLD": KLDivergence, "logcosh": LogCoshError}


def _loss_function(loss):
    """The per-sample function behind a loss given in any form `losses.get` takes, or None."""
    if isinstance(loss, str):
        try:
            loss = losses.get(loss)
        except ValueError:
            return None
    return loss.fn if isinstance(loss, losses.LossFunctionWrapper) else loss


def _accuracy_for(name: str, loss, output_shape) -> Metric:
    fn = _loss_function(loss)
    if fn is losses.binary_crossentropy or (output_shape is not None and output_shape[-1] == 1):
        return BinaryAccuracy(name=name)
    if fn is losses.sparse_categorical_crossentropy:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get(identifier, loss=None, output_shape=None) -> Metric | None:
    """A `Metric` from an instance, a name, a config dict or a per-sample function.

    "accuracy"/"acc" picks the accuracy that fits the loss and the output shape: binary for binary
    cross-entropy or a last dimension of 1, sparse categorical for sparse categorical
    cross-entropy, categorical otherwise. A name also becomes the metric's name, as in Keras.

    >>> get("acc", loss="sparse_categorical_crossentropy", output_shape=(None, 10))
    <SparseCategoricalAccuracy name=acc>
    >>> get("mse").name
    'mse'
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return _accuracy_for(identifier, loss, output_shape)
        if identifier in _NAMES:
            return _NAMES[identifier](name=identifier)
        accepted = sorted(set(_NAMES) | {"accuracy", "acc"})
        hint = difflib.get_close_matches(identifier, accepted, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"Unknown metric {identifier!r} (argument `metrics`): expected one of {accepted}{suggestion}")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret the argument `metrics`: expected a Metric, a metric name, a config dict or "
                     f"a function (y_true, y_pred) -> per-sample values, received {identifier!r}")


def serialize(metric: Metric) -> dict:
    """A metric as Keras 3 writes it into a config.

    >>> serialize(AUC())["class_name"]
    'AUC'
    """
    if not isinstance(metric, Metric):
        raise TypeError(f"metrics.serialize: expected a Metric, received {metric!r}")
    return {"module": "keras.metrics", "class_name": type(metric).__name__, "config": metric.get_config(),
            "registered_name": None}


def deserialize(config_: dict, custom_objects: dict | None = None) -> Metric:
    """The inverse of `serialize`.

    >>> deserialize(serialize(Precision(thresholds=0.3))).thresholds
    [0.3]
    """
    if not isinstance(config_, dict) or "class_name" not in config_:
        raise ValueError(f"metrics.deserialize: expected a dict with 'class_name' and 'config', received {config_!r}")
    name = config_["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown metric class {name!r} (argument `metrics`): expected one of {sorted(_CLASSES)}")
    return cls.from_config(dict(config_.get("config", {})))
