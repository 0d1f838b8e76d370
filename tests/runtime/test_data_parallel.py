"""Data parallelism on 8 CPU devices: batch axis sharded, state replicated, same weights."""
import jax
import numpy as np
import pytest

import kerax

pytestmark = pytest.mark.skipif(len(jax.devices()) < 8, reason="needs 8 devices (conftest sets 8 CPU devices)")


def train(distribution, k=4):
    kerax.distribution.set_distribution(distribution)
    try:
        kerax.utils.set_random_seed(3)
        model = kerax.Sequential([kerax.Input((10,)), kerax.layers.Dense(16, activation="relu"),
                                  kerax.layers.BatchNormalization(), kerax.layers.Dense(4)])
        model.compile(optimizer="adam", loss=kerax.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], steps_per_execution=k)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((256, 10)).astype(np.float32)
        y = rng.integers(0, 4, 256)
        history = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        return model, history
    finally:
        kerax.distribution.set_distribution(None)


def test_data_parallel_matches_one_device():
    single, h1 = train(None)
    parallel, h2 = train(kerax.distribution.DataParallel())
    for a, b in zip(single.get_weights(), parallel.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)


def test_state_is_replicated_and_batches_are_split_over_the_mesh():
    active = kerax.distribution.DataParallel()
    kerax.distribution.set_distribution(active)
    try:
        model = kerax.Sequential([kerax.Input((10,)), kerax.layers.Dense(4)])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.zeros((64, 10), np.float32), np.zeros((64, 4), np.float32), batch_size=16, verbose=0)
        kernel = model._device_state.read(model.layers[0].kernel)
        assert len(kernel.sharding.device_set) == 8 and kernel.sharding.is_fully_replicated
        # the data's layout is read from the sharding pass's annotation on the traced graph
        graph = next(p.graph for key, p in model._programs.items() if key[2] == "train")
        assert graph.data_inputs[0].value.type.sharding == (("batch",), ())
        batch = jax.device_put(np.zeros((2, 16, 10), np.float32), model._data_sharding("train", active))
        assert batch.sharding.spec[1] == "batch"
        assert {s.data.shape for s in batch.addressable_shards} == {(2, 2, 10)}
    finally:
        kerax.distribution.set_distribution(None)


def test_distribution_api_validates_its_arguments():
    with pytest.raises(ValueError, match="needs 16 devices"):
        kerax.distribution.DeviceMesh((4, 4), ("batch", "model"))
    mesh = kerax.distribution.DeviceMesh((2, 4), ("batch", "model"))
    layout = kerax.distribution.LayoutMap(mesh)
    layout["dense.*/kernel"] = (None, "model")
    layout[".*/kernel"] = ("model", None)
    with pytest.raises(ValueError, match="matches several LayoutMap keys"):
        layout["dense/kernel"]
    assert layout["conv/bias"] is None


def test_model_parallel_lays_kernels_out_by_the_layout_map_and_matches_one_device():
    mesh = kerax.distribution.DeviceMesh((2, 4), ("batch", "model"))
    layout = kerax.distribution.LayoutMap(mesh)
    layout[".*dense.*/kernel"] = (None, "model")
    single, h1 = train(None)
    sharded, h2 = train(kerax.distribution.ModelParallel(layout_map=layout, batch_dim_name="batch"))
    for a, b in zip(single.get_weights(), sharded.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    kernel = sharded._device_state.read(sharded.layers[0].kernel)
    assert kernel.sharding.spec == jax.sharding.PartitionSpec(None, "model")
    assert {s.data.shape for s in kernel.addressable_shards} == {(10, 4)}
