"""Hand-written JAX references for the convolution nets: the same math as the Keras models, one
jitted step per batch (on CPU the fastest strategy found: see lowering/loop_plan.py)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .reference import adam

_DIMS = ("NHWC", "HWIO", "NHWC")


def conv(x, kernel, bias, strides=1, padding="VALID"):
    y = jax.lax.conv_general_dilated(x, kernel, (strides, strides), padding, dimension_numbers=_DIMS)
    return y + bias


def max_pool(x):
    return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")


def sparse_ce(logits, y):
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None].astype(jnp.int32), axis=1))


def _normal(rng, *shape):
    fan_in = int(np.prod(shape[:-1]))
    return jnp.asarray(rng.standard_normal(shape, dtype=np.float32) * np.sqrt(2.0 / fan_in))


def _conv_params(rng, size, c_in, c_out):
    return (_normal(rng, size, size, c_in, c_out), jnp.zeros(c_out))


# -- two convolutions: Conv(32) -> MaxPool -> Conv(64) -> GlobalAveragePooling -> Dense(10) ---------------
def two_conv_params(seed=0):
    rng = np.random.default_rng(seed)
    return {"c1": _conv_params(rng, 3, 1, 32), "c2": _conv_params(rng, 3, 32, 64),
            "dense": (_normal(rng, 64, 10), jnp.zeros(10))}, {}


def two_conv_loss(params, state, x, y, key):
    h = jax.nn.relu(conv(x, *params["c1"]))
    h = jax.nn.relu(conv(max_pool(h), *params["c2"]))
    logits = h.mean(axis=(1, 2)) @ params["dense"][0] + params["dense"][1]
    return sparse_ce(logits, y), state


# -- the Keras guides' convnet: Conv(64) x2 -> MaxPool -> Conv(128) x2 -> GAP -> Dropout(0.5) -> Dense(10) -----
def four_conv_params(seed=0):
    rng = np.random.default_rng(seed)
    return {"c1": _conv_params(rng, 3, 1, 64), "c2": _conv_params(rng, 3, 64, 64),
            "c3": _conv_params(rng, 3, 64, 128), "c4": _conv_params(rng, 3, 128, 128),
            "dense": (_normal(rng, 128, 10), jnp.zeros(10))}, {}


def four_conv_loss(params, state, x, y, key):
    h = jax.nn.relu(conv(x, *params["c1"]))
    h = jax.nn.relu(conv(h, *params["c2"]))
    h = max_pool(h)
    h = jax.nn.relu(conv(h, *params["c3"]))
    h = jax.nn.relu(conv(h, *params["c4"]))
    h = h.mean(axis=(1, 2))
    keep = jax.random.bernoulli(key, 0.5, h.shape)
    h = jnp.where(keep, h / 0.5, 0.0)
    probs = jax.nn.softmax(h @ params["dense"][0] + params["dense"][1])  # Dense(10, activation="softmax")
    probs = jnp.clip(probs, 1e-7, 1 - 1e-7)  # Keras's crossentropy on probabilities
    return -jnp.mean(jnp.log(jnp.take_along_axis(probs, y[:, None].astype(jnp.int32), axis=1))), state


# -- a CIFAR-size ResNet: three stages of two residual blocks, BatchNorm ------------------------------------
RESNET_STAGES = (16, 32, 64)


def resnet_params(seed=0):
    rng = np.random.default_rng(seed)
    params, state = {"stem": _conv_params(rng, 3, 3, 16), "stem_bn": _bn_params(16)}, {"stem_bn": _bn_state(16)}
    c_in = 16
    for s, filters in enumerate(RESNET_STAGES):
        for b in range(2):
            name = f"s{s}b{b}"
            params[name + "c1"], params[name + "bn1"] = _conv_params(rng, 3, c_in, filters), _bn_params(filters)
            params[name + "c2"], params[name + "bn2"] = _conv_params(rng, 3, filters, filters), _bn_params(filters)
            state[name + "bn1"], state[name + "bn2"] = _bn_state(filters), _bn_state(filters)
            if c_in != filters:
                params[name + "proj"] = _conv_params(rng, 1, c_in, filters)
            c_in = filters
    params["dense"] = (_normal(rng, c_in, 10), jnp.zeros(10))
    return params, state


def _bn_params(c):
    return (jnp.ones(c), jnp.zeros(c))


def _bn_state(c):
    return (jnp.zeros(c), jnp.ones(c))


def batch_norm(x, params, stats, momentum=0.99, epsilon=1e-3):
    """Keras's BatchNormalization in training: batch statistics, moving averages updated."""
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    gamma, beta = params
    moving_mean, moving_var = stats
    new = (moving_mean * momentum + mean * (1 - momentum), moving_var * momentum + var * (1 - momentum))
    return (x - mean) * jax.lax.rsqrt(var + epsilon) * gamma + beta, new


def resnet_loss(params, state, x, y, key):
    new_state = {}

    def bn(h, name):
        out, new_state[name] = batch_norm(h, params[name], state[name])
        return out

    h = jax.nn.relu(bn(conv(x, *params["stem"], padding="SAME"), "stem_bn"))
    for s in range(len(RESNET_STAGES)):
        for b in range(2):
            name = f"s{s}b{b}"
            strides = 2 if (s > 0 and b == 0) else 1
            r = jax.nn.relu(bn(conv(h, *params[name + "c1"], strides=strides, padding="SAME"), name + "bn1"))
            r = bn(conv(r, *params[name + "c2"], padding="SAME"), name + "bn2")
            shortcut = conv(h, *params[name + "proj"], strides=strides) if name + "proj" in params else h
            h = jax.nn.relu(r + shortcut)
    logits = h.mean(axis=(1, 2)) @ params["dense"][0] + params["dense"][1]
    return sparse_ce(logits, y), new_state


def epoch_runner(loss_fn, params_and_state, x, y, batch: int, compiler_options=None):
    """A function that trains one epoch over (x, y), one jitted step (Adam) per batch, and
    returns the number of steps; the first call compiles (with XLA's `compiler_options`)."""
    init, update = adam()
    params, state = params_and_state

    def step(params, opt, state, key, xb, yb):
        key, sub = jax.random.split(key)
        (loss, state), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, state, xb, yb, sub)
        params, opt = update(grads, opt, params)
        return params, opt, state, key, loss

    step = jax.jit(step, donate_argnums=(0, 1, 2), compiler_options=compiler_options)
    steps = len(x) // batch
    carry = {"state": (params, init(params), state, jax.random.key(0))}

    def epoch() -> int:
        for i in range(steps):
            *new, loss = step(*carry["state"], x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch])
            carry["state"] = new
        jax.block_until_ready(loss)
        return steps

    return epoch
