"""A layer's own `save_own_variables`/`load_own_variables` decide what its group of the weights
file holds, as in Keras 3: the files move both ways between kerax and Keras."""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import kerax  # noqa: E402


def _scale_layer(K):
    """The same custom layer for kerax or Keras: its weight is stored under the key "scale",
    next to an "offset" that is no variable of the layer."""

    class Scale(K.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, x):
            return x * self.scale + getattr(self, "offset", 0.0)

        def save_own_variables(self, store):
            store["scale"] = self.scale.numpy()
            store["offset"] = np.array([0.5], np.float32)

        def load_own_variables(self, store):
            assert sorted(store.keys()) == ["offset", "scale"] and len(store) == 2 and "scale" in store
            self.scale.assign(store["scale"])
            self.offset = float(store["offset"][0])

    return Scale


def _model(K):
    model = K.Sequential([K.Input((3,)), K.layers.Dense(3), _scale_layer(K)()])
    model.set_weights([np.full(w.shape, i + 2.0, np.float32) for i, w in enumerate(model.get_weights())])
    return model


X = np.arange(6, dtype=np.float32).reshape(2, 3)


@pytest.mark.parametrize("writer, reader", [(kerax, keras), (keras, kerax)])
def test_custom_hooks_write_and_read_the_layer_group_both_ways(tmp_path, writer, reader):
    path = os.fspath(tmp_path / "m.weights.h5")
    _model(writer).save_weights(path)
    with h5py.File(path, "r") as f:
        group = f["layers/scale/vars"]
        assert sorted(group) == ["offset", "scale"] and list(f["layers/dense/vars"]) == ["0", "1"]
        np.testing.assert_array_equal(group["scale"][()], np.full(3, 4.0))
    model = reader.Sequential([reader.Input((3,)), reader.layers.Dense(3), _scale_layer(reader)()])
    model.load_weights(path)
    assert model.layers[1].offset == 0.5
    expected = (X @ np.full((3, 3), 2.0) + 3.0) * 4.0 + 0.5
    np.testing.assert_allclose(np.asarray(model.predict(X, verbose=0)), expected, rtol=1e-6)


def test_the_default_hooks_are_keras_s_and_check_the_count(tmp_path):
    layer = kerax.layers.BatchNormalization()
    layer.build((None, 2))
    store = {}
    layer.save_own_variables(store)
    assert sorted(store) == ["0", "1", "2", "3"]  # gamma, beta, moving mean, moving variance
    np.testing.assert_array_equal(store["3"], np.ones(2))  # the moving variance starts at one
    store["1"] = np.full(2, 7.0, np.float32)
    layer.load_own_variables(store)
    np.testing.assert_array_equal(np.asarray(layer.beta.value), np.full(2, 7.0))
    with pytest.raises(ValueError, match="expected 4 variables, but received 3"):
        layer.load_own_variables({k: store[k] for k in "012"})


def test_a_failing_custom_load_is_skipped_with_skip_mismatch(tmp_path):
    path = os.fspath(tmp_path / "m.weights.h5")
    keras_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), keras.layers.Dense(3)])
    keras_model.save_weights(path)  # the second Dense's group holds "0" and "1", no "scale"
    model = kerax.Sequential([kerax.Input((3,)), kerax.layers.Dense(3), _scale_layer(kerax)()])
    with pytest.raises(AssertionError):
        model.load_weights(path)
    with pytest.warns(UserWarning, match="Skipping loading weights of 'layers/scale'"):
        model.load_weights(path, skip_mismatch=True)
