"""Losses: kerax vs Keras 3 on random data, for every option and reduction; lookup and target checks."""
import copy
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import keras
import numpy as np
import pytest

from kerax.frontend import losses

B, C = 6, 4
rng = np.random.default_rng(0)
PROBS = rng.uniform(0.05, 1.0, size=(B, C)).astype("float32")  # not normalized: Keras renormalizes
LOGITS = rng.normal(size=(B, C)).astype("float32") * 3
ONE_HOT = np.eye(C, dtype="float32")[rng.integers(0, C, size=B)]
LABELS = rng.integers(0, C, size=B)
BINARY = rng.integers(0, 2, size=(B, C)).astype("float32")
REGRESS_TRUE = rng.normal(size=(B, C)).astype("float32")
WEIGHTS = rng.uniform(0, 2, size=(B,)).astype("float32")
SEQ_PROBS = rng.uniform(0.05, 1.0, size=(B, 3, C)).astype("float32")
SEQ_LABELS = rng.integers(0, C, size=(B, 3))
SEQ_WEIGHTS = rng.uniform(0, 2, size=(B, 3)).astype("float32")

REDUCTIONS = ["sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight"]


def _pair(name, kwargs):
    return getattr(losses, name)(**kwargs), getattr(keras.losses, name)(**kwargs)


def _check(name, kwargs, y_true, y_pred, sample_weight=None):
    """Every reduction against Keras; the default one also under jax.jit."""
    for reduction in REDUCTIONS:
        ours, theirs = _pair(name, {**kwargs, "reduction": reduction})
        got = ours(y_true, y_pred, sample_weight=sample_weight)
        want = theirs(y_true, y_pred, sample_weight=sample_weight)
        assert np.shape(got) == np.shape(want), reduction
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-6, err_msg=str(reduction))
        if reduction == REDUCTIONS[0]:
            jitted = jax.jit(lambda t, p: ours(t, p, sample_weight=sample_weight))(y_true, y_pred)
            np.testing.assert_allclose(np.asarray(jitted), np.asarray(want), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("weights", [None, WEIGHTS, WEIGHTS[:, None]], ids=["unweighted", "w(B,)", "w(B,1)"])
@pytest.mark.parametrize("name", ["MeanSquaredError", "MeanAbsoluteError"])
def test_regression_losses(name, weights):
    _check(name, {}, REGRESS_TRUE, PROBS, weights)


@pytest.mark.parametrize("name", ["MeanSquaredError", "MeanAbsoluteError"])
def test_regression_losses_rank_mismatch(name):
    # (batch,) targets against a (batch, 1) output: Keras expands the target.
    _check(name, {}, REGRESS_TRUE[:, 0], PROBS[:, :1], WEIGHTS)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_crossentropy(from_logits, label_smoothing):
    y_pred = LOGITS if from_logits else np.clip(PROBS, 0, 1)
    kwargs = {"from_logits": from_logits, "label_smoothing": label_smoothing}
    _check("BinaryCrossentropy", kwargs, BINARY, y_pred, WEIGHTS)
    _check("BinaryCrossentropy", kwargs, BINARY[:, 0], y_pred[:, :1])  # (batch,) targets, (batch, 1) output


def test_binary_crossentropy_clips_probabilities():
    y_pred = np.array([[0.0, 1.0, 0.5, 1e-9]], "float32")
    _check("BinaryCrossentropy", {}, np.array([[1.0, 0.0, 1.0, 1.0]], "float32"), y_pred)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("from_logits", [False, True])
def test_categorical_crossentropy(from_logits, label_smoothing):
    y_pred = LOGITS if from_logits else PROBS
    kwargs = {"from_logits": from_logits, "label_smoothing": label_smoothing}
    _check("CategoricalCrossentropy", kwargs, ONE_HOT, y_pred, WEIGHTS)
    _check("CategoricalCrossentropy", {**kwargs, "axis": 1}, ONE_HOT, y_pred)


@pytest.mark.parametrize("ignore_class", [None, 2])
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy(from_logits, ignore_class):
    y_pred = LOGITS if from_logits else PROBS
    kwargs = {"from_logits": from_logits, "ignore_class": ignore_class}
    _check("SparseCategoricalCrossentropy", kwargs, LABELS, y_pred, WEIGHTS)
    _check("SparseCategoricalCrossentropy", kwargs, LABELS[:, None].astype("float32"), y_pred)
    _check("SparseCategoricalCrossentropy", kwargs, SEQ_LABELS, SEQ_PROBS, SEQ_WEIGHTS)


@pytest.mark.parametrize("fn,args", [
    ("mean_squared_error", (REGRESS_TRUE, PROBS)),
    ("mean_absolute_error", (REGRESS_TRUE, PROBS)),
    ("binary_crossentropy", (BINARY, LOGITS, True, 0.1)),
    ("categorical_crossentropy", (ONE_HOT, PROBS, False, 0.1)),
    ("sparse_categorical_crossentropy", (LABELS, LOGITS, True)),
])
def test_function_forms(fn, args):
    got = getattr(losses, fn)(*args)
    want = getattr(keras.losses, fn)(*args)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-6)


