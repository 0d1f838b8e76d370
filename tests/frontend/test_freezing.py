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


def test_freezing_a_layer_and_recompiling_with_the_same_optimizer_trains_the_rest():
    # The optimizer keeps the slots it was built with; the weights still trained are updated by
    # variable, the frozen ones and their slots stay. (Keras 3's JAX backend raises here: its
    # stateless_apply wants every weight the optimizer was built with; its other backends train
    # by variable, as kerax does.) Packed and per-weight slots (packed_slots.py) agree.
    results = []
    for pack in (True, False):
        kerax.utils.set_random_seed(0)
        net = kerax.Sequential([kerax.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(8), layers.Dense(1)])
        optimizer = kerax.optimizers.Adam(0.01)
        net.compile(optimizer=optimizer, loss="mse")
        if not pack:
            optimizer.build(net.trainable_variables)
        net.fit(X, Y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        net.layers[0].trainable = False
        net.compile(optimizer=optimizer, loss="mse")
        frozen = net.layers[0].get_weights()
        slots = [v.numpy() for v in optimizer.variables]
        net.fit(X, Y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        for a, b in zip(net.layers[0].get_weights(), frozen):
            np.testing.assert_array_equal(a, b)
        after = [v.numpy() for v in optimizer.variables]
        # [iteration, learning_rate, then momentum and velocity per weight]: the first layer's two
        # weights have the first four slots
        for i, (a, b) in enumerate(zip(after[2:], slots[2:])):
            assert np.array_equal(a, b) == (i < 4), i
        assert optimizer.packed_slots == pack
        results.append(net.get_weights() + after)
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
