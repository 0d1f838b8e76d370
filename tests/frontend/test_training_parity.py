"""Training gives Keras 3's weights: same initial weights, same data, same optimizer, no shuffle.

This pins the semantics of fit: batching with a short last batch, loss reduction with
sample_weight and class_weight, loss_weights over several outputs, metrics and History."""
import numpy as np
import pytest

import kerax
from parity import keras

RNG = np.random.default_rng(0)


def mlp(lib, optimizer):
    model = lib.Sequential([lib.Input((5,)), lib.layers.Dense(8, activation="relu"), lib.layers.Dense(3)])
    model.compile(optimizer=optimizer, loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def twins(build, *args, kerax_kwargs=None):
    ours, theirs = build(kerax, *args, **(kerax_kwargs or {})), build(keras(), *args)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def assert_same_weights(ours, theirs, atol=2e-5):
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=atol, rtol=1e-4)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adagrad", "adamw"])
def test_fit_matches_keras_with_a_short_last_batch(optimizer):
    x = RNG.standard_normal((70, 5)).astype(np.float32)
    y = RNG.integers(0, 3, 70)
    ours, theirs = twins(mlp, optimizer)
    h1 = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(ours, theirs)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5)


def test_sample_weight_and_class_weight_match_keras():
    x = RNG.standard_normal((48, 5)).astype(np.float32)
    y = RNG.integers(0, 3, 48)
    sw = RNG.uniform(0, 2, 48).astype(np.float32)
    ours, theirs = twins(mlp, "sgd")
    ours.fit(x, y, sample_weight=sw, batch_size=16, epochs=1, shuffle=False, verbose=0)
    theirs.fit(x, y, sample_weight=sw, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(ours, theirs)
    weights = {0: 1.0, 1: 3.0, 2: 0.5}
    ours.fit(x, y, class_weight=weights, batch_size=16, epochs=1, shuffle=False, verbose=0)
    theirs.fit(x, y, class_weight=weights, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(ours, theirs)


def test_steps_per_execution_does_not_change_the_result():
    x = RNG.standard_normal((100, 5)).astype(np.float32)
    y = RNG.integers(0, 3, 100)
    ours, theirs = twins(mlp, "adam")
    ours.compile(optimizer="adam", loss=kerax.losses.SparseCategoricalCrossentropy(from_logits=True),
                 metrics=["accuracy"], steps_per_execution=4)
    h1 = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(ours, theirs)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-5)


def two_heads(lib):
    inputs = lib.Input((4,), name="features")
    hidden = lib.layers.Dense(6, activation="tanh")(inputs)
    age = lib.layers.Dense(1, name="age")(hidden)
    kind = lib.layers.Dense(3, activation="softmax", name="kind")(hidden)
    model = lib.Model(inputs, [age, kind])
    model.compile(optimizer="sgd", loss={"age": "mse", "kind": "sparse_categorical_crossentropy"},
                  loss_weights={"age": 0.25, "kind": 1.0}, metrics={"kind": ["accuracy"], "age": ["mae"]})
    return model


def test_multi_output_losses_weights_and_history_match_keras():
    x = RNG.standard_normal((40, 4)).astype(np.float32)
    y_age = RNG.standard_normal((40, 1)).astype(np.float32)
    y_kind = RNG.integers(0, 3, 40)
    ours, theirs = twins(two_heads)
    initial = theirs.get_weights()
    h1 = ours.fit(x, {"age": y_age, "kind": y_kind}, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(x, {"age": y_age, "kind": y_kind}, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(ours, theirs)
    assert {"loss", "age_loss", "kind_loss", "kind_accuracy", "age_mae"} <= set(h1.history)
    for key in ("loss", "age_loss", "kind_loss", "kind_accuracy", "age_mae"):
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5, err_msg=key)
    # targets as a list in output order give the same result
    ours2 = two_heads(kerax)
    ours2.set_weights(initial)
    h3 = ours2.fit(x, [y_age, y_kind], batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h3.history["loss"], h1.history["loss"], rtol=1e-6)
