"""The rest of Keras 3's losses: hinge, regression, probabilistic, focal, overlap (Dice,
Tversky), metric-learning (Circle), CTC; per-sample functions and their Loss classes.

Registered in `losses` (names, `get`, `serialize`) beside the cross-entropies.

>>> Huber()(np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]]))
Array(1.3125, dtype=float32)
"""
from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np  # noqa: F401  (the doctests use it)

from . import config, ops
from .losses import Loss, LossFunctionWrapper, binary_crossentropy, squeeze_or_expand_to_same_rank


__all__ = ["hinge", "squared_hinge", "categorical_hinge", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh", "kl_divergence", "poisson",
           "binary_focal_crossentropy", "categorical_focal_crossentropy", "categorical_generalized_cross_entropy",
           "dice", "tversky", "circle", "ctc", "Hinge", "SquaredHinge", "CategoricalHinge",
           "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "CosineSimilarity", "Huber", "LogCosh",
           "KLDivergence", "Poisson", "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
           "CategoricalGeneralizedCrossEntropy", "Dice", "Tversky", "CTC", "Circle"]


def _cast_pair(y_true, y_pred, same_rank=True):
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred) if same_rank else (y_true, y_pred)


# -- per-sample functions -------------------------------------------------------------------------
def _hinge_labels(y_true):
    """0/1 labels become -1/1 (Keras converts only when every label is 0 or 1)."""
    binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0))` over the last axis; 0/1 labels are read as -1/1.

    >>> hinge(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]]))
    Array([1.], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred, same_rank=False)
    return jnp.mean(jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0) ** 2)` over the last axis.

    >>> squared_hinge(np.array([[1.0]]), np.array([[0.5]]))
    Array([0.25], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred, same_rank=False)
    return jnp.mean(jnp.square(jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` for one-hot targets.

    >>> categorical_hinge(np.array([[0.0, 1.0]]), np.array([[0.3, 0.6]]))
    Array([0.7], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred, same_rank=False)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(neg - pos + 1.0, 0.0)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(|y_true - y_pred| / max(|y_true|, epsilon))` over the last axis.

    >>> mean_absolute_percentage_error(np.array([[2.0, 4.0]]), np.array([[1.0, 4.0]]))
    Array([25.], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), config.epsilon()))
    return 100.0 * jnp.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2)` over the last axis.

    >>> mean_squared_logarithmic_error(np.array([[0.0]]), np.array([[np.e - 1]]))
    Array([1.], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    eps = config.epsilon()
    return jnp.mean(jnp.square(jnp.log(jnp.maximum(y_pred, eps) + 1.0) - jnp.log(jnp.maximum(y_true, eps) + 1.0)),
                    axis=-1)


def l2_normalize(x, axis=-1):
    """`x / max(||x||, epsilon)` along `axis`, as Keras's `ops.normalize` (via rsqrt)."""
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), axis=axis, keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / config.epsilon())


def cosine_similarity(y_true, y_pred, axis=-1):
    """The negated cosine similarity along `axis`: -1 for parallel vectors, 0 for orthogonal.

    >>> cosine_similarity(np.array([[1.0, 0.0]]), np.array([[2.0, 0.0]]))
    Array([-1.], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    return -jnp.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


def huber(y_true, y_pred, delta=1.0):
    """Quadratic below `delta`, linear above: `0.5 e**2` or `delta * |e| - 0.5 delta**2`.

    >>> huber(np.array([[0.0, 0.0]]), np.array([[0.5, 3.0]]))
    Array([1.3125], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    delta = jnp.asarray(delta, y_pred.dtype)
    error = y_pred - y_true
    abs_error = jnp.abs(error)
    return jnp.mean(jnp.where(abs_error <= delta, 0.5 * jnp.square(error), delta * abs_error - 0.5 * jnp.square(delta)),
                    axis=-1)


def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)))` over the last axis, computed without overflow.

    >>> log_cosh(np.array([[0.0]]), np.array([[0.0]]))
    Array([0.], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred)
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(-2.0 * x) - jnp.log(2.0).astype(x.dtype), axis=-1)


