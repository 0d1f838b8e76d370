"""The new kerax.ops inside models: recorded as IR ops by the functional API and by a traced
layer call, with the numbers they give on arrays; control flow that the IR cannot hold says so."""
import numpy as np
import pytest

import kerax
from kerax import ops
from kerax.frontend.models.programs import trace_model

X = np.random.default_rng(0).standard_normal((5, 6)).astype("float32")
IMG = np.random.default_rng(1).uniform(0, 1, (5, 4, 4, 3)).astype("float32")

FUNCTIONS = [
    lambda x: ops.arccos(ops.sigmoid(x)), lambda x: ops.nanmean(x, axis=1), lambda x: ops.median(x, axis=-1),
    lambda x: ops.quantile(x, [0.2, 0.8], axis=1), lambda x: ops.sort(x, axis=-1), lambda x: ops.top_k(x, 2)[1],
    lambda x: ops.roll(x, 2, axis=1), lambda x: ops.cumprod(x, axis=1), lambda x: ops.logaddexp(x, 1.0),
    lambda x: ops.layer_normalization(x), lambda x: ops.sparsemax(x), lambda x: ops.glu(x),
    lambda x: ops.tensordot(x, np.ones((6, 2), "float32"), axes=1), lambda x: ops.segment_sum(
        ops.transpose(x), np.array([0, 0, 1, 1, 2, 2]), num_segments=3),
    lambda x: ops.fori_loop(0, 3, lambda i, v: v * 0.5 + i, x),
    lambda x: ops.scan(lambda c, col: (c + col, c * col), ops.zeros_like(x[:, 0]), ops.transpose(x)[:4])[0],
    lambda x: ops.transpose(ops.map(lambda col: col * 2.0, ops.transpose(x)[:3])),
    lambda x: ops.cond(True, lambda: x * 2.0, lambda: x), lambda x: ops.switch(1, [ops.exp, ops.tanh], x),
    lambda x: ops.rearrange(x, "b (c k) -> b k c", k=2)[..., 0], lambda x: ops.norm(x, axis=1), lambda x: ops.digitize(x, [-0.5, 0.5]), lambda x: ops.celu(x),
]


def _outputs(x):
    return [f(x) for f in FUNCTIONS]


def test_new_ops_in_a_functional_model_give_their_eager_numbers():
    inputs = kerax.Input((6,))
    model = kerax.Model(inputs, _outputs(inputs))
    predicted = model.predict(X, batch_size=5, verbose=0)
    for i, (got, expected) in enumerate(zip(predicted, _outputs(X))):
        np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-5, atol=1e-5, err_msg=f"function {i}")


class OpsLayer(kerax.layers.Layer):
    def call(self, images):
        hsv = ops.image.rgb_to_hsv(images)
        small = ops.image.resize(images, (2, 2))
        return ops.image.hsv_to_rgb(hsv), small, ops.image.extract_patches(images, 2), ops.linalg.det(images[..., 0])


def test_image_and_linalg_ops_in_a_traced_layer_are_ir_nodes():
    inputs = kerax.Input((4, 4, 3))
    model = kerax.Model(inputs, OpsLayer()(inputs))
    predicted = model.predict(IMG, verbose=0)
    for got, expected in zip(predicted, OpsLayer()(IMG)):
        np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-5, atol=1e-5)
    graph, _ = trace_model(model, (((None, 4, 4, 3), "float32"),), training=False)
    ops_in_graph = {node.op for node in graph.nodes}
    assert {"image_rgb_to_hsv", "image_hsv_to_rgb", "image_resize", "conv", "det"} <= ops_in_graph


@pytest.mark.parametrize("call,name", [
    (lambda x: ops.cond(ops.sum(x) > 0, lambda: x, lambda: -x), "cond"),
    (lambda x: ops.while_loop(lambda v: ops.sum(v) < 10, lambda v: v + 1, x), "while_loop"),
    (lambda x: ops.switch(ops.argmax(x[0]), [ops.exp, ops.tanh], x), "switch"),
    (lambda x: ops.nonzero(x), "nonzero"),
    (lambda x: ops.unique(x), "unique"),
    (lambda x: ops.associative_scan(ops.add, x), "associative_scan"),
])
def test_control_flow_decided_by_data_is_refused_with_the_op_named(call, name):
    inputs = kerax.Input((6,))
    with pytest.raises(ValueError, match=rf"kerax\.ops\.{name}: .*symbolic tensor"):
        call(inputs)


def test_control_flow_runs_with_lax_on_arrays():
    import jax

    assert int(ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0)) == 12
    assert ops.while_loop(lambda a, b: a < 5, lambda a, b: (a + 1, b * 2), (0, 1), maximum_iterations=3) == (3, 8)
    carry, ys = ops.scan(lambda c, x: (c + x, c), 0.0, np.arange(4.0, dtype="float32"))
    assert float(carry) == 6.0 and np.asarray(ys).tolist() == [0.0, 0.0, 1.0, 3.0]
    assert np.asarray(ops.map(lambda r: ops.sum(r), X)).shape == (5,)
    jitted = jax.jit(lambda p, x: ops.cond(p, lambda: x + 1, lambda: x - 1))
    assert float(jitted(False, 1.0)) == 0.0
    assert np.asarray(ops.vectorized_map(lambda r: r * 2, X)).shape == X.shape
    np.testing.assert_allclose(ops.associative_scan(lambda a, b: a + b, np.arange(4.0)), [0, 1, 3, 6])

    @ops.custom_gradient
    def clipped(x):
        return x * 1.0, lambda g: ops.clip(g, -0.5, 0.5)

    assert float(jax.grad(lambda x: clipped(x) * 3.0)(2.0)) == 0.5
