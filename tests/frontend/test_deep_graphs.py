"""Models deeper than Python's recursion limit build, trace, optimize, run and train: no graph
walk recurses once per layer. (XLA's compile time grows with the ops; the deep parts here are
layers XLA has no work for, or run op by op, so the tests stay fast.)"""
import sys

import numpy as np

import kerax
from kerax.frontend.models.programs import input_signature, trace_model
from kerax.lowering import lower
from kerax.passes import PassManager, default_pipeline

DEPTH = 3000  # layers: three times the default recursion limit


def test_sequential_deeper_than_the_recursion_limit_trains_a_step():
    assert DEPTH > sys.getrecursionlimit()
    model = kerax.Sequential([kerax.Input((2,)), kerax.layers.Dense(2, kernel_initializer="identity")]
                             + [kerax.layers.Identity() for _ in range(DEPTH)])
    assert len(model.layers) == DEPTH + 1 and len(model.weights) == 2
    model.compile(optimizer=kerax.optimizers.SGD(0.1), loss="mse")
    x = np.array([[1.0, 2.0]] * 4, np.float32)
    first = float(model.train_on_batch(x, np.zeros_like(x)))
    second = float(model.train_on_batch(x, np.zeros_like(x)))
    np.testing.assert_allclose(first, 2.5, rtol=1e-6)  # mean((x @ I)^2) before the first update
    assert second < first


def test_residual_graph_deeper_than_the_recursion_limit_traces_optimizes_and_runs():
    x = kerax.Input((3,))
    h, dense = x, []
    for _ in range(DEPTH // 2):
        dense.append(kerax.layers.Dense(3, kernel_initializer=kerax.initializers.RandomNormal(stddev=0.01)))
        h = kerax.layers.Add()([h, dense[-1](h)])
    model = kerax.Model(x, h)
    assert len(model.layers) == DEPTH + 1  # and the Input
    assert [l.name for l in model.layers[1:3]] == [dense[0].name, model.layers[2].name]

    graph, trace = trace_model(model, input_signature([np.zeros((2, 3), np.float32)]), training=True)
    optimized = PassManager(default_pipeline(), verify_each=True).run(graph)
    assert sum(node.op == "matmul" for node in optimized.nodes) == DEPTH // 2

    data = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    variables = {trace.names[v]: v.value for v in trace.reads}
    (out,), _, _ = lower(optimized)(variables, [data])
    expected = data
    for layer in dense:  # the same math in NumPy
        expected = expected + expected @ np.asarray(layer.kernel.value) + np.asarray(layer.bias.value)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-4, atol=1e-5)