def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred))` over the last axis, both clipped to [epsilon, 1].

    >>> kl_divergence(np.array([[0.5, 0.5]]), np.array([[0.5, 0.5]]))
    Array([0.], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred, same_rank=False)
    eps = config.epsilon()
    y_true, y_pred = jnp.clip(y_true, eps, 1), jnp.clip(y_pred, eps, 1)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + epsilon))` over the last axis.

    >>> poisson(np.array([[0.0]]), np.array([[2.0]]))
    Array([2.], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred, same_rank=False)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + config.epsilon()), axis=-1)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                              label_smoothing=0.0, axis=-1):
    """Binary cross-entropy down-weighted for easy examples by `(1 - p_t) ** gamma`.

    >>> binary_focal_crossentropy(np.array([[1.0]]), np.array([[0.5]]), gamma=0.0)
    Array([0.6931472], dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred, same_rank=False)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = jax.nn.sigmoid(y_pred)
    bce = binary_crossentropy(y_true, y_pred, axis=())  # elementwise: `axis=()` reduces nothing
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return jnp.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    """Categorical cross-entropy weighted per class by `alpha * (1 - p) ** gamma`.

    >>> categorical_focal_crossentropy(np.array([[0.0, 1.0]]), np.array([[0.5, 0.5]]), alpha=1.0, gamma=0.0)
    Array([0.6931472], dtype=float32)
    """
    if isinstance(axis, bool):
        raise ValueError(f"categorical_focal_crossentropy: `axis` must be an int, received axis={axis!r}")
    y_true, y_pred = _cast_pair(y_true, y_pred, same_rank=False)
    if y_pred.shape[-1] == 1:
        warnings.warn(f"categorical_focal_crossentropy: expected y_pred of shape (batch_size, num_classes) with "
                      f"num_classes > 1, received y_pred.shape={y_pred.shape}; use binary_crossentropy for two "
                      "classes", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = jax.nn.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    output = jnp.clip(y_pred / jnp.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    return jnp.sum(jnp.power(1.0 - output, gamma) * alpha * (-y_true * jnp.log(output)), axis=axis)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """`(1 - p ** q) / q` where `p` is the predicted probability of the integer label.

    >>> categorical_generalized_cross_entropy(np.array([1]), np.array([[0.75, 0.25]]), q=1.0)
    Array([0.75], dtype=float32)
    """
    y_pred = jnp.asarray(y_pred)
    one_hot = jax.nn.one_hot(jnp.asarray(y_true).astype("int32"), y_pred.shape[-1], dtype=y_pred.dtype)
    p = jnp.sum(y_pred * one_hot, axis=-1)
    return (1 - jnp.power(p, q)) / q


def dice(y_true, y_pred, axis=None):
    """`1 - 2 |A n B| / (|A| + |B| + epsilon)`, summed over `axis` (all axes by default).

    >>> dice(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]))
    Array(0., dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred, same_rank=False)
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    return 1 - 2.0 * intersection / (jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis) + config.epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """`1 - TP / (TP + alpha FP + beta FN + epsilon)`; alpha = beta = 0.5 is the Dice loss.

    >>> tversky(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]))
    Array(0., dtype=float32)
    """
    y_true, y_pred = _cast_pair(y_true, y_pred, same_rank=False)
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    fp = jnp.sum((1 - y_pred) * y_true, axis=axis)
    fn = jnp.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - intersection / (intersection + fp * alpha + fn * beta + config.epsilon())


