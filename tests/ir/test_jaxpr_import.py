"""Importing a jaxpr into the IR: one node per equation, registered ops where they compute the
same, `primitive` nodes otherwise; values and gradients equal the function's own."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerax.ir import GraphBuilder, TensorType, evaluate, parse, print_graph, verify
from kerax.ir.jaxpr_import import NotImportable, import_function

RNG = np.random.default_rng(0)
Y, P, W = (RNG.standard_normal(s).astype("float32") for s in [(4, 3), (4, 3), (3, 2)])


def loss(y, p, w):
    total = jnp.mean(jnp.square(y - p)) + jnp.sum(jax.nn.log_sigmoid(p)) + jnp.sum(jnp.where(p > 0, p, 0.0) @ w)
    return total, {"max": jnp.max(p, axis=0), "argmax": jnp.argmax(p, axis=-1)}


def imported():
    b = GraphBuilder("loss")
    y = b.add_input(TensorType((4, 3), "float32"), "input", "y")
    p = b.add_input(TensorType((4, 3), "float32"), "input", "p")
    w = b.add_input(TensorType((3, 2), "float32"), "param", "w")
    total, aux = import_function(b, loss, (y, p, w))
    return b.finish([total, aux["max"], aux["argmax"]], ["total", "max", "argmax"])


def test_equations_become_registered_ops_or_primitives():
    graph = verify(imported())
    ops = [n.op for n in graph.nodes]
    assert ops[:3] == ["subtract", "square", "sum"]
    assert {"divide", "where", "greater", "max", "neg"} <= set(ops)
    primitives = sorted(n.attr("name") for n in graph.nodes if n.op == "primitive")
    # log_sigmoid's softplus keeps its own derivative rule; dot_general and argmax have no op of the same meaning
    assert primitives == ["argmax", "broadcast_in_dim", "custom_jvp_call", "dot_general"]
    text = print_graph(graph)
    assert 'name="dot_general", params=(("dimension_numbers", (((1,), (0,)), ((), ())))' in text
    assert print_graph(parse(text, graph.constants)) == text


def test_values_and_gradients_equal_the_function():
    graph = imported()
    outputs, _, _ = evaluate(graph, [Y, P, W])
    total, aux = loss(Y, P, W)
    for got, want in zip(outputs, [total, aux["max"], aux["argmax"]]):
        np.testing.assert_array_equal(got, want)
    got = jax.grad(lambda w: evaluate(graph, [Y, P, w])[0][0])(W)
    np.testing.assert_array_equal(got, jax.grad(lambda w: loss(Y, P, w)[0])(W))


def test_unknown_sizes_and_outside_tracers_are_refused():
    b = GraphBuilder("g")
    x = b.add_input(TensorType((None, 3), "float32"), "input", "x")
    with pytest.raises(NotImportable, match=r"known shape .* received f32\[\?,3\]"):
        import_function(b, jnp.sum, (x,))
    y = b.add_input(TensorType((3, None), "float32"), "input", "y")
    with pytest.raises(NotImportable, match="known shape"):
        import_function(b, jnp.sum, (y,), batch=4)
    (total,) = [import_function(b, jnp.sum, (x,), batch=4)]
    assert total.type == TensorType((), "float32")

    @jax.jit
    def outer(a):
        known = b.add_input(TensorType((3,), "float32"), "input", "k")
        return import_function(b, lambda v: v + a, (known,))

    with pytest.raises(NotImportable):
        outer(jnp.ones(3))
