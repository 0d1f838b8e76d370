"""clone_model against Keras 3's: the same models cloned the same way in both give the same
structure and, with the same weights, the same predictions."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kerax  # noqa: E402

@pytest.fixture(autouse=True)
def _fresh_keras_names():
    keras.utils.clear_session(free_memory=False)  # Keras's automatic layer names start again, as kerax's do


X = [np.random.default_rng(0).standard_normal((3, 4)).astype("float32"),
     np.random.default_rng(1).standard_normal((3, 4)).astype("float32")]


def _sequential(K):
    return K.Sequential([K.Input((4,), name="x"), K.layers.Dense(4, activation="tanh", name="hidden"),
                         K.layers.Dense(2, name="out")], name="stack")


def _functional(K):
    """Two inputs, two outputs, a shared layer and a nested Sequential."""
    inner = K.Sequential([K.Input((4,)), K.layers.Dense(4, activation="tanh", name="inner_dense")], name="inner")
    a, b = K.Input((4,), name="a"), K.Input((4,), name="b")
    shared = K.layers.Dense(4, name="shared")
    x, y = shared(inner(a)), shared(b)
    return K.Model([a, b], [K.layers.Add(name="add")([x, y]), K.layers.Dense(2, name="head")(y)], name="two_io")


def _structure(model):
    out = []
    for layer in model.layers:
        if isinstance(layer, (keras.Model, kerax.Model)):
            out.append((type(layer).__name__, layer.name, _structure(layer)))
        else:
            out.append((type(layer).__name__, getattr(layer, "units", None),
                        getattr(getattr(layer, "activation", None), "__name__", None)))
    return out


def _same_weights(*models):
    weights = [np.random.default_rng(i + 5).standard_normal(w.shape).astype("float32")
               for i, w in enumerate(models[0].get_weights())]
    for m in models:
        m.set_weights(weights)


def _predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]


def _compare(build, x, kwargs):
    """Clone the model built in each framework with `kwargs(K)`; both clones alike."""
    clones = {}
    for K in (keras, kerax):
        original = build(K)
        clone = K.models.clone_model(original, **kwargs(K))
        assert clone is not original and all(a is not b for a, b in zip(clone.weights, original.weights))
        clones[K.__name__] = clone
    assert _structure(clones["kerax"]) == _structure(clones["keras"])
    # (as sets: layers that call_function creates are named in call order, which may differ
    # between nodes of equal depth)
    assert {l.name for l in clones["kerax"].layers} == {l.name for l in clones["keras"].layers}
    _same_weights(clones["keras"], clones["kerax"])
    for got, want in zip(_predict(clones["kerax"], x), _predict(clones["keras"], x)):
        np.testing.assert_allclose(got, want, atol=1e-5)
    return clones["kerax"]


def _dense_relu(K, units=None):
    def clone_function(layer):
        config = layer.get_config()
        if isinstance(layer, K.layers.Dense):
            config = {**config, "activation": "relu", **({"units": units} if units else {})}
        return layer.__class__.from_config(config)

    return clone_function


def test_sequential_default_and_with_a_clone_function():
    _compare(_sequential, X[0], kwargs=lambda K: {})
    wide = _compare(_sequential, X[0], kwargs=lambda K: {"clone_function": _dense_relu(K, units=6)})
    assert [l.units for l in wide.layers] == [6, 6]


def test_sequential_on_new_input_tensors():
    clone = _compare(_sequential, X[0], kwargs=lambda K: {"input_tensors": K.Input((4,), name="fresh")})
    assert clone.inputs[0].name == "fresh"


def test_functional_keeps_shared_layers_shared_and_nested_models_whole():
    clone = _compare(_functional, X, kwargs=lambda K: {})
    assert len(clone.weights) == len(_functional(kerax).weights)  # `shared` is one layer, called twice
    assert clone.input_names == ["a", "b"]


@pytest.mark.parametrize("recursive", [False, True])
def test_functional_clone_function_reaches_nested_models_only_when_recursive(recursive):
    clone = _compare(_functional, X, kwargs=lambda K: {"clone_function": _dense_relu(K), "recursive": recursive})
    inner = next(l for l in clone.layers if l.name == "inner")
    assert inner.layers[0].activation.__name__ == ("relu" if recursive else "tanh")


def test_functional_call_function_and_input_tensors():
    def kwargs(K):
        def call_function(layer, *args, **kw):
            out = layer(*args, **kw)
            return K.layers.Dropout(0.5)(out) if isinstance(layer, K.layers.Dense) else out

        return {"call_function": call_function, "input_tensors": [K.Input((4,), name="p"), K.Input((4,), name="q")]}

    clone = _compare(_functional, X, kwargs=kwargs)
    assert [type(l).__name__ for l in clone.layers].count("Dropout") == 3  # after each Dense call
    assert clone.input_names == ["p", "q"]


def test_a_compiled_model_clones_compiled():
    model = _sequential(kerax)
    model.compile(optimizer=kerax.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    clone = kerax.models.clone_model(model)
    assert clone.compiled and clone.get_compile_config() == model.get_compile_config()
    assert clone.optimizer is not model.optimizer


def test_bad_arguments_are_keras_errors():
    with pytest.raises(ValueError, match="`call_function` argument is not supported with Sequential"):
        kerax.models.clone_model(_sequential(kerax), call_function=lambda layer, *a: layer(*a))
    with pytest.raises(ValueError, match=r"Unexpected keyword argument\(s\): \('colne_function',\)"):
        kerax.models.clone_model(_sequential(kerax), colne_function=None)
    with pytest.raises(ValueError, match="same structure as model.input"):
        kerax.models.clone_model(_functional(kerax), input_tensors=kerax.Input((4,)))
    with pytest.raises(ValueError, match="must be KerasTensors"):
        kerax.models.clone_model(_functional(kerax), input_tensors=[X[0], X[1]])
