"""A layer whose `build` needs more than the input shape is rebuilt by its own
`build_from_config` when a model is loaded, as Keras's deserialization does."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kerax  # noqa: E402


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
