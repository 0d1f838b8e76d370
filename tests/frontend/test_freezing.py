"""Freezing as the Keras FAQ describes it: trainable=False, compile freezes, BatchNorm inference."""
import numpy as np

import kerax
from kerax import layers

RNG = np.random.default_rng(0)
X = RNG.standard_normal((32, 4)).astype(np.float32)
Y = RNG.standard_normal((32, 1)).astype(np.float32)


def model():
    inner = kerax.Sequential([kerax.Input((4,)), layers.Dense(4), layers.BatchNormalization()], name="inner")
    x = kerax.Input((4,))
    return kerax.Model(x, layers.Dense(1, name="head")(inner(x))), inner


def test_trainable_false_empties_trainable_weights_recursively():
    outer, inner = model()
    assert len(outer.trainable_weights) == 6
    inner.trainable = False
    assert inner.trainable_weights == [] and len(inner.non_trainable_weights) == 6
    assert all(not layer.trainable for layer in inner.layers)
    assert [w.name for w in outer.trainable_weights] == ["kernel", "bias"]


def test_frozen_weights_and_statistics_do_not_move_during_fit():
    outer, inner = model()
    inner.trainable = False
    outer.compile(optimizer="sgd", loss="mse")
    frozen = inner.get_weights()
    head = outer.get_layer("head").get_weights()
    outer.fit(X, Y, epochs=2, verbose=0)
    for a, b in zip(inner.get_weights(), frozen):
        np.testing.assert_array_equal(a, b)  # kernels and BatchNorm moving statistics alike
    assert not np.array_equal(outer.get_layer("head").get_weights()[0], head[0])


def test_compile_freezes_the_trainable_state_until_the_next_compile():
    outer, inner = model()
    outer.compile(optimizer="sgd", loss="mse")
    inner.trainable = False  # after compile: no effect yet
    before = inner.get_weights()
    outer.fit(X, Y, epochs=1, verbose=0)
    assert not np.array_equal(inner.get_weights()[0], before[0])
    outer.compile(optimizer="sgd", loss="mse")  # now it counts
    before = inner.get_weights()
    outer.fit(X, Y, epochs=1, verbose=0)
    for a, b in zip(inner.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_with_trainable_false_runs_in_inference_mode():
    bn = layers.BatchNormalization()
    x = RNG.standard_normal((16, 3)).astype(np.float32) * 5 + 2
    bn(x)
    bn.trainable = False
    out = np.asarray(bn(x, training=True))
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)  # moving stats 0/1: inference
    np.testing.assert_array_equal(bn.moving_mean.numpy(), 0)


def test_training_true_on_a_layer_call_forces_training_behaviour():
    x = kerax.Input((3,))
    bn = layers.BatchNormalization()
    model = kerax.Model(x, bn(x, training=True))
    data = RNG.standard_normal((64, 3)).astype(np.float32) * 3 + 1
    out = model.predict(data, batch_size=64, verbose=0)  # predict runs in inference mode
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-4)  # yet batch statistics were used
    assert np.all(bn.moving_mean.numpy() != 0)  # and the moving mean moved
