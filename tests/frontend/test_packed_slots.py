"""Optimizer slots packed flat for fit (frontend/optimizers/packed_slots.py): the same numbers as
per-weight slots, Keras's view of the optimizer unchanged, fewer compiled kernels."""
import jax
import numpy as np
import pytest

import kerax

RNG = np.random.default_rng(0)
X = RNG.standard_normal((96, 6)).astype("float32")
Y = RNG.integers(0, 3, 96)


def mlp(optimizer, pack=True, constraint=None, k=2, hidden=1):
    kerax.utils.set_random_seed(0)
    model = kerax.Sequential([kerax.Input((6,)), kerax.layers.Dense(8, activation="relu", kernel_constraint=constraint)]
                             + [kerax.layers.Dense(8, activation="relu") for _ in range(hidden - 1)]
                             + [kerax.layers.Dense(3)])
    model.compile(optimizer=optimizer, loss=kerax.losses.SparseCategoricalCrossentropy(from_logits=True),
                  steps_per_execution=k)
    if not pack:  # an optimizer the user built keeps one variable per slot
        model.optimizer.build(model.trainable_variables)
    return model


OPTIMIZERS = {
    "adam_amsgrad": lambda: kerax.optimizers.Adam(0.01, amsgrad=True),
    "adamw": lambda: kerax.optimizers.AdamW(0.01, weight_decay=0.1),
    "sgd_nesterov": lambda: kerax.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
    "rmsprop_centered": lambda: kerax.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "nadam_clipnorm": lambda: kerax.optimizers.Nadam(0.01, clipnorm=0.5),
    "adam_ema": lambda: kerax.optimizers.Adam(0.01, use_ema=True, ema_overwrite_frequency=3),
}


@pytest.mark.parametrize("name, hidden", [(name, 1) for name in OPTIMIZERS] + [("adam_amsgrad", 5)],
                         ids=list(OPTIMIZERS) + ["adam_two_groups"])
