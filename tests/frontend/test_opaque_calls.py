"""Layer calls kerax cannot trace into IR ops (raw jax.numpy, a loss object inside call) become
one opaque node that passes leave alone; keras.random with a SeedGenerator inside call draws in
the graph. Checked against hand-written JAX and against Keras 3."""
import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import kerax
from kerax.ir import parse, print_graph, verify
from kerax.lowering import lower


class RawJax(kerax.layers.Layer):
    """jax.numpy / jax.nn on the inputs, as the subclassing guide shows for backend-native code."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 4), initializer="glorot_uniform")

    def call(self, x):
        self.add_loss(jnp.mean(x ** 2))
        return jax.nn.relu(jnp.matmul(x, jnp.asarray(self.w)))


def _model():
    inputs = kerax.Input((3,))
    raw = RawJax()
    outputs = kerax.layers.Dense(2)(raw(inputs))
    return kerax.Model(inputs, outputs), raw


def test_raw_jax_in_call_is_one_opaque_node_that_passes_keep():
    model, _ = _model()
    program = model._program([np.zeros((2, 3), "float32")], training=False)
    graph, optimized = program.traced, program.graph  # before and after the pass pipeline
    ops = [node.op for node in graph.nodes]
    assert ops.count("opaque") == 1 and "matmul" in ops  # the Dense after it is still ordinary IR
    node = next(n for n in graph.nodes if n.op == "opaque")
    assert node.attr("fn") == "raw_jax.call" and len(node.inputs) == 2  # the input and the kernel
    assert node.outputs[0].type.shape == (None, 4)
    assert [n.op for n in optimized.nodes].count("opaque") == 1
    text = print_graph(optimized)
    assert 'opaque(%0, %1) {fn="raw_jax.call"' in text
    verify(parse(text))  # the text form reads back and verifies without the Python code


def test_an_opaque_node_runs_trains_and_adds_its_losses():
    model, raw = _model()
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    dense = model.layers[-1]

    def reference(w, kernel, bias):
        return jax.nn.relu(x @ w) @ kernel + bias

    w, (kernel, bias) = raw.w.numpy(), dense.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), reference(w, kernel, bias), rtol=1e-5, atol=1e-6)
    model.compile(optimizer=kerax.optimizers.SGD(0.1), loss="mse")
    y = np.zeros((16, 2), "float32")
    loss = model.evaluate(x, y, batch_size=16, verbose=0)
    expected = np.mean(reference(w, kernel, bias) ** 2) + np.mean(x ** 2)  # mse + the added loss
    np.testing.assert_allclose(loss, expected, rtol=1e-5)

    def objective(w_):
        return jnp.mean(reference(w_, kernel, bias) ** 2) + jnp.mean(x ** 2)

    model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(raw.w.numpy(), w - 0.1 * jax.grad(objective)(w), rtol=1e-5, atol=1e-6)


def test_an_opaque_graph_read_back_from_text_says_it_has_no_code():
    model, _ = _model()
    graph = parse(print_graph(model._program([np.zeros((2, 3), "float32")], training=False).graph))
    with pytest.raises(KeyError, match="no callable 'raw_jax.call'"):
        lower(graph)({}, [np.zeros((2, 3), "float32")])


def test_untraceable_code_that_fails_on_arrays_too_raises_the_users_error():
    class Broken(kerax.layers.Layer):
        def call(self, x):
            return jnp.matmul(x, jnp.ones((5, 2)))  # 3 features meet 5: wrong on arrays too

    with pytest.raises(TypeError, match="SymbolicTensor"):
        Broken()(kerax.Input((3,)))


def _endpoint_model(K):
    class LogisticEndpoint(K.layers.Layer):  # the endpoint-layer pattern of Keras's guides
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = K.losses.BinaryCrossentropy(from_logits=True)

        def call(self, targets, logits, sample_weights=None):
            self.add_loss(self.loss_fn(targets, logits, sample_weights))
            return K.ops.sigmoid(logits)

    inputs = K.Input((3,), name="inputs")
    targets = K.Input((10,), name="targets")
    weights = K.Input((1,), name="sample_weights")
    logits = K.layers.Dense(10)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits, weights)
    model = K.Model([inputs, targets, weights], predictions)
    model.compile(optimizer="adam")
    return model


def test_an_endpoint_layer_calling_a_loss_object_gives_keras_loss():
    rng = np.random.default_rng(1)
    data = {"inputs": rng.random((8, 3)).astype("float32"), "targets": rng.random((8, 10)).astype("float32"),
            "sample_weights": rng.random((8, 1)).astype("float32")}
    ours, theirs = _endpoint_model(kerax), _endpoint_model(keras)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours.evaluate(data, batch_size=8, verbose=0),
                               theirs.evaluate(data, batch_size=8, verbose=0), rtol=1e-5)
    history = ours.fit(data, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


class Sampling(kerax.layers.Layer):
    """The VAE guide's sampling layer: keras.random.normal with a SeedGenerator inside call."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = kerax.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch, dim = kerax.ops.shape(z_mean)[0], kerax.ops.shape(z_mean)[1]
        epsilon = kerax.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + kerax.ops.exp(0.5 * z_log_var) * epsilon


def test_keras_random_with_a_seed_generator_draws_in_the_graph():
    mean, log_var = kerax.Input((2,)), kerax.Input((2,))
    model = kerax.Model([mean, log_var], Sampling()([mean, log_var]))
    graph = model._program([np.zeros((2, 2), "float32")] * 2, training=False).graph
    assert "random_normal" in [n.op for n in graph.nodes] and "opaque" not in [n.op for n in graph.nodes]
    zeros = np.zeros((4096, 2), "float32")
    first = model.predict([zeros, zeros], batch_size=4096, verbose=0)
    second = model.predict([zeros + 3.0, zeros], batch_size=4096, verbose=0)
    assert first.shape == (4096, 2)
    assert abs(first.mean()) < 0.05 and abs(first.std() - 1.0) < 0.05  # standard normal draws
    assert not np.allclose(second - 3.0, first)  # the generator advanced between calls
