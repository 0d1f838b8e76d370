"""The rest of Keras 3's losses, kerax vs Keras 3: every reduction, weighted and not, under jit;
the function forms; configs that Keras reads back."""
import copy
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import keras
import numpy as np
import pytest

from kerax.frontend import losses
from test_losses import BINARY, LABELS, LOGITS, ONE_HOT, PROBS, REGRESS_TRUE, WEIGHTS, _check

B, C = PROBS.shape
rng = np.random.default_rng(1)
SIGNED = np.where(BINARY > 0, 1.0, -1.0).astype("float32")
COUNTS = rng.poisson(2.0, size=(B, C)).astype("float32")
POSITIVE = rng.uniform(0.1, 3.0, size=(B, C)).astype("float32")
SOFT = (PROBS / PROBS.sum(-1, keepdims=True)).astype("float32")
EMBED = rng.normal(size=(B, 3)).astype("float32")
EMBED = EMBED / np.linalg.norm(EMBED, axis=-1, keepdims=True)
GROUPS = np.array([0, 1, 0, 1, 2, 2])
CTC_LABELS = np.array([[1, 2, 0], [3, 3, 1], [2, 0, 0], [1, 1, 1], [3, 0, 0], [2, 3, 2]])
CTC_LOGITS = rng.normal(size=(B, 7, C)).astype("float32")

CASES = [
    ("Hinge", {}, BINARY, LOGITS),
    ("Hinge", {}, SIGNED, LOGITS),
    ("SquaredHinge", {}, BINARY, LOGITS),
    ("CategoricalHinge", {}, ONE_HOT, LOGITS),
    ("MeanAbsolutePercentageError", {}, REGRESS_TRUE, PROBS),
    ("MeanSquaredLogarithmicError", {}, POSITIVE, PROBS),
    ("CosineSimilarity", {}, REGRESS_TRUE, LOGITS),
    ("CosineSimilarity", {"axis": 0}, REGRESS_TRUE, LOGITS),
    ("Huber", {}, REGRESS_TRUE, LOGITS),
    ("Huber", {"delta": 0.3}, REGRESS_TRUE, LOGITS),
    ("LogCosh", {}, REGRESS_TRUE, LOGITS),
    ("KLDivergence", {}, ONE_HOT, SOFT),
    ("Poisson", {}, COUNTS, POSITIVE),
    ("BinaryFocalCrossentropy", {}, BINARY, np.clip(PROBS, 0, 1)),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5, "from_logits": True,
                                 "label_smoothing": 0.1}, BINARY, LOGITS),
    ("CategoricalFocalCrossentropy", {}, ONE_HOT, PROBS),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 1.0, "from_logits": True, "label_smoothing": 0.2},
     ONE_HOT, LOGITS),
    ("CategoricalGeneralizedCrossEntropy", {}, LABELS, SOFT),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.8}, LABELS, SOFT),
    ("Dice", {}, BINARY, np.clip(PROBS, 0, 1)),
    ("Dice", {"axis": -1}, BINARY, np.clip(PROBS, 0, 1)),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": -1}, BINARY, np.clip(PROBS, 0, 1)),
    ("Tversky", {}, BINARY, np.clip(PROBS, 0, 1)),
    ("Circle", {}, GROUPS, EMBED),
    ("Circle", {"gamma": 10.0, "margin": 0.2, "remove_diagonal": False}, GROUPS, EMBED),
    ("CTC", {}, CTC_LABELS, CTC_LOGITS),
]
SLOW = ("Circle", "CTC")  # a scan or pairwise matrix per call: two reductions are enough


@pytest.mark.parametrize("name,kwargs,y_true,y_pred", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras_for_every_reduction(name, kwargs, y_true, y_pred):
    # Weighted where the loss gives one value per sample (Dice and Tversky reduce everything by default).
    per_sample = kwargs.get("axis", -1) == -1
    weights = WEIGHTS if per_sample else None
    if name not in SLOW:
        _check(name, kwargs, y_true, y_pred, weights)
        return
    for reduction in ("sum_over_batch_size", "none"):  # both jitted: Keras's eager CTC takes ~10 s
        ours = getattr(losses, name)(**kwargs, reduction=reduction)
        theirs = getattr(keras.losses, name)(**kwargs, reduction=reduction)
        np.testing.assert_allclose(np.asarray(jax.jit(ours)(y_true, y_pred, weights)),
                                   np.asarray(jax.jit(theirs)(y_true, y_pred, weights)), rtol=1e-5, atol=1e-5)


FUNCTIONS = ["hinge", "squared_hinge", "categorical_hinge", "mean_absolute_percentage_error",
             "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh", "kl_divergence", "poisson",
             "binary_focal_crossentropy", "categorical_focal_crossentropy", "dice", "tversky"]


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_function_forms(fn):
    y_pred = np.clip(PROBS, 0.05, 0.95)
    np.testing.assert_allclose(np.asarray(getattr(losses, fn)(BINARY, y_pred)),
                               np.asarray(getattr(keras.losses, fn)(BINARY, y_pred)), rtol=1e-6, atol=1e-6)


def test_special_function_forms():
    np.testing.assert_allclose(losses.circle(GROUPS, EMBED), keras.losses.circle(GROUPS, EMBED), rtol=1e-5)
    np.testing.assert_allclose(losses.categorical_generalized_cross_entropy(LABELS, SOFT, q=0.3),
                               keras.losses.categorical_generalized_cross_entropy(LABELS, SOFT, q=0.3), rtol=1e-6)


def test_hinge_keeps_labels_that_are_not_binary():
    y_true = np.array([[2.0, -1.0]], "float32")  # not 0/1: used as given, as Keras does
    np.testing.assert_allclose(losses.hinge(y_true, LOGITS[:1, :2]), keras.losses.hinge(y_true, LOGITS[:1, :2]))


def test_ctc_rejects_wrong_ranks():
    with pytest.raises(ValueError, match=r"y_true.shape=\(6,\)"):
        losses.ctc(LABELS, CTC_LOGITS)
    with pytest.raises(ValueError, match="y_pred.shape"):
        losses.ctc(CTC_LABELS, PROBS)


@pytest.mark.parametrize("name,kwargs", sorted({(c[0], tuple(c[1].items())) for c in CASES}),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_config_round_trip_and_keras_compatibility(name, kwargs):
    loss = getattr(losses, name)(**dict(kwargs), reduction="sum")
    config = losses.serialize(loss)
    assert config == keras.losses.serialize(getattr(keras.losses, name)(**dict(kwargs), reduction="sum"))
    again = losses.deserialize(copy.deepcopy(config))
    assert type(again) is type(loss) and losses.serialize(again) == config


def test_get_by_name_and_legacy_alias():
    assert isinstance(losses.get("huber"), losses.Huber)
    assert isinstance(losses.get("KLDivergence"), losses.KLDivergence)
    for alias, cls in (("mape", losses.MeanAbsolutePercentageError), ("msle", losses.MeanSquaredLogarithmicError),
                       ("kld", losses.KLDivergence), ("logcosh", losses.LogCosh)):
        loss = losses.get(alias)
        assert type(loss) is cls and loss.name == alias


def test_positional_arguments_follow_keras_signatures():
    assert losses.Huber(0.5).delta == 0.5
    assert losses.Tversky(0.2, 0.8, "sum").reduction == "sum"
    assert losses.Dice("sum", "d").name == "d"
    with pytest.raises(TypeError, match="unexpected"):
        losses.Huber(detla=1.0)