def test_packed_slots_train_as_per_weight_slots_and_look_the_same(name, hidden):
    # hidden=5: 12 weights, packed in two groups (packed_slots.GROUP_SIZE)
    packed, per_weight = mlp(OPTIMIZERS[name](), hidden=hidden), mlp(OPTIMIZERS[name](), pack=False, hidden=hidden)
    for model in (packed, per_weight):
        model.fit(X, Y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    assert packed.optimizer.packed_slots and not per_weight.optimizer.packed_slots
    assert len({pack.indices for pack in packed.optimizer._packs}) == (2 if hidden == 5 else 1)
    assert len(packed.optimizer.state_variables) < len(packed.optimizer.variables)
    ours, theirs = packed.optimizer.variables, per_weight.optimizer.variables
    # Keras's order, shapes and names (the models' own names differ: sequential_1, dense_2, ...)
    assert [(v.name.rsplit("_", 1)[-1], v.shape) for v in ours] == [(v.name.rsplit("_", 1)[-1], v.shape) for v in theirs]
    assert all(v.path == f"{packed.optimizer.name}/{v.name}" for v in ours)
    for a, b in zip(packed.get_weights() + [v.numpy() for v in ours],
                    per_weight.get_weights() + [v.numpy() for v in theirs]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_the_stateless_api_takes_either_layout():
    model = mlp(kerax.optimizers.Adam(0.01))
    model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    optimizer = model.optimizer
    grads = [np.full(v.shape, 0.5, "float32") for v in model.trainable_variables]
    weights = [v.value for v in model.trainable_variables]
    by_view = optimizer.stateless_apply([v.value for v in optimizer.variables], grads, weights)
    by_storage = optimizer.stateless_apply([v.value for v in optimizer.state_variables], grads, weights)
    assert len(by_view[1]) == len(optimizer.variables) and len(by_storage[1]) == len(optimizer.state_variables)
    for a, b in zip(by_view[0], by_storage[0]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(by_view[1][2], np.asarray(by_storage[1][2])[:6 * 8].reshape(6, 8))


def test_saved_optimizer_state_moves_between_packed_and_per_weight_slots(tmp_path):
    packed = mlp(kerax.optimizers.Adam(0.01))
    packed.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    packed.save_weights(tmp_path / "packed.weights.h5")
    per_weight = mlp(kerax.optimizers.Adam(0.01), pack=False)
    per_weight.load_weights(tmp_path / "packed.weights.h5")
    for a, b in zip(packed.optimizer.variables, per_weight.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    per_weight.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    per_weight.save_weights(tmp_path / "per_weight.weights.h5")
    fresh = mlp(kerax.optimizers.Adam(0.01))
    fresh.fit(X[:16], Y[:16], batch_size=16, epochs=1, verbose=0)  # builds the packed optimizer
    fresh.load_weights(tmp_path / "per_weight.weights.h5")
    assert fresh.optimizer.packed_slots
    for a, b in zip(fresh.optimizer.variables, per_weight.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_slot_view_assigns_its_segment_only():
    model = mlp(kerax.optimizers.Adam(0.01))
    model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    views = model.optimizer.variables[2:]
    before = [v.numpy() for v in views]
    views[2].assign(np.full(views[2].shape, 7.0, "float32"))  # the first bias's momentum
    for i, view in enumerate(views):
        np.testing.assert_array_equal(view.numpy(), np.full(view.shape, 7.0) if i == 2 else before[i])
    with pytest.raises(ValueError, match="expected shape"):
        model.optimizer.set_weights([v.numpy() for v in model.optimizer.variables[:2]] + [np.zeros((2, 2))])


def test_fewer_kernels_are_compiled():
    counts = {}
    for pack in (True, False):
        model = mlp(kerax.optimizers.Adam(0.01), pack=pack)
        model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
        program = model._executables["train"].jitted["scan"].donating
        hlo = program.lower(model._state().values, (X[:32].reshape(2, 16, 6), Y[:32].reshape(2, 16), None)).compile()
        counts[pack] = hlo.as_text().count(" fusion(")
    # per weight, Adam's momentum, velocity and weight updates are three kernels each (4 weights)
    assert counts[True] <= counts[False] - 4, counts


def test_per_weight_slots_where_packing_does_not_apply():
    constrained = mlp(kerax.optimizers.Adam(), constraint=kerax.constraints.MaxNorm(1.0))
    constrained.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    assert not constrained.optimizer.packed_slots  # a constraint sees its weight whole
    lamb = mlp(kerax.optimizers.Lamb())
    lamb.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    assert not lamb.optimizer.packed_slots  # a layer-wise trust ratio is not elementwise
    scaled = mlp(kerax.optimizers.LossScaleOptimizer(kerax.optimizers.Adam()))
    scaled.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    assert not scaled.optimizer.inner_optimizer.packed_slots
    kerax.distribution.set_distribution(kerax.distribution.DataParallel(devices=jax.devices()[:2]))
    try:
        parallel = mlp(kerax.optimizers.Adam())
        parallel.fit(X, Y, batch_size=16, epochs=1, verbose=0)
        assert not parallel.optimizer.packed_slots  # each slot is laid out like its weight
    finally:
        kerax.distribution.set_distribution(None)


def test_the_step_graph_updates_all_weights_at_once():
    model = mlp(kerax.optimizers.Adam(0.01))
    model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    (built,) = [g for key, g in model._step_graphs.items() if key[0] == "train"]
    (call,) = [n for n in built.graph.nodes if n.op == "call"]  # not one per weight
    assert call.attr("body").inputs[1].value.type.shape == (6 * 8 + 8 + 8 * 3 + 3,)  # the concatenated weights
    flat = {name for name, _ in built.graph.updates if "packed_" in name}
    assert len(flat) == 2  # momentum and velocity, one flat vector each


def test_train_step_takes_a_state_tuple_built_from_optimizer_variables():
    # Keras's stateless pattern: state from model.*_variables; fit's own state holds packed slots.
    model = mlp(kerax.optimizers.Adam(0.01))
    model.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    twin = mlp(kerax.optimizers.Adam(0.01), pack=False)
    twin.fit(X, Y, batch_size=16, epochs=1, verbose=0)
    data = (X[:16], Y[:16])
    results = []
    for m in (model, twin):
        state = ([v.value for v in m.trainable_variables], [v.value for v in m.non_trainable_variables],
                 [v.value for v in m.optimizer.variables], [v.value for v in m.metrics_variables])
        results.append(jax.jit(m.train_step)(state, data))
    (logs, new), (twin_logs, twin_new) = results
    assert len(new[2]) == len(model.optimizer.variables)  # given per weight, returned per weight
    np.testing.assert_allclose(logs["loss"], twin_logs["loss"], rtol=1e-6)
    for a, b in zip(jax.tree.leaves(new[:3]), jax.tree.leaves(twin_new[:3])):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
