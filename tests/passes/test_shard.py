"""The sharding pass on 8 CPU devices: layouts from the distribution written into the IR, the
device state placed from them, optimizer slots laid out like their variables."""
import jax
import numpy as np
import pytest

import kerax
from kerax.ir import GraphBuilder, TensorType, VerifierError, verify

pytestmark = pytest.mark.skipif(len(jax.devices()) < 8, reason="needs 8 devices (conftest sets 8 CPU devices)")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((64, 6)).astype(np.float32)
Y = RNG.integers(0, 3, 64)


def layout_map():
    mesh = kerax.distribution.DeviceMesh((2, 4), ("batch", "model"))
    layouts = kerax.distribution.LayoutMap(mesh)
    layouts[".*dense.*/kernel"] = (None, "model")
    return layouts


def train(distribution):
    kerax.distribution.set_distribution(distribution)
    try:
        kerax.utils.set_random_seed(5)
        model = kerax.Sequential([kerax.Input((6,)), kerax.layers.Dense(16, activation="relu"), kerax.layers.Dense(4)])
        model.compile(optimizer="adam", loss=kerax.losses.SparseCategoricalCrossentropy(from_logits=True),
                      steps_per_execution=2)
        model.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        return model
    finally:
        kerax.distribution.set_distribution(None)


def test_kernel_and_its_adam_slots_are_laid_out_by_the_layout_map():
    single = train(None)
    sharded = train(kerax.distribution.ModelParallel(layout_map=layout_map(), batch_dim_name="batch"))
    for a, b in zip(single.get_weights(), sharded.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    graph = next(p.graph for key, p in sharded._programs.items() if key[2] == "train")
    kernel = sharded.layers[0].kernel
    (annotated,) = [gi for gi in graph.inputs if gi.name == kernel.path]
    assert annotated.value.type.sharding == ((), ("model",))
    assert graph.data_inputs[0].value.type.sharding == (("batch",), ())
    opt = sharded.optimizer
    momentum, velocity = (opt.variables[opt._slot_index[(name, 0)] + 2] for name in ("momentum", "velocity"))
    for variable in (kernel, momentum, velocity):
        array = sharded._device_state.read(variable)
        assert array.sharding.spec == jax.sharding.PartitionSpec(None, "model")
        assert {s.data.nbytes for s in array.addressable_shards} == {array.nbytes // 4}
    bias = sharded._device_state.read(sharded.layers[0].bias)
    assert bias.sharding.is_fully_replicated
    # the train step graph annotates the slots like their weight, and their new values too
    step = next(g for key, g in sharded._step_graphs.items() if key[0] == "train")
    slot_names = [name for v, name in zip(opt.variables, step.state_names[2]) if v in (momentum, velocity)]
    annotated = {gi.name: gi.value.type.sharding for gi in step.graph.inputs}
    assert [annotated[name] for name in slot_names] == [((), ("model",))] * 2
    new = dict(step.graph.updates)
    assert [new[name].type.sharding for name in slot_names] == [((), ("model",))] * 2


def test_verifier_rejects_a_dimension_that_does_not_divide_over_its_axes():
    b = GraphBuilder("g")
    b.add_input(TensorType((6, 10), "float32", ((), ("model",))), "param", "dense/kernel")
    with pytest.raises(VerifierError, match=r"input 'dense/kernel': dimension 1 has size 10, which does not divide "
                                            r"over mesh axes model \(4 devices\)"):
        verify(b.finish([], []), {"batch": 2, "model": 4})


def test_the_fully_sharded_preset_splits_every_large_weight_and_its_slots_8_ways():
    single = train(None)
    sharded = train(kerax.distribution.FullyShardedDataParallel(min_elements=64))
    for a, b in zip(single.get_weights(), sharded.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    opt = sharded.optimizer
    state = sharded._device_state
    for index, variable in enumerate(opt._trainable_variables):
        slots = [opt.variables[opt._slot_index[(name, index)] + 2] for name in ("momentum", "velocity")]
        arrays = [state.read(v) for v in (variable, *slots)]
        large = int(np.prod(variable.shape)) >= 64
        for array in arrays:
            shards = {s.data.nbytes for s in array.addressable_shards}
            assert shards == ({array.nbytes // 8} if large else {array.nbytes}), (variable.path, array.sharding)


def test_superbatch_layout_is_read_from_the_data_annotations():
    from kerax.lowering.sharding import superbatch_sharding

    mesh = jax.sharding.Mesh(np.array(jax.devices()[:8]).reshape(2, 4), ("batch", "model"))
    b = GraphBuilder("g")
    x = b.add_input(TensorType((None, 6), "float32", (("model",), ())), "input", "x")
    graph = b.finish([x], ["x"])
    assert superbatch_sharding(graph, mesh).spec == jax.sharding.PartitionSpec(None, "model")
    b.add_input(TensorType((None,), "float32", (("batch",),)), "input", "y")
    with pytest.raises(ValueError, match="split their batch over different mesh axes"):
        superbatch_sharding(b.finish([x], ["x"]), mesh)
    plain = GraphBuilder("h")
    unsplit = plain.add_input(TensorType((None, 6), "float32"), "input", "x")
    assert superbatch_sharding(plain.finish([unsplit], ["x"]), mesh).is_fully_replicated
