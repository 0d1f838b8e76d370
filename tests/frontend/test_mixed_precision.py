"""Mixed precision against Keras 3: dtype policies (global and per layer), float32 variables
read through IR `cast` ops, float16/bfloat16 compute, LossScaleOptimizer added for
mixed_float16, and training that follows Keras's numbers to float16 rounding."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
import pytest

import kerax
from kerax.frontend.models.programs import trace_model
from kerax.ir import print_graph

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 6)).astype("float32")
Y = RNG.normal(size=(32, 2)).astype("float32")
IMAGES = RNG.normal(size=(8, 6, 6, 2)).astype("float32")
# float16 keeps 11 significant bits: agreement to a few float16 ulps is Keras's numerics.
TOL = {"mixed_float16": 2e-3, "mixed_bfloat16": 2e-2}


@pytest.fixture
def policy(request):
    """Set the same global policy in kerax and Keras for one test."""
    for lib in (kerax, keras):
        lib.config.set_dtype_policy(request.param)
    yield request.param
    keras.config.set_dtype_policy("float32")  # kerax's is reset by clear_session


@pytest.mark.parametrize("name", ["mixed_float16", "mixed_bfloat16", "float32", "float16", "bfloat16"])
def test_policies_match_keras(name):
    ours, theirs = kerax.DTypePolicy(name), keras.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype) == (theirs.name, theirs.compute_dtype,
                                                                    theirs.variable_dtype)
    assert ours.get_config() == theirs.get_config() and repr(ours) == repr(theirs)
    assert kerax.mixed_precision.Policy(name) == ours
    assert kerax.dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)


def test_policy_errors_name_the_argument():
    with pytest.raises(ValueError, match="'mixed_float16'"):
        kerax.DTypePolicy("mixed_int3")
    with pytest.raises(TypeError, match="'name' must be a string"):
        kerax.DTypePolicy(16)
    with pytest.raises(ValueError, match="`policy`"):
        kerax.config.set_dtype_policy(3.5)


def _model(lib, conv=False):
    if conv:
        return lib.Sequential([lib.Input((6, 6, 2)), lib.layers.Conv2D(3, 3, activation="relu"),
                               lib.layers.Flatten(), lib.layers.Dense(2, dtype="float32")])
    return lib.Sequential([lib.Input((6,)), lib.layers.Dense(8, activation="relu"),
                           lib.layers.Dense(2, dtype="float32")])


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
@pytest.mark.parametrize("conv", [False, True], ids=["dense", "conv"])
def test_global_policy_layers_and_forward_match_keras(policy, conv):
    ours, theirs = _model(kerax, conv), _model(keras, conv)
    for a, b in zip(ours.layers, theirs.layers):
        assert (a.dtype, a.compute_dtype, a.variable_dtype) == (b.dtype, b.compute_dtype, b.variable_dtype)
        assert a.dtype_policy == kerax.DTypePolicy(b.dtype_policy.name)
    assert [w.dtype for w in ours.weights] == [w.dtype for w in theirs.weights] == ["float32"] * 4
    ours.set_weights(theirs.get_weights())
    x = IMAGES if conv else X
    hidden = ours.layers[0](x)
    assert str(hidden.dtype) == str(theirs.layers[0](x).dtype) == policy.removeprefix("mixed_")
    got, want = ours.predict(x, verbose=0), theirs.predict(x, verbose=0)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=TOL[policy], atol=TOL[policy])


def test_per_layer_policy_under_float32():
    ours = kerax.layers.Dense(3, dtype="mixed_bfloat16")
    theirs = keras.layers.Dense(3, dtype="mixed_bfloat16")
    assert (ours.dtype, ours.compute_dtype) == (theirs.dtype, theirs.compute_dtype) == ("float32", "bfloat16")
    ours.build((None, 6))
    theirs.build((None, 6))
    ours.set_weights(theirs.get_weights())
    out = ours(X)
    assert str(out.dtype) == "bfloat16" and ours.kernel.dtype == "float32"
    np.testing.assert_allclose(np.asarray(out, "float32"), np.asarray(theirs(X), "float32"), rtol=2e-2, atol=2e-2)
    assert kerax.layers.Dense.from_config(ours.get_config()).compute_dtype == "bfloat16"


def test_casts_are_ir_ops():
    kerax.config.set_dtype_policy("mixed_float16")
    model = _model(kerax)
    graph, _ = trace_model(model, ((tuple(model.inputs[0].shape), "float32"),), training=False)
    text = print_graph(graph)
    casts = [n for n in graph.nodes if n.op == "cast"]
    params = [i.value for i in graph.inputs if i.kind == "param"]
    assert len(params) == 4 and all(v.type.dtype == "float32" for v in params)
    # The input and the two float32 variables of the first Dense are cast to float16; the last
    # Dense (float32 policy) casts its float16 input back and reads its variables as they are,
    # as Keras's jaxpr of the same model shows.
    assert [n.attr("dtype") for n in casts] == ["float16"] * 3 + ["float32"]
    assert [n.inputs[0] for n in casts[1:3]] == params[:2]
    assert "cast" in text and "f16" in text


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
def test_fit_matches_keras(policy):
    ours, theirs = _model(kerax), _model(keras)
    ours.set_weights(theirs.get_weights())
    ours.compile(kerax.optimizers.SGD(0.1), "mse")
    theirs.compile(keras.optimizers.SGD(0.1), "mse")
    wrapped = policy == "mixed_float16"  # Keras adds dynamic loss scaling for float16 only
    assert isinstance(ours.optimizer, kerax.optimizers.LossScaleOptimizer) is wrapped
    assert isinstance(theirs.optimizer, keras.optimizers.LossScaleOptimizer) is wrapped
    got = ours.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    want = theirs.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, want, rtol=TOL[policy])
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=TOL[policy], atol=TOL[policy])
    assert [v.name for v in ours.optimizer.variables] == [v.name for v in theirs.optimizer.variables]
    for a, b in zip(ours.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a.value), np.asarray(b.value), rtol=TOL[policy], atol=TOL[policy])


def test_loss_scale_optimizer_skips_overflowing_steps_in_fit():
    kerax.config.set_dtype_policy("mixed_float16")
    model = _model(kerax)
    model.compile(kerax.optimizers.SGD(0.1), "mse")
    before = model.get_weights()
    model.fit(X[:8], Y[:8] * 1e5, batch_size=8, epochs=1, verbose=0)  # float16 gradients overflow
    scale = model.optimizer.dynamic_scale.numpy()
    assert scale == 2.0 ** 14  # halved once
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # the step was skipped
