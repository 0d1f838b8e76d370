"""Intermediate outputs, as the Keras FAQ shows them, computing only what they need."""
import numpy as np
import pytest

import kerax
from kerax import layers

RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 4)).astype(np.float32)


def sequential():
    return kerax.Sequential([kerax.Input((4,)), layers.Dense(5, activation="relu", name="first"),
                             layers.Dense(3, name="second"), layers.Dense(2, name="third")])


def functional():
    x = kerax.Input((4,))
    h = layers.Dense(5, activation="relu", name="first")(x)
    h = layers.Dense(3, name="second")(h)
    return kerax.Model(x, layers.Dense(2, name="third")(h))


@pytest.mark.parametrize("build", [sequential, functional])
def test_every_layer_output(build):
    model = build()
    extractor = kerax.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    features = extractor.predict(X, verbose=0)
    w = model.get_weights()
    first = np.maximum(X @ w[0] + w[1], 0)
    second = first @ w[2] + w[3]
    expected = [first, second, second @ w[4] + w[5]]
    if build is functional:
        expected = [X, *expected]  # a functional model's layers start with its InputLayer
    assert len(features) == len(expected)
    for got, want in zip(features, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("build", [sequential, functional])
def test_one_named_layer_computes_only_its_part_of_the_graph(build):
    model = build()
    truncated = kerax.Model(model.input, model.get_layer("second").output)
    out = truncated.predict(X, verbose=0)
    assert out.shape == (6, 3)
    graph = truncated._program([X], training=False).graph
    assert [n.op for n in graph.nodes].count("matmul") == 2
    assert {i.name.split("/")[-2] for i in graph.inputs if i.kind == "param"} == {"first", "second"}
    assert [l.name for l in truncated.layers][-1] == "second"
