"""The text form: golden output, round trip, and the parser's refusals."""
import numpy as np
import pytest

import kerax
from kerax.ir import GraphBuilder, ParseError, TensorType, graphs_equal, parse, print_graph
from kerax.ir.types import canonical_dtype


def small_graph():
    b = GraphBuilder("mlp")
    x = b.add_input(TensorType((None, 4), "float32"), "input", "x")
    w = b.add_input(TensorType((4, 3), "float32", (("model",), ())), "param", "mlp/dense/kernel", True, "glorot_uniform")
    s = b.add_input(TensorType((3,), "float32"), "state", "mlp/bn/moving_mean")
    h = b.emit("matmul", [x, w])[0]
    r = b.emit("relu", [h])[0]
    m = b.emit("mean", [r], {"axis": (0,), "keepdims": False})[0]
    c = b.emit("constant", [], {"value": 0.5, "dtype": "float32"})[0]
    t = b.emit("multiply", [m, c])[0]
    parts = b.emit("split", [r], {"sections": 3, "axis": 1})
    loss = b.emit("sum", [parts[0]], {"axis": None, "keepdims": False})[0]
    return b.finish([r], ["dense"], [("mlp/bn/moving_mean", t)], [loss])


GOLDEN = '''graph "mlp"
  input %0: f32[?,4] "x"
  param %1: f32[4@model,3] "mlp/dense/kernel" trainable init="glorot_uniform"
  state %2: f32[3] "mlp/bn/moving_mean"
  %3 = matmul(%0, %1) : f32[?,3]
  %4 = relu(%3) : f32[?,3]
  %5 = mean(%4) {axis=(0,), keepdims=False} : f32[3]
  %6 = constant() {dtype="float32", value=0.5} : f32[]
  %7 = multiply(%5, %6) : f32[3]
  %8, %9, %10 = split(%4) {axis=1, sections=3} : f32[?,1], f32[?,1], f32[?,1]
  %11 = sum(%8) {axis=None, keepdims=False} : f32[]
  output "dense" = %4
  update "mlp/bn/moving_mean" = %7
  loss %11
'''


def test_golden_text():
    assert print_graph(small_graph()) == GOLDEN


def test_round_trip_is_exact():
    graph = small_graph()
    again = parse(print_graph(graph))
    assert graphs_equal(graph, again)
    assert print_graph(again) == print_graph(graph)


def test_special_float_and_string_attrs_round_trip():
    b = GraphBuilder("g")
    x = b.add_input(TensorType((2,), "float32"), "input", "x")
    y = b.emit("clip", [x], {"low": float("-inf"), "high": 1e-30})[0]
    z = b.emit("einsum", [y, y], {"subscripts": "i,i->"})[0]
    g = b.finish([z], ['name with "quotes"'])
    assert graphs_equal(parse(print_graph(g)), g)


def test_provenance_points_at_user_code():
    model = kerax.Sequential([kerax.Input((4,)), kerax.layers.Dense(3, name="head")])
    model.compile(loss="mse", optimizer="sgd")
    model.predict(np.zeros((2, 4), "float32"), verbose=0)
    graph = next(iter(model._programs.values())).graph
    layers = {n.provenance.layer for n in graph.nodes}
    assert any(layer.endswith("head") for layer in layers)
    assert all(n.provenance.source.startswith("test_text_form.py:") for n in graph.nodes if "head" in n.provenance.layer)


@pytest.mark.parametrize("text, message", [
    ('graph "g"\n  %0 = relu(%9) : f32[2]\n', "used before it is defined"),
    ('graph "g"\n  input %0: q32[2] "x"\n', "Bad type"),
    ('graph "g"\n  nonsense\n', "cannot read"),
    ('graph "g"\n  %0 = constant() {value=__import__("os")} : f32[]\n', "Not a literal"),
])
def test_parser_refuses_bad_text(text, message):
    with pytest.raises((ParseError, KeyError), match=message):
        parse(text)


def test_dtype_names():
    assert canonical_dtype(np.float32) == "float32"
    with pytest.raises(TypeError, match="Unsupported dtype"):
        canonical_dtype("str")


def constant_graph(table):
    b = GraphBuilder("c")
    x = b.add_input(TensorType((None, 256), "float32"), "input", "x")
    y = b.emit("matmul", [x, b.add_constant(table)])[0]
    z = b.emit("matmul", [y, b.add_constant(table.copy())])[0]  # the same bytes: one pool entry
    return b.finish([z], ["y"])


def test_array_constants_print_out_of_line_and_round_trip():
    table = np.arange(256 * 256, dtype=np.float32).reshape(256, 256) / 1e4
    graph = constant_graph(table)
    const = [gi for gi in graph.inputs if gi.kind == "const"]
    assert len(const) == 1 and const[0].name.startswith("#") and len(const[0].name) == 11
    text = print_graph(graph)
    assert f'const %1: f32[256,256] "{const[0].name}"' in text
    assert len(text) < 200  # the whole graph; an inline table printed 1.35 million characters
    again = parse(text, graph.constants)
    assert graphs_equal(again, graph)
    x = np.ones((2, 256), np.float32)
    from kerax.lowering import lower

    (out,), _, _ = lower(again)({}, [x])
    np.testing.assert_allclose(out, x @ table @ table, rtol=1e-5)


def test_constant_pool_mismatches_are_refused():
    table = np.ones((3, 256), np.float32)
    graph = constant_graph(np.eye(256, dtype=np.float32))
    text = print_graph(graph)
    with pytest.raises(ParseError, match="is not in the constant pool"):
        parse(text, {})
    without = parse(text)  # structure only: prints the same, cannot run
    assert print_graph(without) == text
    from kerax.lowering import lower

    with pytest.raises(ValueError, match="has no value; parse the text with `constants="):
        lower(without)
    name = graph.inputs[1].name
    from kerax.ir import VerifierError, verify

    with pytest.raises(VerifierError, match=r"declared f32\[256,256\] but holds f32\[3,256\]"):
        verify(parse(text, {name: table}))


def test_traced_array_constants_go_to_the_pool():
    from kerax.frontend.tracing import Trace

    table = np.full((256, 256), 0.5, np.float64)
    with Trace("t") as trace:
        x = trace.input((None, 256), "float32", "x")
        y = kerax.ops.matmul(x, table) + 2.0
        graph = trace.finish([y], ["y"])
    assert [gi.kind for gi in graph.inputs] == ["input", "const"]
    assert graph.inputs[1].data.dtype == np.float32  # narrowed as JAX computes
    text = print_graph(graph)
    (line,) = [line for line in text.splitlines() if line.startswith("  const ")]
    assert len(line) < 60  # the table's whole share of the text
    assert len(text) < 400  # with each node's source line