def test_short_aliases():
    assert losses.mse is losses.mean_squared_error and losses.mae is losses.mean_absolute_error


def test_get_forms():
    assert losses.get(None) is None
    mse = losses.get("mse")
    assert isinstance(mse, losses.MeanSquaredError) and mse.name == "mse"
    assert isinstance(losses.get("binary_crossentropy"), losses.BinaryCrossentropy)
    assert isinstance(losses.get("SparseCategoricalCrossentropy"), losses.SparseCategoricalCrossentropy)
    instance = losses.CategoricalCrossentropy(from_logits=True)
    assert losses.get(instance) is instance

    def half_abs(y_true, y_pred):
        return 0.5 * abs(y_true - y_pred).sum(axis=-1)

    wrapped = losses.get(half_abs)
    assert isinstance(wrapped, losses.Loss) and wrapped.name == "half_abs"
    np.testing.assert_allclose(wrapped(REGRESS_TRUE, PROBS), np.mean(0.5 * np.abs(REGRESS_TRUE - PROBS).sum(-1)),
                               rtol=1e-6)
    config = {"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}
    assert losses.get(config).from_logits is True


def test_get_errors_name_the_argument_and_the_choices():
    with pytest.raises(ValueError) as info:
        losses.get("msee")
    message = str(info.value)
    assert "'msee'" in message and "`loss`" in message and "'mean_squared_error'" in message and "'mse'" in message
    with pytest.raises(ValueError, match="`loss`"):
        losses.get(3.5)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(reduction="sum"),
    losses.MeanAbsoluteError(name="l1"),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    losses.CategoricalCrossentropy(label_smoothing=0.2, axis=1),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
], ids=lambda l: type(l).__name__)
def test_config_round_trip_and_keras_compatibility(loss):
    config = losses.serialize(loss)
    again = losses.deserialize(config)
    assert type(again) is type(loss) and losses.serialize(again) == config
    keras_loss = keras.losses.deserialize(copy.deepcopy(config))
    assert keras.losses.serialize(keras_loss) == config


def test_function_serialization_matches_keras():
    config = losses.serialize(losses.binary_crossentropy)
    assert config == keras.losses.serialize(keras.losses.binary_crossentropy)
    assert losses.deserialize(config) is losses.binary_crossentropy
    assert isinstance(losses.get(config), losses.Loss)


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "SparseCategoricalCrossentropy",
                                  losses.SparseCategoricalCrossentropy(), losses.get("sparse_categorical_crossentropy"),
                                  losses.sparse_categorical_crossentropy])
def test_check_targets_rejects_one_hot_and_fractional_labels(loss):
    one_hot = np.eye(10, dtype="float32")[[1, 2, 3]]
    with pytest.raises(ValueError) as info:
        losses.check_targets(loss, one_hot)
    message = str(info.value)
    assert "expects integer class indices of shape (batch,)" in message
    assert "float labels of shape (3, 10)" in message and "categorical_crossentropy" in message
    with pytest.raises(ValueError, match=r"float labels of shape \(3,\).*not integers"):
        losses.check_targets(loss, np.array([0.0, 1.5, 2.0]))
    losses.check_targets(loss, np.array([0.0, 1.0, 2.0]))  # integral floats are accepted, as Keras does
    losses.check_targets(loss, np.array([0, 1, 2]))
    losses.check_targets(loss, np.array([[0.0, 3.0], [1.0, 1.0]]))  # (batch, time) labels


def test_check_targets_ignores_other_losses():
    losses.check_targets("categorical_crossentropy", np.eye(3))
    losses.check_targets(losses.MeanSquaredError(), np.array([0.5]))