def _circle_with_mask(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80,
                      margin=0.4):
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype("int32")
    ref_embeddings = y_pred if ref_embeddings is None else jnp.asarray(ref_embeddings)
    ref_labels = y_true if ref_labels is None else jnp.asarray(ref_labels).astype("int32")
    distances = jnp.maximum(1 - y_pred @ ref_embeddings.T, 0.0)
    positive = jnp.reshape(y_true, (-1, 1)) == jnp.reshape(ref_labels, (1, -1))
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~jnp.eye(positive.shape[0], positive.shape[1], dtype=bool)
    pos_weights = jnp.maximum((margin + distances) * positive, 0.0)
    neg_weights = jnp.maximum((1 + margin - distances) * negative, 0.0)
    pos_logits = -gamma * pos_weights * (margin - distances)
    neg_logits = gamma * neg_weights * (1 - margin - distances)
    p_loss = jax.nn.logsumexp(jnp.where(positive, pos_logits, -jnp.inf), axis=1)
    n_loss = jax.nn.logsumexp(jnp.where(negative, neg_logits, -jnp.inf), axis=1)
    loss = jax.nn.softplus(p_loss + n_loss)
    return loss, loss > 0


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss (Sun et al. 2020) on L2-normalized embeddings `y_pred` with integer labels:
    pulls same-label pairs together and pushes others apart, weighting each pair by its margin.

    >>> circle(np.array([0, 0]), np.array([[1.0, 0.0], [1.0, 0.0]])).shape
    (2,)
    """
    return _circle_with_mask(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma, margin)[0]


def ctc(y_true, y_pred):
    """Connectionist temporal classification loss per sequence: labels `(batch, max_length)`
    padded with 0 (the blank), logits `(batch, time, classes)`.

    >>> ctc(np.array([[1]]), np.zeros((1, 2, 2))).shape
    (1,)
    """
    y_pred = jnp.asarray(y_pred)
    y_true = jnp.asarray(y_true).astype("int32")
    if y_true.ndim != 2:
        raise ValueError(f"ctc: targets `y_true` are expected to be a tensor of shape (batch_size, max_length) in "
                         f"integer format, received y_true.shape={y_true.shape}")
    if y_pred.ndim != 3:
        raise ValueError(f"ctc: logits `y_pred` are expected to be a tensor of shape (batch_size, max_length, "
                         f"num_classes), received y_pred.shape={y_pred.shape}")
    # The CTC forward algorithm is the registered `ctc_loss` op (kerax.ops.ctc_loss).
    label_lengths = jnp.sum(y_true != 0, axis=-1).astype("int32")
    output_lengths = jnp.full((y_pred.shape[0],), y_pred.shape[1], "int32")
    return ops.ctc_loss(y_true, y_pred, label_lengths, output_lengths, mask_index=0)


# -- Loss classes -------------------------------------------------------------------------------
def bind_arguments(class_name: str, positional, defaults: dict, common: dict, args, kwargs) -> dict:
    """Keras's constructor binding for generated classes: `positional` names the order of the
    positional parameters; `defaults` are the function's options, `common` the base class's
    own arguments (reduction, name, dtype) with their defaults."""
    if len(args) > len(positional):
        raise TypeError(f"{class_name}.__init__() takes at most {len(positional)} positional arguments "
                        f"({', '.join(positional)}), received {len(args)}")
    doubled = sorted(set(positional[:len(args)]) & set(kwargs))
    unknown = sorted(set(kwargs) - set(defaults) - set(common))
    if doubled or unknown:
        raise TypeError(f"{class_name}.__init__() got unexpected or repeated keyword argument(s) {doubled + unknown}")
    given = {**dict(zip(positional, args)), **kwargs}
    return {key: given.get(key, value) for key, value in {**defaults, **common}.items()}


def _define(class_name, fn, default_name, doc, config_keys=(), positional=None, **defaults):
    """A LossFunctionWrapper subclass for `fn` with Keras's constructor: `defaults` are the
    function's keyword arguments, `positional` the order of Keras's positional parameters
    (options first, then reduction, name, dtype, unless given), and the config lists
    `config_keys` (Keras leaves some arguments out, e.g. Huber's `delta`)."""
    positional = positional or (*defaults, "reduction", "name", "dtype")
    common = {"reduction": "sum_over_batch_size", "name": default_name, "dtype": None}

    def __init__(self, *args, **kwargs):
        bound = bind_arguments(class_name, positional, defaults, common, args, kwargs)
        options = {key: bound[key] for key in defaults}
        LossFunctionWrapper.__init__(self, fn, reduction=bound["reduction"], name=bound["name"], dtype=bound["dtype"],
                                     **options)
        for key, value in options.items():
            setattr(self, key, value)

    def get_config(self):
        return {**Loss.get_config(self), **{key: getattr(self, key) for key in config_keys}}

    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                                                      "__module__": __name__})


Hinge = _define("Hinge", hinge, "hinge", "Mean hinge loss for -1/1 (or 0/1) labels.")
SquaredHinge = _define("SquaredHinge", squared_hinge, "squared_hinge", "Mean squared hinge loss.")
CategoricalHinge = _define("CategoricalHinge", categorical_hinge, "categorical_hinge",
                           "Hinge loss between the true class score and the best other class score.")
