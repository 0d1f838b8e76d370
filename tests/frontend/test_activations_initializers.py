"""Activations, initializers, regularizers and constraints, by object and by string, against
Keras 3: values and gradients where Keras's numbers are defined, the distributions' statistics
where they are random (Keras's random streams differ, so values are not compared)."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerax
from parity import assert_layer_parity, keras

RNG = np.random.default_rng(0)
X = (RNG.standard_normal((4, 6)) * 3).astype(np.float32)  # wide enough to reach every branch
COT = RNG.standard_normal((4, 6)).astype(np.float32)


# -- activations -------------------------------------------------------------------------------------------
ACTIVATIONS = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "mish", "softplus", "softsign",
               "tanh", "sigmoid", "hard_sigmoid", "softmax", "log_softmax", "linear", "exponential", "hard_silu",
               "log_sigmoid", "hard_tanh", "tanh_shrink", "celu", "squareplus", "soft_shrink", "hard_shrink"]


def _value_and_grad(fn, x):
    value = fn(x)
    grad = jax.grad(lambda x: jnp.sum(fn(x) * COT))(x)
    return np.asarray(value), np.asarray(grad)


def _assert_same_function(ours, theirs, x=X):
    v1, g1 = _value_and_grad(ours, jnp.asarray(x))
    v2, g2 = _value_and_grad(theirs, jnp.asarray(x))
    np.testing.assert_allclose(v1, v2, atol=1e-5, rtol=1e-5, err_msg="values differ")
    np.testing.assert_allclose(g1, g2, atol=1e-5, rtol=1e-5, err_msg="gradients differ")


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_by_string(name):
    _assert_same_function(kerax.activations.get(name), keras().activations.get(name))


@pytest.mark.parametrize("make", [
    lambda lib: lambda x: lib.activations.gelu(x, approximate=True),
    lambda lib: lambda x: lib.activations.gelu(x, approximate=False),
    lambda lib: lambda x: lib.activations.relu(x, negative_slope=0.1),
    lambda lib: lambda x: lib.activations.relu(x, max_value=6.0),
    lambda lib: lambda x: lib.activations.relu(x, max_value=2.5, threshold=0.5),
    lambda lib: lambda x: lib.activations.relu(x, negative_slope=0.3, max_value=4.0, threshold=1.0),
    lambda lib: lambda x: lib.activations.leaky_relu(x, negative_slope=0.05),
    lambda lib: lambda x: lib.activations.elu(x, alpha=0.4),
    lambda lib: lambda x: lib.activations.softmax(x, axis=0),
    lambda lib: lambda x: lib.activations.log_softmax(x, axis=0),
    lambda lib: lambda x: lib.activations.celu(x, alpha=2.0),
], ids=["gelu-approximate", "gelu-exact", "relu-slope", "relu-max6", "relu-max-threshold", "relu-all", "leaky-0.05",
        "elu-0.4", "softmax-axis0", "log_softmax-axis0", "celu-2"])
def test_activation_arguments(make):
    _assert_same_function(make(kerax), make(keras()))


def test_activation_objects_and_configs():
    assert kerax.activations.get(kerax.activations.mish) is kerax.activations.mish
    assert kerax.activations.get(None) is kerax.activations.linear
    config = keras().activations.serialize(keras().activations.get("swish"))
    assert kerax.activations.get({"class_name": "function", "config": config}) is kerax.activations.silu
    assert kerax.activations.serialize(kerax.activations.get("swish")) == config
    with pytest.raises(ValueError, match="Unknown activation 'nope'"):
        kerax.activations.get("nope")


@pytest.mark.parametrize("name", ["relu", "gelu", "softmax"])
def test_activation_layer_by_string(name):
    x = RNG.standard_normal((4, 5, 6)).astype(np.float32)
    assert_layer_parity(lambda: kerax.layers.Activation(name), lambda: keras().layers.Activation(name), x,
                        training=(False,))


def test_activation_layer_by_object():
    x = RNG.standard_normal((4, 5, 6)).astype(np.float32)
    assert_layer_parity(lambda: kerax.layers.Activation(kerax.activations.softsign),
                        lambda: keras().layers.Activation(keras().activations.softsign), x, training=(False,))


def test_dense_activation_by_string():
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    assert_layer_parity(lambda: kerax.layers.Dense(3, activation="silu"),
                        lambda: keras().layers.Dense(3, activation="silu"), x, training=(False,))


# -- initializers ------------------------------------------------------------------------------------------
SHAPE = (256, 128)
FAN_IN, FAN_OUT = SHAPE


def _variance_scaling_std(scale, mode, shape=SHAPE):
    fan_in, fan_out = kerax.initializers.compute_fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    return math.sqrt(scale / fan)


# name: (expected std, bound on |w| or None)
STATISTICS = {
    "glorot_uniform": (_variance_scaling_std(1, "fan_avg"), math.sqrt(6 / (FAN_IN + FAN_OUT))),
    "glorot_normal": (_variance_scaling_std(1, "fan_avg"), 2 * _variance_scaling_std(1, "fan_avg") / 0.8796),
    "he_uniform": (_variance_scaling_std(2, "fan_in"), math.sqrt(6 / FAN_IN)),
    "he_normal": (_variance_scaling_std(2, "fan_in"), 2 * _variance_scaling_std(2, "fan_in") / 0.8796),
    "lecun_uniform": (_variance_scaling_std(1, "fan_in"), math.sqrt(3 / FAN_IN)),
    "lecun_normal": (_variance_scaling_std(1, "fan_in"), 2 * _variance_scaling_std(1, "fan_in") / 0.8796),
    "random_normal": (0.05, None),
    "random_uniform": (0.1 / math.sqrt(12), 0.05),
    "truncated_normal": (0.05 * 0.8796, 0.1),
    "variance_scaling": (_variance_scaling_std(1, "fan_in"), 2 * _variance_scaling_std(1, "fan_in") / 0.8796),
}
CLASSES = {"glorot_uniform": "GlorotUniform", "glorot_normal": "GlorotNormal", "he_uniform": "HeUniform",
           "he_normal": "HeNormal", "lecun_uniform": "LecunUniform", "lecun_normal": "LecunNormal",
           "random_normal": "RandomNormal", "random_uniform": "RandomUniform", "truncated_normal": "TruncatedNormal",
           "variance_scaling": "VarianceScaling"}


def _assert_statistics(w, std, bound, what):
    w = np.asarray(w, np.float64)
    assert abs(w.mean()) < 4 * std / math.sqrt(w.size), f"{what}: mean {w.mean()}"
    assert abs(w.std() / std - 1) < 0.03, f"{what}: std {w.std()} expected {std}"
    if bound is not None:
        assert np.abs(w).max() <= bound * (1 + 1e-6), f"{what}: max |w| {np.abs(w).max()} beyond {bound}"
        assert np.abs(w).max() > 0.95 * bound, f"{what}: draws do not reach the bound {bound}"


@pytest.mark.parametrize("name", sorted(STATISTICS))
def test_random_initializer_statistics_by_string_and_object(name):
    std, bound = STATISTICS[name]
    by_string = kerax.initializers.get(name)(SHAPE)
    by_object = getattr(kerax.initializers, CLASSES[name])(seed=7)(SHAPE)
    theirs = keras().initializers.get(name)(SHAPE)
    for what, w in (("by string", by_string), ("by object", by_object), ("keras", theirs)):
        assert w.shape == SHAPE and str(w.dtype) == "float32"
        _assert_statistics(w, std, bound, f"{name} {what}")


@pytest.mark.parametrize("scale, mode, distribution", [
    (2.0, "fan_out", "uniform"), (0.5, "fan_avg", "untruncated_normal"), (1.0, "fan_in", "normal")])
def test_variance_scaling_options_on_a_conv_kernel(scale, mode, distribution):
    shape = (3, 3, 16, 32)  # fans include the receptive field: 144 in, 288 out
    std = _variance_scaling_std(scale, mode, shape)
    # Keras reads "normal" as "truncated_normal".
    bound = {"uniform": math.sqrt(3) * std, "untruncated_normal": None, "normal": 2 * std / 0.8796}[distribution]
    ours = kerax.initializers.VarianceScaling(scale, mode, distribution, seed=1)(shape)
    theirs = keras().initializers.VarianceScaling(scale, mode, distribution, seed=1)(shape)
    _assert_statistics(ours, std, bound, "kerax")
    _assert_statistics(theirs, std, bound, "keras")


def test_orthogonal():
    for shape, gain in (((64, 32), 1.0), ((32, 64), 2.0), ((3, 3, 8, 16), 1.0)):
        ours = np.asarray(kerax.initializers.get({"class_name": "Orthogonal", "config": {"gain": gain}})(shape))
        flat = ours.reshape(-1, shape[-1])
        small = min(flat.shape)
        gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
        np.testing.assert_allclose(gram, gain ** 2 * np.eye(small), atol=1e-4)
        theirs = np.asarray(keras().initializers.Orthogonal(gain=gain)(shape)).reshape(-1, shape[-1])
        np.testing.assert_allclose(np.linalg.norm(flat), np.linalg.norm(theirs), rtol=1e-4)


@pytest.mark.parametrize("name, kwargs", [("zeros", {}), ("ones", {}), ("constant", {"value": 2.5}),
                                          ("identity", {"gain": 3.0})])
def test_deterministic_initializers_equal_keras(name, kwargs):
    for shape in ((4, 6), (5, 5)):
        ours = kerax.initializers.get({"class_name": CLASSES.get(name, name.capitalize()), "config": kwargs})(shape)
        theirs = keras().initializers.get({"class_name": name.capitalize(), "config": kwargs})(shape)
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    assert np.asarray(kerax.initializers.get(name)((2, 2))).shape == (2, 2)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("name", ["glorot_uniform", "he_normal", "orthogonal", "zeros", "random_uniform"])
def test_initializer_dtypes(name, dtype):
    w = kerax.initializers.get(name)((8, 4), dtype=dtype)
    assert str(w.dtype) == dtype and w.shape == (8, 4)


def test_seeded_initializers_repeat_and_unseeded_ones_differ():
    a, b = kerax.initializers.HeNormal(seed=3)((8, 8)), kerax.initializers.HeNormal(seed=3)((8, 8))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    kerax.utils.set_random_seed(0)
    c, d = kerax.initializers.get("he_normal")((8, 8)), kerax.initializers.get("he_normal")((8, 8))
    assert not np.array_equal(np.asarray(c), np.asarray(d))


def test_initializer_configs_round_trip_through_keras():
    for ours in (kerax.initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=4),
                 kerax.initializers.GlorotNormal(seed=1), kerax.initializers.Constant(1.5),
                 kerax.initializers.TruncatedNormal(0.1, 0.2, seed=2)):
        config = kerax.initializers.serialize(ours)
        theirs = keras().initializers.get({"class_name": config["class_name"], "config": config["config"]})
        assert type(theirs).__name__ == type(ours).__name__
        assert kerax.initializers.get(config).get_config() == ours.get_config()


def test_initializer_in_a_layer_by_string_and_object():
    x = np.ones((2, 256), np.float32)
    for init in ("he_uniform", kerax.initializers.HeUniform(seed=5)):
        layer = kerax.layers.Dense(128, kernel_initializer=init, bias_initializer="ones")
        layer(x)
        kernel, bias = layer.get_weights()
        _assert_statistics(kernel, *STATISTICS["he_uniform"], what=f"Dense kernel {init}")
        np.testing.assert_array_equal(bias, np.ones(128))


def test_initializer_errors_name_what_was_expected():
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'"):
        kerax.initializers.get("glorot")
    with pytest.raises(ValueError, match="`mode`"):
        kerax.initializers.VarianceScaling(mode="fan_middle")
    with pytest.raises(ValueError, match="shape"):
        kerax.initializers.get(np.ones((2, 2)))((3, 3))


# -- regularizers ------------------------------------------------------------------------------------------
W = RNG.standard_normal((6, 4)).astype(np.float32)


@pytest.mark.parametrize("make", [
    lambda lib: lib.regularizers.get("l1"),
    lambda lib: lib.regularizers.get("l2"),
    lambda lib: lib.regularizers.get("l1l2"),
    lambda lib: lib.regularizers.get({"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.02}}),
    lambda lib: lib.regularizers.L1(0.3),
    lambda lib: lib.regularizers.L2(0.2),
    lambda lib: lib.regularizers.L1L2(l1=0.1, l2=0.05),
    lambda lib: lib.regularizers.l1_l2(l2=0.05),
    lambda lib: lib.regularizers.OrthogonalRegularizer(0.1),
    lambda lib: lib.regularizers.OrthogonalRegularizer(0.2, mode="columns"),
], ids=["l1", "l2", "l1l2", "config", "L1", "L2", "L1L2", "l1_l2-l2", "orthogonal", "orthogonal-columns"])
def test_regularizer_penalty_equals_keras(make):
    ours, theirs = make(kerax), make(keras())
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    assert type(ours).__name__ == type(theirs).__name__ and set(ours_config) == set(theirs_config)
    for key, value in theirs_config.items():  # Keras keeps some factors as float32 tensors
        assert ours_config[key] == (pytest.approx(value, rel=1e-6) if isinstance(value, float) else value)
    w = jnp.asarray(W)  # (Keras's OrthogonalRegularizer mishandles NumPy columns)
    np.testing.assert_allclose(np.asarray(ours(w)), np.asarray(theirs(w)), rtol=1e-6, atol=1e-7)
    g_ours = jax.grad(lambda w: ours(w))(jnp.asarray(W))
    g_theirs = jax.grad(lambda w: theirs(w))(jnp.asarray(W))
    np.testing.assert_allclose(np.asarray(g_ours), np.asarray(g_theirs), rtol=1e-5, atol=1e-7)


def test_regularizer_arguments_are_validated():
    with pytest.raises(ValueError, match="`l2` must be a finite number >= 0"):
        kerax.regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'"):
        kerax.regularizers.get("l3")


def _regularized_model(lib, **dense_kwargs):
    model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(3, **dense_kwargs)])
    model.compile(loss="mse", optimizer="sgd")
    return model


def test_model_loss_is_data_loss_plus_keras_penalty():
    x = RNG.standard_normal((16, 6)).astype(np.float32)
    y = RNG.standard_normal((16, 3)).astype(np.float32)
    ours = _regularized_model(kerax, kernel_regularizer="l2", bias_regularizer=kerax.regularizers.L1(0.1),
                              bias_initializer="ones")
    theirs = _regularized_model(keras(), kernel_regularizer="l2", bias_regularizer=keras().regularizers.L1(0.1),
                                bias_initializer="ones")
    ours.set_weights(theirs.get_weights())
    kernel, bias = ours.get_weights()
    data_loss = np.mean((ours.predict(x, verbose=0) - y) ** 2)
    penalty = 0.01 * np.sum(kernel ** 2) + 0.1 * np.sum(np.abs(bias))
    loss = ours.evaluate(x, y, batch_size=16, verbose=0)
    np.testing.assert_allclose(loss, data_loss + penalty, rtol=1e-5)
    np.testing.assert_allclose(loss, theirs.evaluate(x, y, batch_size=16, verbose=0), rtol=1e-5)


# -- constraints --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda lib: lib.constraints.get("max_norm"),
    lambda lib: lib.constraints.MaxNorm(1.5, axis=1),
    lambda lib: lib.constraints.get("non_neg"),
    lambda lib: lib.constraints.get("unit_norm"),
    lambda lib: lib.constraints.UnitNorm(axis=[0, 1]),
    lambda lib: lib.constraints.get("min_max_norm"),
    lambda lib: lib.constraints.MinMaxNorm(0.5, 2.0, rate=0.5, axis=1),
    lambda lib: lib.constraints.get({"class_name": "MaxNorm", "config": {"max_value": 0.5, "axis": 0}}),
], ids=["max_norm", "MaxNorm-axis1", "non_neg", "unit_norm", "UnitNorm-axes", "min_max_norm", "MinMaxNorm-rate",
        "config"])
def test_constraint_equals_keras(make):
    ours, theirs = make(kerax), make(keras())
    assert ours.get_config() == theirs.get_config()
    w = W * 2
    np.testing.assert_allclose(np.asarray(ours(w)), np.asarray(theirs(w)), rtol=1e-6, atol=1e-7)


def _constrained(lib, constraint):
    model = lib.Sequential([lib.Input((6,)), lib.layers.Dense(4, kernel_constraint=constraint)])
    model.compile(loss="mse", optimizer=lib.optimizers.SGD(0.5))
    return model


@pytest.mark.parametrize("constraint", ["non_neg", "max_norm"])
def test_constraint_is_applied_after_each_fit_step_as_keras(constraint):
    x = RNG.standard_normal((32, 6)).astype(np.float32)
    y = (RNG.standard_normal((32, 4)) * 10).astype(np.float32)  # large targets: big steps past the constraint
    ours, theirs = _constrained(kerax, constraint), _constrained(keras(), constraint)
    start = [np.abs(w) * 2 for w in theirs.get_weights()]  # non-negative, and columns of norm above 2
    ours.set_weights(start)
    theirs.set_weights(start)
    ours.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    theirs.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    kernel = ours.get_weights()[0]
    if constraint == "non_neg":
        assert kernel.min() >= 0 and (kernel == 0).any()
    else:
        assert np.linalg.norm(kernel, axis=0).max() <= 2 + 1e-5
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
