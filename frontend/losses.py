"""Losses with Keras 3's names, arguments, numerics and reduction semantics.

Every loss is pure jnp: it runs inside the compiled training step.

>>> MeanSquaredError()(np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]))
Array(0.5, dtype=float32)
"""
from __future__ import annotations

import difflib
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from . import config, naming

REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


# -- shapes and reductions ------------------------------------------------------------------------
def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1: bool = True):
    """Make ranks equal when they differ by a trailing 1 (Keras's rule, used for targets and weights).

    >>> [a.shape for a in squeeze_or_expand_to_same_rank(jnp.zeros((4, 1)), jnp.zeros((4,)))]
    [(4, 1), (4, 1)]
    """
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = jnp.expand_dims(x2, -1)
        else:
            x1 = jnp.squeeze(x1, -1)
    if rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = jnp.expand_dims(x1, -1)
        else:
            x2 = jnp.squeeze(x2, -1)
    return x1, x2


def divide_no_nan(x, y):
    """`x / y`, and 0 where `y == 0` (Keras's ops.divide_no_nan)."""
    safe = jnp.where(y == 0, jnp.ones_like(y), y)
    return jnp.where(y == 0, jnp.zeros_like(x), x / safe)


def _reduce(values, sample_weight, reduction):
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    loss = jnp.sum(values)
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = jnp.sum(sample_weight).astype(loss.dtype)
    else:  # "sum_over_batch_size" and "mean": the number of elements, not the sum of weights
        divisor = jnp.asarray(int(np.prod(values.shape)), loss.dtype)
    return divide_no_nan(loss, divisor)


def apply_mask(sample_weight, mask, dtype, reduction):
    """Merge a validity mask into the sample weights, as Keras does for masked losses."""
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        # Valid entries weigh total/valid, so the mean over all entries is the mean over valid ones.
        total = jnp.asarray(int(np.prod(mask.shape)), dtype)
        valid = jnp.sum(mask.astype(dtype))
        float_mask = jnp.where(mask.astype(bool), divide_no_nan(total, valid), jnp.zeros((), dtype))
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, jnp.asarray(sample_weight, dtype))
    return sample_weight * float_mask


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size", dtype=None):
    """Weight per-sample losses and reduce them (Keras's `reduce_weighted_values`).

    >>> reduce_weighted_values(jnp.array([1.0, 3.0]), jnp.array([1.0, 0.0]))
    Array(0.5, dtype=float32)
    """
    values = jnp.asarray(values, dtype)
    if sample_weight is not None:
        sample_weight = jnp.asarray(sample_weight, dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight.astype(values.dtype))
        values = values * sample_weight
    return _reduce(values, sample_weight, reduction)


# -- the loss functions (per-sample values) -------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    """Per-sample mean of squared errors over the last axis.

    >>> mean_squared_error(np.array([[0.0, 2.0]]), np.array([[0.0, 0.0]]))
    Array([2.], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, y_pred.dtype), y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean of absolute errors over the last axis.

    >>> mean_absolute_error(np.array([[0.0, 2.0]]), np.array([[1.0, 0.0]]))
    Array([1.5], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, y_pred.dtype), y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def _clip_probabilities(p):
    eps = config.epsilon()
    return jnp.clip(p, eps, 1.0 - eps)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample binary cross-entropy, averaged over `axis`; probabilities are clipped to [eps, 1-eps].

    >>> binary_crossentropy(np.array([[1.0]]), np.array([[0.5]]))
    Array([0.6931472], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"binary_crossentropy: `y_true` and `y_pred` must have the same shape, received "
                         f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = -1.0 * y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(-y_pred)
    else:
        p = _clip_probabilities(y_pred)
        bce = -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))
    return jnp.mean(bce, axis=axis)