MeanAbsolutePercentageError = _define("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                      "mean_absolute_percentage_error", "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _define("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                      "mean_squared_logarithmic_error", "Mean squared logarithmic error.")
CosineSimilarity = _define("CosineSimilarity", cosine_similarity, "cosine_similarity",
                           "Negated cosine similarity along `axis` (Keras's config omits the axis).", axis=-1)
Huber = _define("Huber", huber, "huber_loss", "Huber loss with threshold `delta` (Keras's config omits it).",
                delta=1.0)
LogCosh = _define("LogCosh", log_cosh, "log_cosh", "Mean log-cosh of the error.")
KLDivergence = _define("KLDivergence", kl_divergence, "kl_divergence", "Kullback-Leibler divergence.")
Poisson = _define("Poisson", poisson, "poisson", "Poisson loss for count targets.")
BinaryFocalCrossentropy = _define(
    "BinaryFocalCrossentropy", binary_focal_crossentropy, "binary_focal_crossentropy",
    "Binary focal cross-entropy (Lin et al. 2017).",
    ("from_logits", "label_smoothing", "axis", "apply_class_balancing", "alpha", "gamma"),
    apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalFocalCrossentropy = _define(
    "CategoricalFocalCrossentropy", categorical_focal_crossentropy, "categorical_focal_crossentropy",
    "Categorical focal cross-entropy for one-hot targets.",
    ("from_logits", "label_smoothing", "axis", "alpha", "gamma"),
    alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalGeneralizedCrossEntropy = _define(
    "CategoricalGeneralizedCrossEntropy", categorical_generalized_cross_entropy,
    "categorical_generalized_cross_entropy",
    "Generalized cross-entropy (Zhang & Sabuncu 2018), robust to noisy integer labels.", ("q",), q=0.5)
Dice = _define("Dice", dice, "dice", "Dice loss over `axis` (all axes by default).", ("axis",),
               ("reduction", "name", "axis", "dtype"), axis=None)
Tversky = _define("Tversky", tversky, "tversky", "Tversky loss: Dice with separate false-positive and "
                  "false-negative weights.", ("alpha", "beta", "axis"),
                  ("alpha", "beta", "reduction", "name", "axis", "dtype"), alpha=0.5, beta=0.5, axis=None)
CTC = _define("CTC", ctc, "ctc", "CTC loss for padded integer label sequences and per-step logits.")


class Circle(LossFunctionWrapper):
    """Circle loss for metric learning on L2-normalized embeddings and integer labels; samples
    with a zero loss do not count in the mean, as Keras masks them.

    >>> float(Circle()(np.array([0, 1]), np.array([[1.0, 0.0], [0.0, 1.0]]))) >= 0
    True
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size", name="circle",
                 dtype=None):
        super().__init__(circle, reduction=reduction, name=name, dtype=dtype, gamma=gamma, margin=margin,
                         remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal

    def call_with_mask(self, y_true, y_pred):
        return _circle_with_mask(y_true, y_pred, gamma=self.gamma, margin=self.margin,
                                 remove_diagonal=self.remove_diagonal)

    def get_config(self):
        return {**Loss.get_config(self), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}


FUNCTIONS = (hinge, squared_hinge, categorical_hinge, mean_absolute_percentage_error, mean_squared_logarithmic_error,
             cosine_similarity, huber, log_cosh, kl_divergence, poisson, binary_focal_crossentropy,
             categorical_focal_crossentropy, categorical_generalized_cross_entropy, dice, tversky, circle, ctc)
CLASSES = (Hinge, SquaredHinge, CategoricalHinge, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
           CosineSimilarity, Huber, LogCosh, KLDivergence, Poisson, BinaryFocalCrossentropy,
           CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy, Dice, Tversky, CTC, Circle)
CLASS_OF_FUNCTION = dict(zip(FUNCTIONS[:-2], CLASSES[:-2])) | {circle: Circle, ctc: CTC}
# Keras's legacy short names, as `losses.get` accepts them.
ALIASES = {"mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
           "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
           "kld": kl_divergence, "KLD": kl_divergence, "kullback_leibler_divergence": kl_divergence,
           "logcosh": log_cosh}
