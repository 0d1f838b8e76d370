"""Each pass: one structural fact, and the same numbers before and after."""
import numpy as np
import pytest

from kerax.ir import GraphBuilder, TensorType
from kerax.lowering import lower
from kerax.passes import Pass, PassManager, cse, dce, default_pipeline, simplify


def run(graph, x, w):
    outputs, updates, losses = lower(graph)({"w": w, "unused": np.zeros(4, np.float32)}, [x])
    return outputs, updates, losses


def graph_with_waste():
    b = GraphBuilder("g")
    x = b.add_input(TensorType((None, 4), "float32"), "input", "x")
    w = b.add_input(TensorType((4, 4), "float32"), "param", "w", True)
    unused = b.add_input(TensorType((4,), "float32"), "param", "unused", True)
    a1 = b.emit("matmul", [x, w])[0]
    a2 = b.emit("matmul", [x, w])[0]  # same as a1
    dead = b.emit("exp", [a1])[0]  # nobody reads it
    one = b.emit("constant", [], {"value": 1.0, "dtype": "float32"})[0]
    scaled = b.emit("multiply", [a2, one])[0]  # x * 1
    same = b.emit("cast", [scaled], {"dtype": "float32"})[0]  # no-op cast
    out = b.emit("add", [a1, same])[0]
    del dead, unused
    return b.finish([out], ["out"])


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((3, 4), dtype=np.float32), rng.standard_normal((4, 4), dtype=np.float32)


def test_dce_removes_dead_nodes_and_unused_params(data):
    graph = graph_with_waste()
    after = dce(graph)
    assert [n.op for n in after.nodes].count("exp") == 0
    assert "unused" not in [i.name for i in after.inputs]
    assert len(after.nodes) == len(graph.nodes) - 1
    np.testing.assert_array_equal(run(graph, *data)[0][0], run(after, *data)[0][0])


def test_dce_keeps_state_updates_and_losses():
    b = GraphBuilder("g")
    x = b.add_input(TensorType((2,), "float32"), "input", "x")
    s = b.add_input(TensorType((2,), "float32"), "state", "s")
    new = b.emit("add", [s, x])[0]
    loss = b.emit("sum", [x], {"axis": None, "keepdims": False})[0]
    graph = b.finish([], [], [("s", new)], [loss])
    assert dce(graph).nodes == graph.nodes


def test_cse_merges_identical_pure_nodes(data):
    graph = graph_with_waste()
    after = cse(graph)
    assert [n.op for n in after.nodes].count("matmul") == 1
    np.testing.assert_allclose(run(graph, *data)[0][0], run(after, *data)[0][0], rtol=1e-6)


def test_cse_never_merges_random_draws():
    b = GraphBuilder("g")
    x = b.add_input(TensorType((4,), "float32"), "input", "x")
    key = b.add_input(TensorType((2,), "uint32"), "rng", "seed")
    d1 = b.emit("dropout", [x, key], {"rate": 0.5, "salt": 1, "noise_axes": ()})[0]
    d2 = b.emit("dropout", [x, key], {"rate": 0.5, "salt": 1, "noise_axes": ()})[0]
    graph = b.finish([d1, d2], ["a", "b"])
    assert len(cse(graph).nodes) == 2


def test_simplify_counts_the_rules_that_fired(data):
    from collections import Counter

    counts = Counter()
    graph = cse(graph_with_waste())
    after = simplify(graph, counts=counts)
    assert counts == Counter({"multiply-one": 1, "cast-to-same-dtype": 1})
    assert "cast" not in [n.op for n in after.nodes]
    np.testing.assert_allclose(run(graph, *data)[0][0], run(after, *data)[0][0], rtol=1e-6)


def test_pipeline_times_each_pass_and_dumps_on_request(tmp_path):
    manager = PassManager(default_pipeline(), verify_each=True, dump={"cse"}, dump_dir=str(tmp_path))
    after = manager.run(graph_with_waste())
    assert set(manager.report.seconds) == {p.name for p in default_pipeline()}
    assert "after:cse" in manager.report.dumps and "matmul" in manager.report.dumps["after:cse"]
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files[0] == "g.00.input.ir" and any(".cse.ir" in f for f in files)
    assert len(after.nodes) < len(graph_with_waste().nodes)


def test_pipeline_rejects_unknown_dump_names():
    with pytest.raises(ValueError, match="Unknown pass names"):
        PassManager(default_pipeline(), dump={"fusion"})


def test_verification_after_each_pass_catches_a_broken_pass():
    from kerax.ir import Node, Value, VerifierError

    def breaks_types(graph, context):
        node = graph.nodes[0]
        wrong = Node(node.op, node.inputs, node.attrs, (Value(TensorType((1,), "int32")),), node.provenance)
        return graph.replace(nodes=(wrong, *graph.nodes[1:]))

    with pytest.raises(VerifierError, match="declared i32") as error:
        PassManager([Pass("breaks", breaks_types, "a broken pass")], verify_each=True).run(graph_with_waste())
    assert ">> " in str(error.value)  # the failing line is quoted


def test_pass_context_names_its_mode():
    from kerax.passes import PassContext

    assert PassContext(mode="train").training and not PassContext(mode="test").training
    with pytest.raises(ValueError, match=r"`mode` expected one of \('train', 'test', 'predict'\), received 'eval'"):
        PassContext(mode="eval")


def test_the_manager_hands_its_context_to_every_pass():
    from kerax.passes import PassContext

    seen = []

    def record(graph, context):
        seen.append(context)
        return graph

    context = PassContext(mode="test", platform="tpu")
    PassManager([Pass("a", record, "records"), Pass("b", record, "records")]).run(graph_with_waste(), context)
    assert seen == [context, context]
