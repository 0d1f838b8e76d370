"""Nested graphs: a value_and_grad node holding the forward-and-loss region prints, parses back,
verifies, goes through every pass, and computes what jax.value_and_grad computes."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerax.ir import GraphBuilder, ParseError, TensorType, VerifierError, graphs_equal, parse, print_graph, verify
from kerax.lowering import lower
from kerax.passes import PassContext, PassManager, default_pipeline

F = "float32"
RNG = np.random.default_rng(0)
W = RNG.standard_normal((4, 3)).astype(np.float32)
X = RNG.standard_normal((5, 4)).astype(np.float32)
Y = RNG.standard_normal((5, 3)).astype(np.float32)


def loss_region(waste=False):
    """mean((relu(x @ w) * table - y) ** 2), with y_pred as aux; `waste` adds a dead node."""
    b = GraphBuilder("loss")
    w = b.add_input(TensorType((4, 3), F), "input", "dense/kernel")
    x = b.add_input(TensorType((None, 4), F), "input", "x")
    y = b.add_input(TensorType((None, 3), F), "input", "y")
    h = b.emit("relu", [b.emit("matmul", [x, w])[0]])[0]
    if waste:
        b.emit("tanh", [h])
    pred = b.emit("multiply", [h, b.add_constant(np.full((3,), 2.0, np.float32))])[0]
    d = b.emit("subtract", [pred, y])[0]
    loss = b.emit("mean", [b.emit("square", [d])[0]], {"axis": None, "keepdims": False})[0]
    return b.finish([loss, pred], ["loss", "y_pred"])


def step_graph(waste=False):
    b = GraphBuilder("train_step")
    x = b.add_input(TensorType((None, 4), F), "input", "x")
    y = b.add_input(TensorType((None, 3), F), "input", "y")
    w = b.add_input(TensorType((4, 3), F), "param", "dense/kernel", True)
    loss, pred, grad = b.emit("value_and_grad", [w, x, y], {"body": loss_region(waste), "wrt": (0,)})
    lr = b.emit("constant", [], {"value": 0.1, "dtype": F})[0]
    new_w = b.emit("subtract", [w, b.emit("multiply", [grad, lr])[0]])[0]
    return b.finish([loss, pred], ["loss", "y_pred"], [("dense/kernel", new_w)])


def reference():
    def loss_of(w):
        pred = jax.nn.relu(X @ w) * 2.0
        return jnp.mean((pred - Y) ** 2), pred

    (loss, pred), grad = jax.value_and_grad(loss_of, has_aux=True)(W)
    return loss, pred, W - 0.1 * grad


def test_value_and_grad_computes_what_jax_computes():
    (loss, pred), updates, _ = jax.jit(lower(step_graph()))({"dense/kernel": W}, [X, Y])
    want_loss, want_pred, want_w = reference()
    np.testing.assert_allclose(loss, want_loss, rtol=1e-6)
    np.testing.assert_allclose(pred, want_pred, rtol=1e-6)
    np.testing.assert_allclose(updates["dense/kernel"], want_w, rtol=1e-6)


def test_the_region_prints_below_its_node_and_round_trips():
    graph = step_graph()
    text = print_graph(graph)
    assert "value_and_grad(%2, %0, %1) {body=region(0), wrt=(0,)}" in text
    assert '    region(0) = graph "loss"\n      input %0: f32[4,3] "dense/kernel"\n' in text
    again = parse(text, graph.constants)  # the pool holds the region's constants too
    assert graphs_equal(again, graph) and print_graph(again) == text
    (loss, _), _, _ = lower(again)({"dense/kernel": W}, [X, Y])
    np.testing.assert_allclose(loss, reference()[0], rtol=1e-6)


def test_every_pass_enters_the_region():
    graph = step_graph(waste=True)
    assert [n.op for n in graph.nodes[0].attr("body").nodes].count("tanh") == 1
    after = PassManager(default_pipeline(), verify_each=True).run(graph, PassContext(mode="train"))
    body = after.nodes[0].attr("body")
    assert "tanh" not in [n.op for n in body.nodes]
    assert [gi.name for gi in body.inputs][:3] == ["dense/kernel", "x", "y"]  # its signature stays
    (loss, _), updates, _ = lower(after)({"dense/kernel": W}, [X, Y])
    np.testing.assert_allclose(updates["dense/kernel"], reference()[2], rtol=1e-6)


def test_verifier_quotes_a_malformed_region():
    graph = step_graph()
    node = graph.nodes[0]
    body = node.attr("body")
    broken = body.replace(nodes=body.nodes[1:])  # the matmul is gone: relu reads an undefined value
    with pytest.raises(VerifierError, match=r"Region 'body' of 'value_and_grad' is malformed: Operand 0 of 'relu'"):
        verify(graph.replace(nodes=(node.with_regions({"body": broken}), *graph.nodes[1:])))


def test_value_and_grad_refuses_a_body_without_a_scalar_loss():
    region = loss_region()
    b = GraphBuilder("g")
    w = b.add_input(TensorType((4, 3), F), "param", "w", True)
    x = b.add_input(TensorType((None, 4), F), "input", "x")
    y = b.add_input(TensorType((None, 3), F), "input", "y")
    with pytest.raises(ValueError, match="first output must be a float scalar"):
        b.emit("value_and_grad", [w, x, y], {"body": region.replace(outputs=region.outputs[::-1]), "wrt": (0,)})
    with pytest.raises(ValueError, match="operand 1 is f32\\[\\?,3\\] but the body's input 'x' is f32\\[\\?,4\\]"):
        b.emit("value_and_grad", [w, y, y], {"body": region, "wrt": (0,)})


def sgd_region(waste=False):
    """w - 0.1 * g, for one kind of weight; `waste` adds a dead node."""
    b = GraphBuilder("sgd update of f32[4,3]")
    g = b.add_input(TensorType((4, 3), F), "input", "arg0")
    w = b.add_input(TensorType((4, 3), F), "input", "arg1")
    if waste:
        b.emit("tanh", [g])
    lr = b.emit("constant", [], {"value": 0.1, "dtype": F})[0]
    return b.finish([b.emit("subtract", [w, b.emit("multiply", [g, lr])[0]])[0]], ["result0"])


def two_calls(waste=False):
    """Two weights updated by calls of one shared region."""
    region = sgd_region(waste)
    b = GraphBuilder("update")
    w1, w2 = (b.add_input(TensorType((4, 3), F), "param", f"w{i}", True) for i in (1, 2))
    g1, g2 = (b.add_input(TensorType((4, 3), F), "input", f"g{i}") for i in (1, 2))
    (n1,), (n2,) = b.emit("call", [g1, w1], {"body": region}), b.emit("call", [g2, w2], {"body": region})
    return b.finish([], [], [("w1", n1), ("w2", n2)])


def test_a_shared_region_prints_once_and_round_trips_shared():
    graph = two_calls()
    text = print_graph(graph)
    assert text.count('region(0) = graph "sgd update of f32[4,3]"') == 1
    assert '    region(0) = shared "sgd update of f32[4,3]"\n' in text
    again = parse(text, graph.constants)
    assert print_graph(again) == text
    first, second = (n.attr("body") for n in again.nodes)
    assert first is second
    _, updates, _ = lower(again)({"w1": W, "w2": 2 * W}, [X[:4, :3], Y[:4]])
    np.testing.assert_allclose(updates["w2"], 2 * W - 0.1 * Y[:4], rtol=1e-6)


def test_a_region_of_another_graph_with_the_same_name_prints_in_full():
    graph = two_calls()
    (first, second) = graph.nodes
    other = second.with_regions({"body": sgd_region()})  # equal text, another object
    text = print_graph(graph.replace(nodes=(first, other)))
    assert "shared" not in text and text.count('region(0) = graph "sgd update of f32[4,3]"') == 2
    again = parse(text)
    assert again.nodes[0].attr("body") is not again.nodes[1].attr("body")


def test_passes_run_once_on_a_shared_region_and_keep_it_shared():
    graph = two_calls(waste=True)
    after = PassManager(default_pipeline(), verify_each=True).run(graph, PassContext(mode="train"))
    first, second = (n.attr("body") for n in after.nodes)
    assert first is second and "tanh" not in [n.op for n in first.nodes]


def test_a_call_refuses_operands_of_other_types():
    b = GraphBuilder("g")
    w = b.add_input(TensorType((4, 3), F), "param", "w", True)
    x = b.add_input(TensorType((None, 4), F), "input", "x")
    with pytest.raises(ValueError, match=r"call: operand 1 is f32\[\?,4\] but the body's input 'arg1' is f32\[4,3\]"):
        b.emit("call", [w, x], {"body": sgd_region()})
    with pytest.raises(ParseError, match="shared region 'nope' is not printed in full above"):
        parse('graph "g"\n  param %0: f32[4,3] "w" trainable\n  %1 = call(%0, %0) {body=region(0)} : f32[4,3]\n'
              '    region(0) = shared "nope"\n')


def test_json_gives_a_shared_region_once():
    from kerax.ir import graph_to_json

    first, second = graph_to_json(two_calls())["nodes"]
    assert first["attrs"]["body"]["region"]["name"] == "sgd update of f32[4,3]"
    assert [n["op"] for n in first["attrs"]["body"]["region"]["nodes"]] == ["constant", "multiply", "subtract"]
    assert second["attrs"]["body"] == {"shared": "sgd update of f32[4,3]"}
