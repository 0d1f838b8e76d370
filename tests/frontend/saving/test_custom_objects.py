"""Custom objects, Lambda layers and the config-only entry points: registration, scopes,
`custom_objects=`, safe_mode, to_json/model_from_json, clone_model, skip_mismatch."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kerax  # noqa: E402
from kerax.saving import SavingError  # noqa: E402


@kerax.saving.register_keras_serializable(package="tests")
class Scale(kerax.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Shift(kerax.layers.Layer):  # not registered
    def call(self, x):
        return x + 1.0


def _model(*extra):
    x_in = kerax.Input((3,))
    x = kerax.layers.Dense(3)(x_in)
    for layer in extra:
        x = layer(x)
    return kerax.Model(x_in, x)


X = np.arange(6, dtype="float32").reshape(2, 3)


def test_registered_layer_round_trips(tmp_path):
    assert kerax.saving.get_registered_name(Scale) == "tests>Scale"
    assert kerax.saving.get_registered_object("tests>Scale") is Scale
    model = _model(Scale(3.0))
    model.layers[-1].w.assign(np.array([1.0, 2.0, 3.0], "float32"))
    model.save(tmp_path / "m.keras")
    loaded = kerax.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.layers[-1], Scale) and loaded.layers[-1].factor == 3.0
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)


def test_unregistered_layer_needs_custom_objects(tmp_path):
    model = _model(Shift())
    model.save(tmp_path / "m.keras")
    with pytest.raises(SavingError, match="Unknown class 'Shift'") as info:
        kerax.models.load_model(tmp_path / "m.keras")
    assert info.value.file == os.fspath(tmp_path / "m.keras")
    expected = model.predict(X, verbose=0)
    loaded = kerax.models.load_model(tmp_path / "m.keras", custom_objects={"Shift": Shift})
    np.testing.assert_allclose(loaded.predict(X, verbose=0), expected, atol=1e-6)
    with kerax.saving.custom_object_scope({"Shift": Shift}):
        np.testing.assert_allclose(kerax.models.load_model(tmp_path / "m.keras").predict(X, verbose=0), expected,
                                   atol=1e-6)
    with kerax.saving.CustomObjectScope({"Shift": Shift}):
        assert isinstance(kerax.models.model_from_json(model.to_json()).layers[-1], Shift)


def test_lambda_loads_only_with_safe_mode_off(tmp_path):
    model = _model(kerax.layers.Lambda(lambda x: x * 2.0 + 1.0))
    model.save(tmp_path / "m.keras")
    with pytest.raises(SavingError, match="safe_mode=False"):
        kerax.models.load_model(tmp_path / "m.keras")
    loaded = kerax.models.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    # Keras 3 applies the same rule to kerax's file, and kerax to Keras's
    with pytest.raises(ValueError):
        keras.models.load_model(tmp_path / "m.keras")
    theirs = keras.models.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_allclose(theirs.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-5)
    theirs.save(tmp_path / "k.keras")
    with pytest.raises(SavingError, match="safe_mode=False"):
        kerax.models.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(kerax.models.load_model(tmp_path / "k.keras", safe_mode=False).predict(X, verbose=0),
                               model.predict(X, verbose=0), atol=1e-5)


def test_json_and_clone_make_fresh_models():
    model = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(4, activation="relu"), kerax.layers.Dense(2)])
    for copy in (kerax.models.model_from_json(model.to_json()), kerax.models.clone_model(model)):
        assert [type(l) for l in copy.layers] == [type(l) for l in model.layers]
        assert all(a is not b for a, b in zip(copy.weights, model.weights))
        assert [w.shape for w in copy.get_weights()] == [w.shape for w in model.get_weights()]
        copy.set_weights(model.get_weights())
        np.testing.assert_allclose(copy.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    doubled = kerax.models.clone_model(model, clone_function=lambda layer: layer.__class__.from_config(
        {**layer.get_config(), "units": layer.units * 2}))
    assert [l.units for l in doubled.layers] == [8, 4]


def test_load_weights_mismatch_names_path_and_shapes(tmp_path):
    source = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(4), kerax.layers.Dense(2)])
    source.save_weights(tmp_path / "w.weights.h5")
    target = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(4), kerax.layers.Dense(5)])
    before = target.get_weights()
    with pytest.raises(SavingError, match=r"layers/dense_1/vars/0.*expected \(4, 5\), found \(4, 2\)"):
        target.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(target.get_weights(), before):  # nothing half-loaded
        np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="Skipping"):
        target.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(target.get_weights()[0], source.get_weights()[0])
    np.testing.assert_array_equal(target.get_weights()[2], before[2])


def test_get_and_set_weights_round_trip():
    model = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(4), kerax.layers.BatchNormalization()])
    weights = [np.full(w.shape, i, w.dtype) for i, w in enumerate(model.get_weights())]
    model.set_weights(weights)
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)


def _main_objects(lib, package):
    """A registered and an unregistered layer and a registered function, as if defined in a script."""

    class Plain(lib.layers.Layer):
        __module__ = "__main__"

        def call(self, x):
            return x * 2.0

    @lib.saving.register_keras_serializable(package=package)
    class Registered(lib.layers.Layer):
        __module__ = "__main__"

        def call(self, x):
            return x * 3.0

    def triple(x):
        return x * 3.0

    triple.__module__ = "__main__"
    return Plain, Registered, lib.saving.register_keras_serializable(package=package)(triple)


def test_custom_objects_of_a_script_are_written_as_keras_writes_them():
    """Keras writes module None for a class defined in `__main__`, registered or not, and
    "builtins" for every function."""
    written = {}
    for lib in (kerax, keras):
        plain, registered, function = _main_objects(lib, "MainScript")
        configs = [lib.saving.serialize_keras_object(obj) for obj in (plain(), registered(), function)]
        written[lib.__name__] = [{k: c[k] for k in ("module", "class_name", "registered_name")} for c in configs]
    assert written["kerax"] == written["keras"]
    assert [c["module"] for c in written["kerax"]] == [None, None, "builtins"]
    plain, _, _ = _main_objects(kerax, "MainScriptAgain")
    again = kerax.saving.deserialize_keras_object(kerax.saving.serialize_keras_object(plain()),
                                                  custom_objects={"Plain": plain})
    assert type(again) is plain
