"""Activation, regularization, preprocessing and extra normalization layers against Keras 3;
the random layers' training-mode noise is checked by its statistics and its freshness."""
import numpy as np
import pytest

import kerax
from parity import assert_layer_parity, keras

RNG = np.random.default_rng(0)
X3 = (RNG.standard_normal((4, 5, 6)) * 2).astype(np.float32)
X4 = RNG.standard_normal((2, 4, 4, 6)).astype(np.float32)


def _with_random_weights(lib, make):
    """A built layer whose weights are random (so that, e.g., PReLU's alpha is not all zeros)."""
    layer = make(lib)
    layer(X3)
    rng = np.random.default_rng(1)
    layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()])
    return layer


# -- activation layers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.ReLU(),
    lambda lib: lib.layers.ReLU(max_value=6.0),
    lambda lib: lib.layers.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5),
    lambda lib: lib.layers.LeakyReLU(),
    lambda lib: lib.layers.LeakyReLU(negative_slope=0.05),
    lambda lib: lib.layers.ELU(),
    lambda lib: lib.layers.ELU(alpha=0.3),
    lambda lib: lib.layers.Softmax(),
    lambda lib: lib.layers.Softmax(axis=1),
    lambda lib: lib.layers.Softmax(axis=[1, 2]),
], ids=["relu", "relu6", "relu-all", "leaky", "leaky-0.05", "elu", "elu-0.3", "softmax", "softmax-1", "softmax-12"])
def test_activation_layers(make):
    assert_layer_parity(lambda: make(kerax), lambda: make(keras()), X3, training=(False,))


@pytest.mark.parametrize("kwargs", [{}, {"shared_axes": [1]}, {"shared_axes": 2},
                                    {"alpha_initializer": "ones", "alpha_regularizer": "l2"}])
def test_prelu(kwargs):
    assert_layer_parity(lambda: _with_random_weights(kerax, lambda lib: lib.layers.PReLU(**kwargs)),
                        lambda: _with_random_weights(keras(), lambda lib: lib.layers.PReLU(**kwargs)), X3,
                        training=(False,))


def test_prelu_weight_shape_and_default_alpha():
    layer = kerax.layers.PReLU(shared_axes=[1])
    out = layer(X3)
    assert layer.alpha.shape == (1, 6)
    np.testing.assert_array_equal(np.asarray(out), np.maximum(X3, 0))  # alpha starts at zero


@pytest.mark.parametrize("mask_shape", [(4, 5, 6), (4, 1, 6), (5, 1)])
def test_softmax_with_mask(mask_shape):
    mask = RNG.random(mask_shape) > 0.4
    mask[..., 0] = False  # a masked first position everywhere, a fully masked row somewhere
    assert_layer_parity(lambda: kerax.layers.Softmax(), lambda: keras().layers.Softmax(), X3, training=(False,),
                        call_kwargs={"mask": mask})


def test_softmax_masked_positions_get_zero_probability():
    mask = np.ones((4, 5, 6), bool)
    mask[:, :, 2:4] = False
    mask[0, 0, :] = False
    out = np.asarray(kerax.layers.Softmax()(X3, mask=mask))
    assert np.all(out[~mask] == 0)
    np.testing.assert_allclose(out[1:].sum(-1), 1.0, rtol=1e-5)


def test_activation_layer_arguments_are_validated():
    with pytest.raises(ValueError, match="ReLU: argument `max_value`"):
        kerax.layers.ReLU(max_value=-1.0)
    with pytest.raises(ValueError, match="LeakyReLU: argument `negative_slope`"):
        kerax.layers.LeakyReLU(negative_slope=-0.1)


# -- regularization layers --------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda lib: lib.layers.GaussianNoise(0.3, seed=1),
    lambda lib: lib.layers.GaussianDropout(0.3, seed=1),
    lambda lib: lib.layers.SpatialDropout1D(0.4, seed=1),
    lambda lib: lib.layers.ActivityRegularization(l1=0.01, l2=0.02),
], ids=["gaussian-noise", "gaussian-dropout", "spatial-1d", "activity"])
def test_regularization_layers_are_identity_in_inference(make):
    ours, _ = assert_layer_parity(lambda: make(kerax), lambda: make(keras()), X3, training=(False,))
    np.testing.assert_array_equal(np.asarray(ours(X3)), X3)


def test_spatial_dropout_2d_is_identity_in_inference():
    for data_format in ("channels_last", "channels_first"):
        def make(lib):
            return lib.layers.SpatialDropout2D(0.5, data_format=data_format, seed=2)

        assert_layer_parity(lambda: make(kerax), lambda: make(keras()), X4, training=(False,))


