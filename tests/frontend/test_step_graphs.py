"""fit and evaluate run step graphs: the loss inside the value_and_grad region, the optimizer and
metric updates as IR after it; the numbers are those of the closure-built steps, bit for bit."""
import numpy as np
import pytest

import kerax
from kerax.frontend.models.steps import Steps
from kerax.ir import verify

RNG = np.random.default_rng(0)
X = RNG.standard_normal((18, 4)).astype(np.float32)
Y = np.arange(18) % 3
SW = np.linspace(0.5, 1.5, 18)


def train(in_ir: bool, optimizer):
    kerax.utils.set_random_seed(1)
    model = kerax.Sequential([kerax.Input((4,)), kerax.layers.Dense(8, activation="relu", kernel_regularizer="l2"),
                              kerax.layers.BatchNormalization(), kerax.layers.Dropout(0.3), kerax.layers.Dense(3)])
    model._steps_in_ir = in_ir
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=2)
    history = model.fit(X, Y, batch_size=4, epochs=2, verbose=0, sample_weight=SW)  # 5 steps: a short tail
    return model, history.history, model.evaluate(X, Y, verbose=0, return_dict=True)


@pytest.mark.parametrize("optimizer", [lambda: kerax.optimizers.Adam(clipnorm=1.0),
                                       lambda: kerax.optimizers.SGD(momentum=0.9, nesterov=True, weight_decay=0.01),
                                       # updates that are not elementwise: one region per shape
                                       lambda: kerax.optimizers.Adafactor(), lambda: kerax.optimizers.Lamb(),
                                       lambda: kerax.optimizers.Muon(),
                                       lambda: kerax.optimizers.AdamW(use_ema=True, ema_overwrite_frequency=2)],
                         ids=["adam", "sgd", "adafactor", "lamb", "muon", "adamw-ema"])
def test_the_step_graphs_give_the_closure_built_steps_numbers(optimizer):
    ir_model, ir_history, ir_logs = train(True, optimizer())
    closure_model, closure_history, closure_logs = train(False, optimizer())
    assert ir_history == closure_history and ir_logs == closure_logs
    for a, b in zip(ir_model.get_weights(), closure_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # both the full and the short super-batch, train and test: one graph and one compilation each
    assert len(ir_model._step_graphs) == 3
    assert ir_model.execution_stats.compilations == closure_model.execution_stats.compilations == 3


def per_weight_slots(monkeypatch):
    """Optimizers keep one variable per slot, as those whose slots cannot be packed do (the packed
    update: test_packed_slots.py)."""
    from kerax.frontend.optimizers.base import Optimizer

    monkeypatch.setattr(Optimizer, "can_pack_slots", lambda self: False)


def test_the_train_step_graph_holds_loss_gradient_optimizer_and_metrics(monkeypatch):
    per_weight_slots(monkeypatch)
    model, _, _ = train(True, kerax.optimizers.Adam())
    built = next(g for key, g in model._step_graphs.items() if key[0] == "train")
    graph = verify(built.graph)
    (vg,) = [n for n in graph.nodes if n.op == "value_and_grad"]
    region = vg.attr("body")
    region_ops = {n.op for n in region.nodes}
    assert {"matmul", "dropout", "log"} <= region_ops  # the forward pass and the cross-entropy
    assert region.output_names[:2] == ("scaled_loss", "loss")
    after = [n for n in graph.nodes[graph.nodes.index(vg) + 1:]]
    calls = [n for n in after if n.op == "call"]
    assert len(calls) == 6  # one per trainable weight
    assert all("sqrt" in {n.op for n in c.attr("body").nodes} for c in calls)  # Adam's update
    # one region per kind of weight: the biases and the BatchNorm gamma and beta (all f32[8]) share one
    bodies = {id(c.attr("body")): c.attr("body") for c in calls}
    assert sorted(str(b.inputs[1].value.type) for b in bodies.values()) == ["f32[3]", "f32[4,8]", "f32[8,3]", "f32[8]"]
    updated = {name for name, _ in graph.updates}
    for group in built.state_names:  # every variable of the state: weights, statistics, slots, metrics
        assert set(group) <= updated
    assert list(graph.output_names) == ["loss", "accuracy"]


def test_an_overridden_train_step_is_an_opaque_node():
    from kerax.frontend.models.step_graphs import build_opaque_graph

    class Custom(kerax.Model):
        def train_step(self, state, data):
            return Steps.train_step(self, state, data)

    x = kerax.Input((4,))
    model = Custom(x, kerax.layers.Dense(3)(x))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, np.zeros((18, 3), np.float32), batch_size=6, verbose=0)
    state = model._state()
    graph = verify(build_opaque_graph("train", model.train_step, state.groups, (X[:6], np.zeros((6, 3)), None)))
    (node,) = graph.nodes
    assert node.op == "opaque" and graph.callable(node.attr("fn")) is not None
    assert list(graph.output_names) == ["['loss']"]
    assert len(graph.updates) == sum(len(group) for group in state.groups)


@pytest.mark.parametrize("optimizer, traced", [("adam", 1), ("adafactor", 4)])
def test_an_elementwise_update_is_traced_once_for_every_shape(optimizer, traced, monkeypatch):
    import kerax.frontend.models.update_graph as update_graph

    per_weight_slots(monkeypatch)
    calls = []
    real = update_graph.import_region
    monkeypatch.setattr(update_graph, "import_region", lambda name, *a: calls.append(name) or real(name, *a))
    model, _, _ = train(True, optimizer)
    train_graphs = [g for key, g in model._step_graphs.items() if key[0] == "train"]
    assert len(train_graphs) == 2  # the full and the short super-batch
    # each graph: Adam's update of the f32[4,8], f32[8,3], f32[8] and f32[3] weights is one trace,
    # re-typed; Adafactor factors the slots of its matrices, so each of the four shapes is traced
    assert len(calls) == 2 * traced
