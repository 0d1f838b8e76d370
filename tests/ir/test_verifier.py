"""The verifier catches broken graphs and quotes the failing node with its neighbours."""
import pytest

from kerax.ir import GraphBuilder, Node, TensorType, Value, VerifierError, verify


def base():
    b = GraphBuilder("g")
    x = b.add_input(TensorType((None, 4), "float32"), "input", "x")
    w = b.add_input(TensorType((4, 2), "float32"), "param", "g/w", True)
    h = b.emit("matmul", [x, w])[0]
    r = b.emit("relu", [h])[0]
    return b.finish([r], ["out"]), (x, w, h, r)


def test_well_formed_graph_passes():
    graph, _ = base()
    assert verify(graph) is graph


def test_wrong_declared_type_is_quoted_with_neighbours():
    graph, (x, w, h, r) = base()
    bad_out = Value(TensorType((None, 3), "float32"))
    nodes = list(graph.nodes)
    nodes[0] = Node("matmul", (x, w), (), (bad_out,))
    nodes[1] = Node("relu", (bad_out,), (), (r,))
    with pytest.raises(VerifierError) as error:
        verify(graph.replace(nodes=tuple(nodes)))
    message = str(error.value)
    assert "declared f32[?,3] but the op gives f32[?,2]" in message
    assert ">>   %2 = matmul(%0, %1)" in message
    assert "relu" in message  # the neighbour is shown too


def test_use_before_definition():
    graph, _ = base()
    swapped = graph.replace(nodes=(graph.nodes[1], graph.nodes[0]))
    with pytest.raises(VerifierError, match="Operand 0 of 'relu' is used before it is defined"):
        verify(swapped)


def test_operand_shapes_rejected_by_op():
    graph, (x, w, h, r) = base()
    nodes = (Node("matmul", (w, w), (), (h,)), graph.nodes[1])
    with pytest.raises(VerifierError, match="'matmul' rejects its operands"):
        verify(graph.replace(nodes=nodes))


def test_update_must_target_a_state_input_with_its_type():
    graph, (x, w, h, r) = base()
    with pytest.raises(VerifierError, match="not a param, state or rng input"):
        verify(graph.replace(updates=(("nope", r),)))
    with pytest.raises(VerifierError, match="Update of 'g/w' has type"):
        verify(graph.replace(updates=(("g/w", r),)))


def test_sharding_axes_must_exist_and_not_repeat():
    b = GraphBuilder("g")
    b.add_input(TensorType((8, 8), "float32", (("data",), ("data",))), "param", "p")
    with pytest.raises(VerifierError, match="uses a mesh axis twice"):
        verify(b.finish([], []))
    b = GraphBuilder("g")
    b.add_input(TensorType((8, 8), "float32", (("model",), ())), "param", "p")
    with pytest.raises(VerifierError, match=r"names mesh axes \['model'\]"):
        verify(b.finish([], []), mesh_axes=("batch",))


def test_losses_must_be_scalars():
    graph, (x, w, h, r) = base()
    with pytest.raises(VerifierError, match="A loss must be a defined scalar"):
        verify(graph.replace(losses=(r,)))


def test_duplicate_input_names():
    b = GraphBuilder("g")
    b.add_input(TensorType((2,), "float32"), "param", "p")
    b.add_input(TensorType((2,), "float32"), "param", "p")
    with pytest.raises(VerifierError, match="Two graph inputs are named 'p'"):
        verify(b.finish([], []))
    b = GraphBuilder("g")
    b.add_input(TensorType((2,), "float32"), "param", "p")
    b.add_input(TensorType((2,), "float32"), "param", "q")
    graph = b.finish([], [])
    assert verify(graph) is graph
