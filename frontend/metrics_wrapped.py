"""Keras 3's metrics that are the weighted mean of a per-sample function: the probabilistic
ones (cross-entropies, KL, Poisson), hinges, error metrics and correlations.

>>> LogCoshError()(np.array([[0.0]]), np.array([[0.0]]))
Array(0., dtype=float32)
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np  # noqa: F401  (the doctests use it)

from . import config, losses
from .losses import squeeze_or_expand_to_same_rank
from .losses_extra import bind_arguments
from .metrics import MeanMetricWrapper


def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine similarity along `axis` (positive, unlike the loss).

    >>> cosine_similarity(np.array([[1.0, 0.0]]), np.array([[2.0, 0.0]]))
    Array([1.], dtype=float32)
    """
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


def _centered(y_true, y_pred, axis):
    y_pred = jnp.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(jnp.asarray(y_true, y_pred.dtype), y_pred)
    return y_true, y_pred, jnp.mean(y_true, axis=axis, keepdims=True), jnp.mean(y_pred, axis=axis, keepdims=True)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient along `axis`.

    >>> pearson_correlation(np.array([[1.0, 2.0, 3.0]]), np.array([[2.0, 4.0, 6.0]]))
    Array([1.], dtype=float32)
    """
    y_true, y_pred, true_mean, pred_mean = _centered(y_true, y_pred, axis)
    t, p = y_true - true_mean, y_pred - pred_mean
    t = t / jnp.std(t, axis=axis, keepdims=True)
    p = p / jnp.std(p, axis=axis, keepdims=True)
    return jnp.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient along `axis` (Keras's formula).

    >>> concordance_correlation(np.array([[1.0, 2.0]]), np.array([[1.0, 2.0]])).shape
    (1,)
    """
    y_true, y_pred, true_mean, pred_mean = _centered(y_true, y_pred, axis)
    true_var = jnp.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = jnp.var(y_pred - pred_mean, axis=axis, keepdims=True)
    covar = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + jnp.square(true_mean - pred_mean)
    return jnp.mean(2 * covar / (norm + config.epsilon()), axis=axis)


def _define(class_name, fn, default_name, doc, config_keys=None, **defaults):
    """A MeanMetricWrapper subclass for `fn` with Keras's constructor `(name, dtype, *options)`;
    its config lists `config_keys` (all options unless given: Keras omits CosineSimilarity's axis)."""
    positional = ("name", "dtype", *defaults)
    keys = tuple(defaults) if config_keys is None else config_keys

    def __init__(self, *args, **kwargs):
        bound = bind_arguments(class_name, positional, defaults, {"name": default_name, "dtype": None}, args, kwargs)
        options = {key: bound[key] for key in defaults}
        MeanMetricWrapper.__init__(self, fn, name=bound["name"], dtype=bound["dtype"], **options)
        for key, value in options.items():
            setattr(self, key, value)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **{key: getattr(self, key) for key in keys}}

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                                                    "__module__": __name__})


BinaryCrossentropy = _define("BinaryCrossentropy", losses.binary_crossentropy, "binary_crossentropy",
                             "Mean binary cross-entropy.", from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _define("CategoricalCrossentropy", losses.categorical_crossentropy,
                                  "categorical_crossentropy", "Mean categorical cross-entropy.", from_logits=False,
                                  label_smoothing=0, axis=-1)
SparseCategoricalCrossentropy = _define("SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy,
                                        "sparse_categorical_crossentropy", "Mean sparse categorical cross-entropy.",
                                        from_logits=False, ignore_class=None, axis=-1)
KLDivergence = _define("KLDivergence", losses.kl_divergence, "kl_divergence", "Mean KL divergence.")
Poisson = _define("Poisson", losses.poisson, "poisson", "Mean Poisson loss.")
Hinge = _define("Hinge", losses.hinge, "hinge", "Mean hinge loss.")
SquaredHinge = _define("SquaredHinge", losses.squared_hinge, "squared_hinge", "Mean squared hinge loss.")
CategoricalHinge = _define("CategoricalHinge", losses.categorical_hinge, "categorical_hinge",
                           "Mean categorical hinge loss.")
MeanAbsolutePercentageError = _define("MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
                                      "mean_absolute_percentage_error", "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _define("MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
                                      "mean_squared_logarithmic_error", "Mean squared logarithmic error.")
LogCoshError = _define("LogCoshError", losses.log_cosh, "logcosh", "Mean log-cosh error.")
CosineSimilarity = _define("CosineSimilarity", cosine_similarity, "cosine_similarity",
                           "Mean cosine similarity along `axis`.", config_keys=(), axis=-1)
PearsonCorrelation = _define("PearsonCorrelation", pearson_correlation, "pearson_correlation",
                             "Mean Pearson correlation along `axis`.", axis=-1)
ConcordanceCorrelation = _define("ConcordanceCorrelation", concordance_correlation, "concordance_correlation",
                                 "Mean concordance correlation along `axis`.", axis=-1)

CLASSES = (BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge,
           SquaredHinge, CategoricalHinge, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, LogCoshError,
           CosineSimilarity, PearsonCorrelation, ConcordanceCorrelation)