def _train(layer, x, times=2):
    return [np.asarray(layer(x, training=True)) for _ in range(times)]


def test_gaussian_noise_statistics_and_fresh_draws():
    x = np.zeros((64, 256), np.float32)
    first, second = _train(kerax.layers.GaussianNoise(0.2, seed=4), x)
    for noise in (first, second):
        assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.2) < 0.005
    assert np.corrcoef(first.ravel(), second.ravel())[0, 1] < 0.05  # a new draw every call


def test_gaussian_dropout_statistics_and_fresh_draws():
    x = np.ones((64, 256), np.float32)
    first, second = _train(kerax.layers.GaussianDropout(0.2, seed=4), x)
    for noise in (first, second):
        assert abs(noise.mean() - 1.0) < 0.01 and abs(noise.std() - np.sqrt(0.2 / 0.8)) < 0.01
    assert not np.allclose(first, second)


@pytest.mark.parametrize("layer, x, channel_axes", [
    (lambda: kerax.layers.SpatialDropout1D(0.5, seed=3), np.ones((32, 8, 64), np.float32), (0, 2)),
    (lambda: kerax.layers.SpatialDropout2D(0.5, seed=3), np.ones((16, 4, 4, 32), np.float32), (0, 3)),
    (lambda: kerax.layers.SpatialDropout2D(0.5, data_format="channels_first", seed=3),
     np.ones((16, 32, 4, 4), np.float32), (0, 1)),
    (lambda: kerax.layers.SpatialDropout3D(0.5, seed=3), np.ones((8, 2, 2, 2, 32), np.float32), (0, 4)),
], ids=["1d", "2d", "2d-channels-first", "3d"])
def test_spatial_dropout_drops_whole_channels(layer, x, channel_axes):
    first, second = _train(layer(), x)
    assert set(np.unique(first)) == {0.0, 2.0}
    spatial = tuple(i for i in range(x.ndim) if i not in channel_axes)
    # Every (sample, channel) is all kept or all dropped across its spatial positions.
    assert np.all(first.min(axis=spatial) == first.max(axis=spatial))
    assert abs((first == 0).mean() - 0.5) < 0.1
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("steps_per_execution", [1, 2])
def test_random_layers_draw_fresh_noise_at_every_fit_step(steps_per_execution):
    # Identical batches, a learning rate of 0: the per-step losses differ only through the noise.
    model = kerax.Sequential([kerax.Input((8,)), kerax.layers.GaussianNoise(1.0, seed=0), kerax.layers.Dense(1)])
    model.compile(loss="mse", optimizer=kerax.optimizers.SGD(0.0), steps_per_execution=steps_per_execution)
    x = np.ones((16, 8), np.float32)
    logged = []

    class Record(kerax.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            logged.append(logs["loss"])

    model.fit(x, np.zeros((16, 1), np.float32), batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[Record()])
    # The logged loss is the running mean: with repeated noise it would stay constant.
    assert len(logged) == 4 // steps_per_execution and len(set(np.round(logged, 6))) == len(logged)


def test_activity_regularization_adds_keras_penalty():
    _, _, losses = kerax.layers.ActivityRegularization(l1=0.01, l2=0.02).stateless_call([], [], X3,
                                                                                        return_losses=True)
    layer = keras().layers.ActivityRegularization(l1=0.01, l2=0.02)
    layer(X3)  # Keras adds activity losses in __call__ (stateless_call skips them)
    keras_losses = layer.losses
    expected = (0.01 * np.abs(X3).sum() + 0.02 * (X3 ** 2).sum()) / X3.shape[0]
    np.testing.assert_allclose(float(sum(losses)), expected, rtol=1e-5)
    np.testing.assert_allclose(float(sum(losses)), float(sum(keras_losses)), rtol=1e-5)


def test_activity_regularization_in_a_model_divides_by_the_batch_size():
    model = kerax.Sequential([kerax.Input((6,)), kerax.layers.ActivityRegularization(l2=0.5)])
    model.compile(loss="mse", optimizer="sgd")
    x = RNG.standard_normal((8, 6)).astype(np.float32)
    loss = model.evaluate(x, x, batch_size=8, verbose=0)
    np.testing.assert_allclose(loss, 0.5 * (x ** 2).sum() / 8, rtol=1e-5)


def test_regularization_layers_validate_and_configure():
    with pytest.raises(ValueError, match="GaussianDropout: argument `rate`"):
        kerax.layers.GaussianDropout(1.5)
    with pytest.raises(ValueError, match="GaussianNoise: argument `stddev`"):
        kerax.layers.GaussianNoise(-0.1)
    config = kerax.layers.SpatialDropout2D(0.3, data_format="channels_first", seed=5).get_config()
    assert config["rate"] == 0.3 and config["data_format"] == "channels_first" and config["seed"] == 5
    assert kerax.layers.ActivityRegularization(l1=0.1).get_config()["l1"] == 0.1


# -- preprocessing ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{"scale": 1 / 255.0}, {"scale": 2.0, "offset": -1.0},
                                    {"scale": np.linspace(0.5, 1.5, 6).astype(np.float32), "offset": 0.5}])
