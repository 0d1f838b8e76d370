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


def scan_trainer(loss_fn, params, k: int, lr=1e-3):
    """(run(xs, ys) over the whole data set in calls of k steps, params)."""
    init, update = adam(lr)

    def step(carry, batch):
        params, opt = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, *batch)
        params, opt = update(grads, opt, params)
        return (params, opt), loss

    multi = jax.jit(lambda p, o, xs, ys: jax.lax.scan(step, (p, o), (xs, ys)), donate_argnums=(0, 1))
    return multi, init(params)


def time_scan(loss_fn, params, x, y, batch: int, k: int, repeats: int = 1) -> float:
    """Steps per second of the hand-written scan over (x, y), after one warm-up call."""
    import time

    multi, opt = scan_trainer(loss_fn, params, k)
    steps = len(x) // batch
    calls = steps // k
    xs = x[: calls * k * batch].reshape(calls, k, batch, *x.shape[1:])
    ys = y[: calls * k * batch].reshape(calls, k, batch, *y.shape[1:])
    params = jax.tree.map(jnp.copy, params)
    (params, opt), loss = multi(params, opt, xs[0], ys[0])
    jax.block_until_ready(loss)
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(calls):
            (params, opt), loss = multi(params, opt, xs[i], ys[i])
        jax.block_until_ready(loss)
        best = max(best, calls * k / (time.perf_counter() - start))
    return best


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
