"""Metrics: kerax vs Keras 3 over several weighted batches; jitted pure updates vs eager; `get`."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

from kerax.frontend import losses, metrics

B, C, T = 8, 5, 3
rng = np.random.default_rng(0)


def _batch(kind, seed):
    r = np.random.default_rng(seed)
    probs = r.uniform(size=(B, C)).astype("float32")
    labels = r.integers(0, C, size=B)
    weights = r.uniform(0, 2, size=B).astype("float32")
    if kind == "values":
        return (r.normal(size=(B, T)).astype("float32"),), r.uniform(0, 2, size=(B, T)).astype("float32")
    if kind == "values_rowweights":
        return (r.normal(size=(B, T)).astype("float32"),), weights
    if kind == "exact":
        return (labels, r.integers(0, C, size=B)), weights
    if kind == "binary":
        return (r.integers(0, 2, size=(B, 1)).astype("float32"), r.uniform(size=(B, 1)).astype("float32")), weights
    if kind == "binary_flat_true":
        return (r.integers(0, 2, size=B), r.uniform(size=(B, 1)).astype("float32")), weights[:, None]
    if kind == "one_hot":
        return (np.eye(C, dtype="float32")[labels], probs), weights
    if kind == "sparse":
        return (labels, probs), weights
    if kind == "sparse_column":
        return (labels[:, None].astype("float32"), probs), weights
    if kind == "sparse_sequence":
        seq = r.uniform(size=(B, T, C)).astype("float32")
        return (r.integers(0, C, size=(B, T)), seq), r.uniform(0, 2, size=(B, T)).astype("float32")
    if kind == "regression":
        return (r.normal(size=(B, C)).astype("float32"), r.normal(size=(B, C)).astype("float32")), weights
    raise AssertionError(kind)


CASES = [
    ("Mean", {}, "values"),
    ("Mean", {}, "values_rowweights"),
    ("Sum", {}, "values"),
    ("Accuracy", {}, "exact"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.7}, "binary_flat_true"),
    ("CategoricalAccuracy", {}, "one_hot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_column"),
    ("SparseCategoricalAccuracy", {}, "sparse_sequence"),
    ("TopKCategoricalAccuracy", {"k": 2}, "one_hot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {}, "sparse_sequence"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("RootMeanSquaredError", {}, "regression"),
]


@pytest.mark.parametrize("name,kwargs,kind", CASES, ids=[f"{n}-{k}" for n, _, k in CASES])
def test_matches_keras_over_weighted_batches(name, kwargs, kind):
    ours, theirs = getattr(metrics, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    for seed in range(3):
        args, weights = _batch(kind, seed)
        sample_weight = None if seed == 1 else weights  # mix weighted and unweighted batches
        ours.update_state(*args, sample_weight=sample_weight)
        theirs.update_state(*args, sample_weight=sample_weight)
        np.testing.assert_allclose(np.asarray(ours.result()), np.asarray(theirs.result()), rtol=1e-6, atol=1e-6)
    for mine, keras_var in zip(ours.variables, theirs.variables):
        np.testing.assert_allclose(mine.numpy(), np.asarray(keras_var.value), rtol=1e-6, atol=1e-6)
    ours.reset_state()
    assert float(ours.result()) == 0.0


@pytest.mark.parametrize("name,kwargs,kind", CASES[::3], ids=[f"{n}-{k}" for n, _, k in CASES[::3]])
def test_stateless_functions_under_jit_match_eager(name, kwargs, kind):
    metric = getattr(metrics, name)(**kwargs)
    update = jax.jit(metric.stateless_update_state)
    result = jax.jit(metric.stateless_result)
    state = metric.stateless_reset_state()
    for seed in range(3):
        args, weights = _batch(kind, seed)
        state = update(state, *args, sample_weight=weights)
        metric.update_state(*args, sample_weight=weights)
        np.testing.assert_allclose(np.asarray(result(state)), np.asarray(metric.result()), rtol=1e-6)
    assert [s.dtype for s in state] == [jnp.dtype(v.dtype) for v in metric.variables]


def test_stateless_update_inside_lax_scan():
    metric = metrics.SparseCategoricalAccuracy()
    labels = jnp.asarray(rng.integers(0, C, size=(4, B)))
    probs = jnp.asarray(rng.uniform(size=(4, B, C)).astype("float32"))

    def body(state, batch):
        return metric.stateless_update_state(state, *batch), None

    state, _ = jax.lax.scan(body, metric.stateless_reset_state(), (labels, probs))
    expected = np.mean(np.asarray(labels) == np.argmax(np.asarray(probs), -1))
    np.testing.assert_allclose(np.asarray(metric.stateless_result(state)), expected, rtol=1e-6)


def test_scalar_values_with_scalar_weight_as_a_loss_tracker():
    tracker, keras_tracker = metrics.Mean(name="loss"), keras.metrics.Mean(name="loss")
    for loss, batch in ((0.5, 32), (1.5, 8)):
        tracker.update_state(jnp.asarray(loss), sample_weight=batch)
        keras_tracker.update_state(jnp.asarray(loss), sample_weight=batch)
    np.testing.assert_allclose(np.asarray(tracker.result()), np.asarray(keras_tracker.result()), rtol=1e-6)


def test_mean_metric_wrapper_and_variables():
    def doubled_error(y_true, y_pred, scale=1.0):
        return scale * jnp.mean(jnp.abs(y_true - y_pred), axis=-1)

    metric = metrics.MeanMetricWrapper(doubled_error, name="doubled", scale=2.0)
    keras_metric = keras.metrics.MeanMetricWrapper(doubled_error, name="doubled", scale=2.0)
    (y_true, y_pred), weights = _batch("regression", 0)
    metric.update_state(y_true, y_pred, sample_weight=weights)
    keras_metric.update_state(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(np.asarray(metric.result()), np.asarray(keras_metric.result()), rtol=1e-6)
    assert [v.path for v in metric.variables] == ["doubled/total", "doubled/count"]
    assert all(v.kind == "state" and not v.trainable for v in metric.variables)
    with pytest.raises(ValueError, match="expected 2 arrays"):
        metric.stateless_update_state([jnp.zeros(())], y_true, y_pred)


@pytest.mark.parametrize("loss,output_shape,expected", [
    ("binary_crossentropy", (None, 3), metrics.BinaryAccuracy),
    (losses.BinaryCrossentropy(from_logits=True), (None, 3), metrics.BinaryAccuracy),
    ("mse", (None, 1), metrics.BinaryAccuracy),
    ("sparse_categorical_crossentropy", (None, 10), metrics.SparseCategoricalAccuracy),
    (losses.SparseCategoricalCrossentropy(from_logits=True), (None, 10), metrics.SparseCategoricalAccuracy),
    (losses.sparse_categorical_crossentropy, (None, 10), metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (None, 10), metrics.CategoricalAccuracy),
    (None, (None, 10), metrics.CategoricalAccuracy),
])
@pytest.mark.parametrize("identifier", ["accuracy", "acc"])
def test_get_resolves_accuracy_from_loss_and_output_shape(identifier, loss, output_shape, expected):
    metric = metrics.get(identifier, loss=loss, output_shape=output_shape)
    assert type(metric) is expected and metric.name == identifier


def test_get_forms():
    mse = metrics.get("mse")
    assert type(mse) is metrics.MeanSquaredError and mse.name == "mse"
    assert type(metrics.get("MeanAbsoluteError")) is metrics.MeanAbsoluteError
    assert type(metrics.get("root_mean_squared_error")) is metrics.RootMeanSquaredError
    assert type(metrics.get("sparse_top_k_categorical_accuracy")) is metrics.SparseTopKCategoricalAccuracy
    instance = metrics.TopKCategoricalAccuracy(k=3)
    assert metrics.get(instance) is instance
    wrapped = metrics.get(losses.mean_absolute_error)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "mean_absolute_error"
    assert metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.3}}).threshold == 0.3


def test_get_unknown_name_names_the_argument():
    with pytest.raises(ValueError) as info:
        metrics.get("accurracy")
    message = str(info.value)
    assert "'accurracy'" in message and "`metrics`" in message and "'mse'" in message


@pytest.mark.parametrize("metric", [metrics.BinaryAccuracy(threshold=0.3), metrics.TopKCategoricalAccuracy(k=2),
                                   metrics.SparseTopKCategoricalAccuracy(k=3), metrics.Mean(name="m")],
                         ids=lambda m: type(m).__name__)
def test_config_matches_keras(metric):
    config = metric.get_config()
    assert getattr(keras.metrics, type(metric).__name__).from_config(config).get_config() == config
    assert type(metric).from_config(config).get_config() == config
