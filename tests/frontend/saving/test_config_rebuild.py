"""Rebuilding models from configs as Keras does: a layer whose `build` needs more than the input
shape is built by its own `build_from_config` when a model is loaded, and `from_config` takes
`custom_objects=` for classes that are not registered."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import pytest  # noqa: E402

import kerax  # noqa: E402
from kerax.saving import SavingError  # noqa: E402


def _layer_class(lib):
    class InitBuild(lib.layers.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape, layer_init):  # an extra argument: the default rebuild cannot call it
            super().build(input_shape)
            self._input_shape = input_shape
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer=layer_init)
            self.layer_init = layer_init

        def call(self, x):
            return lib.ops.matmul(x, self.w)

        def get_config(self):
            return dict(units=self.units, **super().get_config())

        def get_build_config(self):
            return {"layer_init": self.layer_init, "input_shape": self._input_shape}

        def build_from_config(self, config):
            self.build(config["input_shape"], config["layer_init"])

    return InitBuild


def _model(lib, cls):
    layer = cls()
    layer.build(input_shape=(4,), layer_init="random_normal")
    return lib.Sequential([layer, lib.layers.Dense(1)])


def test_a_keras_file_with_such_a_layer_loads_in_kerax(tmp_path):
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    theirs = _model(keras, _layer_class(keras))
    expected = theirs(x)
    theirs.save(tmp_path / "m.keras")
    ours = kerax.models.load_model(tmp_path / "m.keras", custom_objects={"InitBuild": _layer_class(kerax)})
    assert ours.built and ours.layers[0].layer_init == "random_normal"
    np.testing.assert_allclose(ours(x), expected, rtol=1e-6, atol=1e-6)


def test_kerax_round_trip_rebuilds_it_with_its_own_build_config(tmp_path):
    cls = _layer_class(kerax)
    model = _model(kerax, cls)
    x = np.ones((2, 4), "float32")
    expected = model(x)
    model.save(tmp_path / "m.keras")
    loaded = kerax.models.load_model(tmp_path / "m.keras", custom_objects={"InitBuild": cls})
    assert loaded.layers[0].layer_init == "random_normal" and loaded.layers[0].built
    np.testing.assert_allclose(loaded(x), expected, rtol=1e-6)


class Unregistered(kerax.layers.Layer):
    def __init__(self, units=2):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units))

    def call(self, x):
        return kerax.ops.matmul(x, self.w)

    def get_config(self):
        return {"units": self.units}


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_from_config_takes_custom_objects(kind):
    if kind == "functional":
        inputs = kerax.Input((4,))
        model, cls = kerax.Model(inputs, Unregistered(3)(inputs)), kerax.Model
    else:
        model, cls = kerax.Sequential([kerax.Input((4,)), Unregistered(3)]), kerax.Sequential
    config = model.get_config()
    with pytest.raises(SavingError, match="Unregistered"):
        cls.from_config(config)
    rebuilt = cls.from_config(config, custom_objects={"Unregistered": Unregistered})
    assert isinstance(rebuilt.layers[-1], Unregistered) and rebuilt.layers[-1].units == 3
    assert rebuilt(np.ones((2, 4), "float32")).shape == (2, 3)


def _square(x):
    return x**2


def test_a_registered_activation_is_saved_by_its_registered_name_and_loads(tmp_path):
    theirs_fn = keras.saving.register_keras_serializable(package="rebuild_tests", name="square")(_square)
    ours_fn = kerax.saving.register_keras_serializable(package="rebuild_tests", name="square")(_square)
    ours_dense = kerax.layers.Dense(2, activation=ours_fn)
    assert ours_dense.get_config()["activation"] == keras.layers.Dense(2, activation=theirs_fn).get_config()["activation"]
    x = np.random.default_rng(1).standard_normal((3, 4)).astype("float32")
    inputs = keras.Input((4,))
    theirs = keras.Model(inputs, keras.layers.Dense(2, activation=theirs_fn)(inputs))
    theirs.save(tmp_path / "act.keras")
    ours = kerax.models.load_model(tmp_path / "act.keras")
    assert ours.layers[-1].activation is ours_fn
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-5, atol=1e-6)


def test_layers_serialize_and_deserialize_as_keras():
    dense = kerax.layers.Dense(3, activation="relu", name="d")
    config = kerax.layers.serialize(dense)
    assert config["class_name"] == "Dense" and config == {**keras.layers.serialize(keras.layers.Dense(3, activation="relu", name="d")),
                                                          "config": config["config"]}
    again = kerax.layers.deserialize(config)
    assert isinstance(again, kerax.layers.Dense) and again.units == 3 and again.name == "d"
    custom = kerax.layers.deserialize(kerax.layers.serialize(Unregistered(5)), custom_objects={"Unregistered": Unregistered})
    assert isinstance(custom, Unregistered) and custom.units == 5