def _log_probabilities(y_pred, from_logits, axis):
    if from_logits:
        return jax.nn.log_softmax(y_pred, axis=axis)
    # Keras renormalizes probabilities before clipping them.
    return jnp.log(_clip_probabilities(y_pred / jnp.sum(y_pred, axis, keepdims=True)))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample cross-entropy between one-hot (or soft) targets and predicted classes.

    >>> categorical_crossentropy(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]]))
    Array([0.6931472], dtype=float32)
    """
    if isinstance(axis, bool):
        raise ValueError(f"categorical_crossentropy: `axis` must be an int, received axis={axis!r}")
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"categorical_crossentropy: `y_true` and `y_pred` must have the same shape, received "
                         f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}. For integer class labels "
                         "use sparse_categorical_crossentropy")
    if y_pred.shape[-1] == 1:
        warnings.warn(f"categorical_crossentropy: expected y_pred of shape (batch_size, num_classes) with "
                      f"num_classes > 1, received y_pred.shape={y_pred.shape}; use binary_crossentropy for two "
                      "classes", stacklevel=2)
    if label_smoothing:
        num_classes = jnp.asarray(y_true.shape[-1], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return -jnp.sum(y_true * _log_probabilities(y_pred, from_logits, axis), axis=axis)


def _sparse_categorical_crossentropy(y_true, y_pred, from_logits, ignore_class, axis):
    """(per-sample losses, validity mask or None)."""
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = jnp.squeeze(y_true, axis)
    valid = None
    if ignore_class is not None:
        class_axis = axis % y_pred.ndim
        res_shape = tuple(d for i, d in enumerate(y_pred.shape) if i != class_axis)
        valid = y_true != jnp.asarray(ignore_class, y_pred.dtype)
        y_true = jnp.where(valid, y_true, 0)
        y_pred = jnp.where(jnp.expand_dims(valid, axis), y_pred, 0)
    labels = y_true.astype("int32")
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = jnp.squeeze(labels, -1)
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: `y_true` must have the shape of `y_pred` without its "
                         f"last (class) axis, received y_true.shape={tuple(y_true.shape)}, "
                         f"y_pred.shape={tuple(y_pred.shape)}. For one-hot labels use categorical_crossentropy")
    one_hot = jax.nn.one_hot(labels, y_pred.shape[axis], axis=axis, dtype=y_pred.dtype)
    res = -jnp.sum(one_hot * _log_probabilities(y_pred, from_logits, axis), axis=axis)
    if valid is not None:
        valid = jnp.reshape(valid, res_shape)
        res = jnp.where(valid, res, 0.0)
    return res, valid


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample cross-entropy between integer class labels and predicted classes.

    >>> sparse_categorical_crossentropy(np.array([1]), np.array([[0.5, 0.5]]))
    Array([0.6931472], dtype=float32)
    """
    return _sparse_categorical_crossentropy(y_true, y_pred, from_logits, ignore_class, axis)[0]


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# -- Loss objects -------------------------------------------------------------------------------
class Loss:
    """Base class: `call(y_true, y_pred)` gives per-sample losses, `__call__` weights and reduces them.

    Reductions as Keras 3: "sum_over_batch_size" (and "mean") divide the weighted sum by the number
    of elements, not by the sum of the weights; "sum" sums; "none"/None keeps per-sample values.

    >>> class Absolute(Loss):
    ...     def call(self, y_true, y_pred):
    ...         return jnp.abs(y_true - y_pred)
    >>> Absolute(reduction="sum")(np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    Array(3., dtype=float32)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: argument `reduction` expected one of {list(REDUCTIONS)}, "
                             f"received reduction={reduction!r}")
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self.reduction = reduction
        self._dtype = dtype

    @property
    def dtype(self) -> str:
        return self._dtype or config.floatx()

    def __call__(self, y_true, y_pred, sample_weight=None):
        y_pred = jnp.asarray(y_pred, self.dtype)
        y_true = jnp.asarray(y_true, self.dtype)
        losses, mask = self.call_with_mask(y_true, y_pred)
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction, self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must define call(y_true, y_pred)")

    def call_with_mask(self, y_true, y_pred):
        """(per-sample losses, mask of the entries that count, or None)."""
        return self.call(y_true, y_pred), None

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config_: dict):
        return cls(**config_)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A per-sample loss function as a `Loss`; extra keyword arguments go to the function.

    >>> LossFunctionWrapper(mean_absolute_error, name="mae")(np.array([[1.0]]), np.array([[3.0]]))
    Array(2., dtype=float32)
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        fn = self.fn if isinstance(self.fn, str) else serialize(self.fn)
        return {**super().get_config(), "fn": fn, **self._fn_kwargs}

    @classmethod
    def from_config(cls, config_):
        config_ = dict(config_)
        if "fn" not in config_:  # the built-in subclasses fix their function
            return cls(**config_)
        fn = config_.pop("fn")
        return cls(deserialize(fn) if isinstance(fn, dict) else _FUNCTIONS[fn], **config_)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors: `mean((y_true - y_pred) ** 2, axis=-1)` per sample.

    >>> MeanSquaredError()(np.array([[1.0, 1.0]]), np.array([[0.0, 1.0]]))
    Array(0.5, dtype=float32)
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors: `mean(|y_true - y_pred|, axis=-1)` per sample.

    >>> MeanAbsoluteError()(np.array([[1.0, 1.0]]), np.array([[0.0, 1.0]]))
    Array(0.5, dtype=float32)
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy for 0/1 targets and probabilities (or logits with `from_logits=True`).

    >>> BinaryCrossentropy(from_logits=True)(np.array([[1.0]]), np.array([[0.0]]))
    Array(0.6931472, dtype=float32)
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for one-hot targets; `label_smoothing` mixes them with the uniform distribution.

    >>> CategoricalCrossentropy()(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]]))
    Array(0.6931472, dtype=float32)
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy for integer class labels; labels equal to `ignore_class` do not count.

    >>> SparseCategoricalCrossentropy(from_logits=True)(np.array([0]), np.array([[0.0, 0.0]]))
    Array(0.6931472, dtype=float32)
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis

    def call_with_mask(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return _sparse_categorical_crossentropy(y_true, y_pred, self.from_logits, self.ignore_class, self.axis)

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits, "ignore_class": self.ignore_class}


# -- lookup and serialization -------------------------------------------------------------------
from . import losses_extra  # noqa: E402  (it builds on the classes above)
from .losses_extra import *  # noqa: E402,F401,F403  (the rest of Keras's losses, under keras.losses)
from .losses_extra import (CLASS_OF_FUNCTION as _EXTRA_CLASS_OF_FUNCTION, CLASSES as _EXTRA_CLASSES,  # noqa: E402
                           FUNCTIONS as _EXTRA_FUNCTIONS)

_FUNCTIONS = {fn.__name__: fn for fn in (mean_squared_error, mean_absolute_error, binary_crossentropy,
                                         categorical_crossentropy, sparse_categorical_crossentropy,
                                         *_EXTRA_FUNCTIONS)}
_CLASSES = {cls.__name__: cls for cls in (Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
                                          BinaryCrossentropy, CategoricalCrossentropy,
                                          SparseCategoricalCrossentropy, *_EXTRA_CLASSES)}
_CLASS_OF_FUNCTION = {mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
                      binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
                      sparse_categorical_crossentropy: SparseCategoricalCrossentropy, **_EXTRA_CLASS_OF_FUNCTION}
_ALIASES = {"mse": mean_squared_error, "MSE": mean_squared_error, "mae": mean_absolute_error,
            "MAE": mean_absolute_error, "bce": binary_crossentropy, "BCE": binary_crossentropy,
            **losses_extra.ALIASES}
_NAMES = {**_FUNCTIONS, **_ALIASES}


def serialize(loss) -> dict:
    """A loss object or built-in loss function as Keras 3 writes it into a config.

    >>> serialize(MeanSquaredError())["class_name"]
    'MeanSquaredError'
    """
    if isinstance(loss, Loss):
        return {"module": "keras.losses", "class_name": type(loss).__name__, "config": loss.get_config(),
                "registered_name": None}
    if callable(loss) and getattr(loss, "__name__", None) in _FUNCTIONS:
        return {"module": "builtins", "class_name": "function", "config": loss.__name__, "registered_name": "function"}
    raise TypeError(f"losses.serialize: expected a Loss or a built-in loss function, received {loss!r}")


def deserialize(config_: dict, custom_objects: dict | None = None):
    """The inverse of `serialize`: a Loss object, or the built-in function for a function config.

    >>> deserialize(serialize(BinaryCrossentropy(from_logits=True))).from_logits
    True
    """
    custom_objects = custom_objects or {}
    if not isinstance(config_, dict) or "class_name" not in config_:
        raise ValueError(f"losses.deserialize: expected a dict with 'class_name' and 'config', received {config_!r}")
    name = config_["class_name"]
    if name == "function":
        fn_name = config_["config"]
        if fn_name in custom_objects:
            return custom_objects[fn_name]
        if fn_name not in _FUNCTIONS:
            raise ValueError(f"Unknown loss function {fn_name!r}: expected one of {sorted(_FUNCTIONS)}")
        return _FUNCTIONS[fn_name]
    cls = custom_objects.get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown loss class {name!r}: expected one of {sorted(_CLASSES)}")
    return cls.from_config(dict(config_.get("config", {})))


def get(identifier) -> Loss | None:
    """A `Loss` from an instance, a name ("mse", "binary_crossentropy", "BinaryCrossentropy"), a
    config dict or a per-sample function (wrapped); None stays None.

    >>> get("mse").name
    'mse'
    >>> type(get("CategoricalCrossentropy")).__name__
    'CategoricalCrossentropy'
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        identifier = deserialize(identifier)
        return identifier if isinstance(identifier, Loss) else get(identifier)
    if isinstance(identifier, str):
        if identifier in _NAMES:  # a function name keeps the given name, as Keras's compile does
            return _CLASS_OF_FUNCTION[_NAMES[identifier]](name=identifier)
        if identifier in _CLASSES and identifier not in ("Loss", "LossFunctionWrapper"):
            return _CLASSES[identifier]()
        accepted = sorted(set(_NAMES) | set(_CLASSES) - {"Loss", "LossFunctionWrapper"})
        hint = difflib.get_close_matches(identifier, accepted, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        raise ValueError(f"Unknown loss {identifier!r} (argument `loss`): expected one of {accepted}{suggestion}")
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Could not interpret the argument `loss`: expected a Loss, a loss name, a config dict or a "
                     f"function (y_true, y_pred) -> per-sample losses, received {identifier!r}")


