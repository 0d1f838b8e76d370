"""Hand-written JAX references: the same models and Keras's Adam, K steps per call in one lax.scan."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def adam(lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Keras 3's Adam update, written out."""

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return (jnp.zeros((), jnp.int32), zeros, jax.tree.map(jnp.zeros_like, params))

    def update(grads, state, params):
        t, m, v = state
        step = (t + 1).astype(jnp.float32)
        alpha = lr * jnp.sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step)
        m = jax.tree.map(lambda m, g: m + (g - m) * (1 - beta_1), m, grads)
        v = jax.tree.map(lambda v, g: v + (g * g - v) * (1 - beta_2), v, grads)
        params = jax.tree.map(lambda p, m, v: p - alpha * m / (jnp.sqrt(v) + epsilon), params, m, v)
        return params, (t + 1, m, v)

    return init, update


def scan_trainer(loss_fn, params, k: int, lr=1e-3, unroll: bool = False, compiler_options=None):
    """(jitted k-step program, optimizer state). `unroll` gives the loop's steps to XLA unrolled
    (on CPU, convolutions inside a while loop are far slower: jax-ml/jax#12868); the program
    compiles with XLA's `compiler_options`."""
    init, update = adam(lr)

    def step(carry, batch):
        params, opt = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, *batch)
        params, opt = update(grads, opt, params)
        return (params, opt), loss

    multi = jax.jit(lambda p, o, xs, ys: jax.lax.scan(step, (p, o), (xs, ys), unroll=True if unroll else 1),
                    donate_argnums=(0, 1), compiler_options=compiler_options)
    return multi, init(params)


def mlp_loss(params, x, y):
    h = x
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i < len(params) - 1:
            h = jax.nn.relu(h)
    logp = jax.nn.log_softmax(h)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None].astype(jnp.int32), axis=1))


def mlp_params(dims, seed=0):
    rng = np.random.default_rng(seed)
    return [(jnp.asarray(rng.standard_normal((a, b), dtype=np.float32) * 0.1), jnp.zeros(b, jnp.float32))
            for a, b in zip(dims[:-1], dims[1:])]


def convnet_loss(params, x, y):
    """Conv(16,3,relu) -> maxpool 2 -> Conv(32,3,relu) -> maxpool 2 -> flatten -> Dense(10), logits."""
    (k1, b1), (k2, b2), (w, b) = params
    dims = ("NHWC", "HWIO", "NHWC")
    h = jax.nn.relu(jax.lax.conv_general_dilated(x, k1, (1, 1), "VALID", dimension_numbers=dims) + b1)
    h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    h = jax.nn.relu(jax.lax.conv_general_dilated(h, k2, (1, 1), "VALID", dimension_numbers=dims) + b2)
    h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    logits = h.reshape(h.shape[0], -1) @ w + b
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None].astype(jnp.int32), axis=1))


def convnet_params(size, seed=0):
    rng = np.random.default_rng(seed)
    side = ((size - 2) // 2 - 2) // 2

    def normal(*shape):
        return jnp.asarray(rng.standard_normal(shape, dtype=np.float32) * 0.1)

    return [(normal(3, 3, 1, 16), jnp.zeros(16)), (normal(3, 3, 16, 32), jnp.zeros(32)),
            (normal(side * side * 32, 10), jnp.zeros(10))]


def lstm_loss(params, x, y):
    """Embedding -> LSTM (Keras gate order i, f, c, o; sigmoid/tanh) -> Dense(10), logits."""
    embeddings, kernel, recurrent, bias, w, b = params
    seq = embeddings[x]  # (batch, time, dim)
    units = recurrent.shape[0]

    def cell(carry, xt):
        h, c = carry
        z = xt @ kernel + h @ recurrent + bias
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    zeros = jnp.zeros((x.shape[0], units), jnp.float32)
    (h, _), _ = jax.lax.scan(cell, (zeros, zeros), jnp.swapaxes(seq, 0, 1))
    logp = jax.nn.log_softmax(h @ w + b)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None].astype(jnp.int32), axis=1))


def lstm_params(vocab, dim, units, seed=0):
    rng = np.random.default_rng(seed)

    def normal(*shape):
        return jnp.asarray(rng.standard_normal(shape, dtype=np.float32) * 0.1)

    return [normal(vocab, dim), normal(dim, 4 * units), normal(units, 4 * units), jnp.zeros(4 * units),
            normal(units, 10), jnp.zeros(10)]


def scan_epoch_runner(loss_fn, params, x, y, batch: int, k: int, unroll: bool = False, compiler_options=None):
    """A function that trains one epoch of the hand-written scan (K steps per call) and returns
    its number of steps; for `convnets.race`, which lets contenders take turns."""
    multi, opt = scan_trainer(loss_fn, params, k, unroll=unroll, compiler_options=compiler_options)
    calls = (len(x) // batch) // k
    xs = x[: calls * k * batch].reshape(calls, k, batch, *x.shape[1:])
    ys = y[: calls * k * batch].reshape(calls, k, batch, *y.shape[1:])
    carry = {"state": (jax.tree.map(jnp.copy, params), opt)}

    def epoch() -> int:
        for i in range(calls):
            carry["state"], loss = multi(*carry["state"], xs[i], ys[i])
        jax.block_until_ready(loss)
        return calls * k

    return epoch
