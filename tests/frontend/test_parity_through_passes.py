"""The Keras parity harness runs layers through the compiler: trace, every pass of the default
pipeline with verification, lowering. A pass that breaks numerics fails the existing parity tests."""
import numpy as np
import pytest

import kerax
from kerax.frontend.layers import eager
from kerax.ir import Node
from kerax.passes import Pass
from parity import assert_layer_parity, keras

X = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)


def with_pass(monkeypatch, extra):
    seen = []
    original = eager.default_pipeline

    def pipeline(context=None):
        def recorded(graph, context):
            seen.append(context.mode)
            return extra(graph, context)

        return [*original(context), Pass("extra", recorded, "a pass under test")]

    monkeypatch.setattr(eager, "default_pipeline", pipeline)
    return seen


def test_a_correct_pass_is_run_in_both_modes(monkeypatch):
    seen = with_pass(monkeypatch, lambda graph, context: graph)
    assert_layer_parity(kerax.layers.BatchNormalization, lambda: keras().layers.BatchNormalization(), X)
    assert {"train", "predict"} <= set(seen)


def test_a_pass_that_breaks_numerics_fails_parity(monkeypatch):
    def add_becomes_subtract(graph, context):
        return graph.replace(nodes=tuple(Node("subtract" if n.op == "add" else n.op, n.inputs, n.attrs, n.outputs,
                                              n.provenance) for n in graph.nodes))

    with_pass(monkeypatch, add_becomes_subtract)
    with pytest.raises(AssertionError, match="differ"):  # Keras starts the bias at zero: the gradients show it
        assert_layer_parity(lambda: kerax.layers.Dense(3), lambda: keras().layers.Dense(3), X)
