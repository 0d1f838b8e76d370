"""Differential testing against Keras 3 (JAX backend): same weights, same inputs, same numbers.

`assert_layer_parity(make_kerax, make_keras, inputs)` builds both layers, copies Keras's weights
into kerax with set_weights (so the weight order must be Keras's), and compares the outputs and
the gradients of a random projection of them with respect to the inputs and to every trainable
weight, in inference and training mode."""
from __future__ import annotations

import inspect
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

ATOL = 1e-5
RTOL = 1e-5


def keras():
    import keras as k

    return k


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _outputs_and_grads(layer, inputs, training, kwargs, differentiable):
    trainable = [jnp.asarray(v.value if hasattr(v, "value") else v) for v in layer.trainable_variables]
    non_trainable = [jnp.asarray(v.value if hasattr(v, "value") else v) for v in layer.non_trainable_variables]
    single = not isinstance(inputs, (list, tuple))

    def run(trainable_values, xs):
        args = xs[0] if single else list(xs)
        call_kwargs = dict(kwargs)
        if training is not None and "training" in inspect.signature(layer.call).parameters:
            call_kwargs["training"] = training
        out, _ = layer.stateless_call(trainable_values, non_trainable, args, **call_kwargs)
        return out

    # Jitted, so each side compiles its layer once instead of op by op (an eager JAX call
    # compiles every primitive, and every primitive of the backward pass, on its own).
    xs = [jnp.asarray(x) for x in _as_list(inputs)]
    outputs = jax.jit(run)(trainable, xs)
    flat = jax.tree.leaves(outputs)
    rng = np.random.default_rng(1)
    cotangents = [jnp.asarray(rng.standard_normal(o.shape).astype(np.float32)) for o in flat]

    def projection(trainable_values, float_xs):
        floats = iter(float_xs)
        merged = [next(floats) if d else x for x, d in zip(xs, differentiable)]
        out = jax.tree.leaves(run(trainable_values, merged))
        return sum(jnp.sum(o.astype(jnp.float32) * c) for o, c in zip(out, cotangents) if jnp.issubdtype(o.dtype, jnp.floating))

    float_xs = [x for x, d in zip(xs, differentiable) if d]
    weight_grads, input_grads = jax.jit(jax.grad(projection, argnums=(0, 1)))(trainable, float_xs)
    return [np.asarray(o) for o in flat], (weight_grads, input_grads)


def assert_layer_parity(make_kerax, make_keras, inputs, training=(False, True), call_kwargs=None, atol=ATOL, rtol=RTOL,
                        check_grads=True):
    """Both layers on `inputs` (array or list of arrays): outputs and gradients agree."""
    call_kwargs = call_kwargs or {}
    ours, theirs = make_kerax(), make_keras()
    args = inputs if isinstance(inputs, (list, tuple)) else inputs
    theirs(args, **call_kwargs)  # build
    ours(args, **call_kwargs)
    weights = theirs.get_weights()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in weights], (
        f"weight shapes differ: kerax {[w.shape for w in ours.get_weights()]} vs keras {[w.shape for w in weights]}")
    ours.set_weights(weights)
    differentiable = [np.issubdtype(np.asarray(x).dtype, np.floating) for x in _as_list(inputs)]
    for mode in training:
        out_ours, grads_ours = _outputs_and_grads(ours, inputs, mode, call_kwargs, differentiable)
        out_theirs, grads_theirs = _outputs_and_grads(theirs, inputs, mode, call_kwargs, differentiable)
        assert len(out_ours) == len(out_theirs)
        for a, b in zip(out_ours, out_theirs):
            np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=f"outputs differ (training={mode})")
        if not check_grads:
            continue
        for a, b in zip(grads_ours[0], grads_theirs[0]):
            np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=f"weight gradients differ (training={mode})")
        for a, b in zip(grads_ours[1], grads_theirs[1]):
            np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=f"input gradients differ (training={mode})")
    return ours, theirs