# -- host-side target checks --------------------------------------------------------------------
def _is_sparse_categorical(loss) -> bool:
    if isinstance(loss, str):
        return loss in ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy")
    if isinstance(loss, SparseCategoricalCrossentropy) or loss is sparse_categorical_crossentropy:
        return True
    return isinstance(loss, LossFunctionWrapper) and loss.fn is sparse_categorical_crossentropy


def check_targets(loss, y_true) -> None:
    """Raise a clear error, before compiling, for targets the loss cannot take.

    Sparse categorical cross-entropy needs integer class indices; float labels are accepted when
    their values are integral, as in Keras.

    >>> check_targets("sparse_categorical_crossentropy", np.array([0.0, 2.0]))  # integral floats: fine
    >>> check_targets("sparse_categorical_crossentropy", np.eye(3))
    Traceback (most recent call last):
    ...
    ValueError: sparse_categorical_crossentropy expects integer class indices of shape (batch,), ...
    """
    if not _is_sparse_categorical(loss):
        return
    y = np.asarray(y_true)
    if y.size == 0 or not np.issubdtype(y.dtype, np.floating):
        return
    start = (f"sparse_categorical_crossentropy expects integer class indices of shape (batch,), received float "
             f"labels of shape {y.shape}")
    binary = np.all((y == 0) | (y == 1))
    if y.ndim == 2 and y.shape[-1] > 1 and binary and np.all(y.sum(axis=-1) == 1):
        raise ValueError(f"{start} that look one-hot encoded. Use loss='categorical_crossentropy' for one-hot "
                         "labels, or pass the class indices (y.argmax(axis=-1))")
    finite = y[np.isfinite(y)]
    fractional = finite[finite != np.floor(finite)]
    if fractional.size or finite.size != y.size:
        example = fractional[0] if fractional.size else y[~np.isfinite(y)][0]
        raise ValueError(f"{start} whose values are not integers (e.g. {float(example)}). Use "
                         "loss='categorical_crossentropy' for one-hot or soft labels, or pass integer class indices")
