"""The opaque op: result types from its `results` attr, its code out of line in the graph's
callables, never merged by CSE, and checked by the verifier like any other node."""
import jax.numpy as jnp
import numpy as np
import pytest

from kerax.ir import GraphBuilder, Node, TensorType, Value, VerifierError, parse, print_graph, verify
from kerax.lowering import lower
from kerax.passes import cse


def _graph():
    b = GraphBuilder("g")
    x = b.add_input(TensorType((None, 3), "float32"), "input", "x")
    results = (("float32", (None, 3)),)
    first = b.add_callable("user.call", lambda a: jnp.sin(a) * 2)
    second = b.add_callable("user.call", lambda a: jnp.sin(a) * 2)
    (y,) = b.emit("opaque", (x,), {"fn": first, "results": results})
    (z,) = b.emit("opaque", (x,), {"fn": second, "results": results})
    return b.finish([y, z], ["y", "z"]), (first, second)


def test_opaque_nodes_lower_to_their_callables_and_print_their_names():
    graph, names = _graph()
    assert names == ("user.call", "user.call#2")
    x = np.linspace(0, 1, 6, dtype="float32").reshape(2, 3)
    (y, z), _, _ = lower(graph)({}, [x])
    np.testing.assert_allclose(y, np.sin(x) * 2, rtol=1e-6)
    text = print_graph(graph)
    assert '= opaque(%0) {fn="user.call#2", results=(("float32", (None, 3)),)} : f32[?,3]' in text
    assert print_graph(parse(text)) == text


def test_cse_never_merges_opaque_nodes():
    graph, _ = _graph()
    assert [n.op for n in cse(graph).nodes] == ["opaque", "opaque"]


def test_verifier_rejects_a_result_type_the_attr_does_not_declare():
    graph, _ = _graph()
    node = graph.nodes[0]
    bad = Node(node.op, node.inputs, node.attrs, (Value(TensorType((None, 4), "float32")),), node.provenance)
    broken = graph.replace(nodes=(bad, graph.nodes[1]), outputs=(bad.outputs[0], graph.outputs[1]))
    with pytest.raises(VerifierError, match="Result 0 of 'opaque' is declared f32\\[\\?,4\\] but the op gives f32\\[\\?,3\\]"):
        verify(broken)