def test_rescaling(kwargs):
    assert_layer_parity(lambda: kerax.layers.Rescaling(**kwargs), lambda: keras().layers.Rescaling(**kwargs), X3,
                        training=(False,))


def test_rescaling_casts_integer_images():
    images = RNG.integers(0, 256, (2, 4, 4, 3)).astype(np.uint8)
    ours = np.asarray(kerax.layers.Rescaling(1 / 255.0)(images))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, np.asarray(keras().layers.Rescaling(1 / 255.0)(images)), rtol=1e-6)


def test_lambda():
    def make(lib):
        return lib.layers.Lambda(lambda x, power: lib.ops.tanh(x) ** power, arguments={"power": 3})

    assert_layer_parity(lambda: make(kerax), lambda: make(keras()), X3, training=(False,))


def test_lambda_gets_mask_and_training_and_sets_the_output_mask():
    seen = {}

    def fn(x, mask=None, training=None):
        seen["mask"], seen["training"] = mask, training
        return x * 2

    ids = kerax.Input((5,), dtype="int32")
    x = kerax.layers.Embedding(10, 3, mask_zero=True)(ids)
    y = kerax.layers.Lambda(fn, mask=lambda inputs, mask: mask)(x)
    assert seen["mask"] is not None and seen["training"] is False
    assert y._keras_mask is not None
    z = kerax.layers.Lambda(lambda x: x + 1)(x)
    assert z._keras_mask is None  # no `mask` argument: the mask stops, as in Keras


def test_lambda_config_names_the_function_and_does_not_rebuild_it():
    def double(x):
        return x * 2

    layer = kerax.layers.Lambda(double, output_shape=(6,))
    config = layer.get_config()
    assert config["function"].endswith("double") and config["output_shape"] == (6,)
    with pytest.raises(NotImplementedError, match="does not rebuild functions"):
        kerax.layers.Lambda.from_config(config)
    assert kerax.layers.Lambda.from_config({**config, "function": double})(np.ones((1, 6), np.float32)).shape == (1, 6)


# -- GroupNormalization, UnitNormalization -----------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {"groups": 3},
    {"groups": 2, "center": False, "epsilon": 0.1},
    {"groups": -1, "scale": False},  # instance normalization
])
def test_group_normalization(kwargs):
    assert_layer_parity(lambda: _with_random_weights(kerax, lambda lib: lib.layers.GroupNormalization(**kwargs)),
                        lambda: _with_random_weights(keras(), lambda lib: lib.layers.GroupNormalization(**kwargs)), X3)


def test_group_normalization_on_channels_first_images():
    def make(lib):
        layer = lib.layers.GroupNormalization(groups=2, axis=1)
        layer(X4)
        rng = np.random.default_rng(2)
        layer.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in layer.get_weights()])
        return layer

    assert_layer_parity(lambda: make(kerax), lambda: make(keras()), X4)


def test_group_normalization_weights_and_errors():
    layer = kerax.layers.GroupNormalization(groups=3)
    layer(X3)
    assert [v.name for v in layer.weights] == ["gamma", "beta"]
    with pytest.raises(ValueError, match="multiple of"):
        kerax.layers.GroupNormalization(groups=4)(X3)
    with pytest.raises(ValueError, match="`groups`"):
        kerax.layers.GroupNormalization(groups=0)


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_unit_normalization(axis):
    assert_layer_parity(lambda: kerax.layers.UnitNormalization(axis=axis),
                        lambda: keras().layers.UnitNormalization(axis=axis), X3, training=(False,))


def test_unit_normalization_gives_unit_norms():
    out = np.asarray(kerax.layers.UnitNormalization()(X3))
    np.testing.assert_allclose(np.linalg.norm(out, axis=-1), 1.0, rtol=1e-5)
