"""evaluate and predict on a mesh (DataParallel, ModelParallel) give one device's numbers: the
metric state is reset in place, on the mesh, beside the rest of the state."""
import jax
import numpy as np
import pytest

import kerax

pytestmark = pytest.mark.skipif(len(jax.devices()) < 8, reason="needs 8 devices (conftest sets 8 CPU devices)")


def _model_parallel():
    mesh = kerax.distribution.DeviceMesh((2, 4), ("batch", "model"))
    layout = kerax.distribution.LayoutMap(mesh)
    layout[".*dense.*/kernel"] = (None, "model")
    return kerax.distribution.ModelParallel(layout_map=layout, batch_dim_name="batch")


def _run(distribution):
    kerax.distribution.set_distribution(distribution)
    try:
        kerax.utils.set_random_seed(5)
        model = kerax.Sequential([kerax.Input((6,)), kerax.layers.Dense(8, activation="relu"), kerax.layers.Dense(4)])
        model.compile(optimizer="adam", loss=kerax.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], steps_per_execution=2)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((64, 6)).astype(np.float32)
        y = rng.integers(0, 4, 64)
        before = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)  # evaluate before any fit
        predicted = model.predict(x, batch_size=16, verbose=0)
        model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0, validation_data=(x, y))
        after = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
        return before, predicted, after
    finally:
        kerax.distribution.set_distribution(None)


@pytest.mark.parametrize("make", [kerax.distribution.DataParallel, _model_parallel], ids=["data", "model"])
def test_evaluate_and_predict_on_a_mesh_match_one_device(make):
    before, predicted, after = _run(None)  # the same seed: the same initial weights on the mesh
    m_before, m_predicted, m_after = _run(make())
    np.testing.assert_allclose(m_predicted, predicted, rtol=1e-5, atol=1e-6)
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(m_before[key], before[key], rtol=1e-5)
        np.testing.assert_allclose(m_after[key], after[key], rtol=1e-5)
