"""The functional API, Sequential, nested and shared layers, the layer contract."""
import numpy as np
import pytest

import kerax
from kerax import layers, ops
from parity import keras

RNG = np.random.default_rng(0)


def test_multi_input_multi_output_with_dicts():
    text, meta = kerax.Input((5,), name="text"), kerax.Input((2,), name="meta")
    hidden = layers.Dense(4, activation="relu")(layers.concatenate([text, meta]))
    model = kerax.Model({"text": text, "meta": meta}, {"score": layers.Dense(1)(hidden), "label": layers.Dense(3)(hidden)})
    assert model.input_names == ["meta", "text"] and model.output_names == ["label", "score"]
    out = model.predict({"text": np.ones((2, 5), np.float32), "meta": np.ones((2, 2), np.float32)}, verbose=0)
    assert set(out) == {"score", "label"} and out["score"].shape == (2, 1) and out["label"].shape == (2, 3)


def test_shared_layer_is_one_set_of_weights():
    a, b = kerax.Input((3,)), kerax.Input((3,))
    shared = layers.Dense(2)
    model = kerax.Model([a, b], layers.subtract([shared(a), shared(b)]))
    assert len(model.weights) == 2
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict([x, x], verbose=0), 0, atol=1e-6)


def test_nested_models_and_their_weights():
    inner = kerax.Sequential([kerax.Input((4,)), layers.Dense(3, name="inner_dense")], name="inner")
    x = kerax.Input((4,))
    outer = kerax.Model(x, layers.Dense(2)(inner(x)))
    assert [w.path for w in outer.weights][:2] == ["inner/inner_dense/kernel", "inner/inner_dense/bias"]
    data = RNG.standard_normal((5, 4)).astype(np.float32)
    manual = data @ outer.get_weights()[0] + outer.get_weights()[1]
    manual = manual @ outer.get_weights()[2] + outer.get_weights()[3]
    np.testing.assert_allclose(outer.predict(data, verbose=0), manual, rtol=1e-5)
    outer.compile(optimizer="sgd", loss="mse")
    outer.fit(data, np.zeros((5, 2), np.float32), verbose=0)


def test_sequential_add_and_deferred_build():
    model = kerax.Sequential()
    model.add(layers.Dense(4))
    model.add(layers.Dense(1))
    assert not model.built
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 3), np.float32), np.ones((8, 1), np.float32), verbose=0)
    assert model.built and [w.path for w in model.weights][0] == "sequential/dense/kernel"
    assert model.layers[0].kernel.shape == (3, 4)
    model.pop()
    assert len(model.layers) == 1


def test_sequential_with_input_shape_on_its_first_layer():
    model = kerax.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(1)])
    assert model.built and model.inputs[0].shape == (None, 3)


def test_weight_order_and_count_match_keras_for_a_model():
    def build(lib):
        i = lib.Input((6,))
        h = lib.layers.BatchNormalization()(lib.layers.Dense(5)(i))
        return lib.Model(i, lib.layers.LayerNormalization()(h))

    ours, theirs = build(kerax), build(keras())
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 6
    assert len(ours.non_trainable_weights) == len(theirs.non_trainable_weights) == 2


class Scale(layers.Layer):
    """A custom layer written with kerax.ops."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return ops.tanh(x * self.w) * self.factor + ops.mean(x, axis=-1, keepdims=True)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_layer_traces_into_the_ir_and_round_trips_its_config():
    x = kerax.Input((3,))
    model = kerax.Model(x, Scale(3.0)(x))
    program = model._program([np.zeros((1, 3), np.float32)], training=False)
    assert [n.op for n in program.graph.nodes if n.op in ("tanh", "mean", "multiply")] == ["multiply", "tanh", "multiply", "mean"]
    data = RNG.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict(data, verbose=0), np.tanh(data) * 3 + data.mean(-1, keepdims=True), rtol=1e-6)
    clone = Scale.from_config(model.layers[1].get_config())
    assert clone.factor == 3.0


def test_ops_on_keras_tensors_become_layers_of_the_model():
    x = kerax.Input((4,))
    y = ops.relu(x) * 2.0 + 1.0
    model = kerax.Model(x, y)
    data = np.array([[-1.0, 0.0, 1.0, 2.0]], np.float32)
    np.testing.assert_allclose(model.predict(data, verbose=0), np.maximum(data, 0) * 2 + 1)


def test_eager_calls_compile_once_per_signature():
    dense = layers.Dense(2)
    dense(np.ones((3, 4), np.float32))
    dense(np.zeros((3, 4), np.float32))
    dense(np.zeros((5, 4), np.float32))
    assert len(dense._eager_programs) == 2
    model = kerax.Sequential([kerax.Input((4,)), dense])
    out = model(np.ones((3, 4), np.float32))
    np.testing.assert_allclose(out, dense(np.ones((3, 4), np.float32)))


def test_summary_lists_layers_shapes_and_params(capsys):
    model = kerax.Sequential([kerax.Input((4,)), layers.Dense(3, name="hidden"), layers.Dense(1)], name="tiny")
    model.summary()
    text = capsys.readouterr().out
    assert 'Model: "tiny"' in text and "hidden (Dense)" in text and "(None, 3)" in text
    assert "Total params: 19" in text and "Trainable params: 19" in text


def test_get_layer():
    model = kerax.Sequential([kerax.Input((4,)), layers.Dense(3, name="hidden")])
    assert model.get_layer("hidden") is model.layers[0] and model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match=r"No such layer: 'nope'. Existing layers are: \['hidden'\]"):
        model.get_layer("nope")


def test_on_batch_methods():
    model = kerax.Sequential([kerax.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 1), np.float32)
    before = model.test_on_batch(x, y)
    logs = model.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "mae"}
    after = model.test_on_batch(x, y)
    assert after[0] < before[0]
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x, verbose=0), rtol=1e-6)
