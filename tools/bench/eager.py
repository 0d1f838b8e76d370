"""Eager calls: latency of `model(x)` on a NumPy batch against a jitted JAX function of the same
math, called the same way (weights on device, the batch from NumPy). Timed in many short,
alternating rounds, best of each: both see the same machine, and on a shared one a round of a
millisecond or two often runs without being preempted where a longer one never does."""
from __future__ import annotations

import time

import numpy as np


def _latency(call, calls: int) -> float:
    import jax

    start = time.perf_counter()
    for _ in range(calls):
        out = call()
    jax.block_until_ready(out)
    return (time.perf_counter() - start) / calls


def eager(repeats=3, keras_peer=True, dims=(32, 64, 64, 10), batch=64, calls=10):
    """Seconds per `model(x)` of the tiny MLP, kerax and a hand-written jitted JAX function."""
    import jax

    import kerax

    kerax.utils.set_random_seed(0)
    model = kerax.Sequential([kerax.Input((dims[0],))] + [kerax.layers.Dense(d, activation="relu") for d in dims[1:-1]]
                             + [kerax.layers.Dense(dims[-1])])
    params = [(layer.kernel.value, layer.bias.value) for layer in model.layers]

    @jax.jit
    def mlp(params, x):
        for i, (w, b) in enumerate(params):
            x = x @ w + b
            if i < len(params) - 1:
                x = jax.nn.relu(x)
        return x

    x = np.random.default_rng(0).standard_normal((batch, dims[0]), dtype=np.float32)
    contenders = {"kerax": lambda: model(x), "jax_jit": lambda: mlp(params, x)}
    np.testing.assert_allclose(np.asarray(contenders["kerax"]()), np.asarray(contenders["jax_jit"]()), rtol=1e-5, atol=1e-5)
    best = {name: float("inf") for name in contenders}
    rounds = max(repeats, 1) * 100
    for _ in range(rounds):
        for name, call in contenders.items():
            best[name] = min(best[name], _latency(call, calls))
    ratio = best["kerax"] / best["jax_jit"]
    return {"what": f"model(x) of the MLP {'-'.join(map(str, dims))}, batch {batch} from NumPy, latency (best of "
                    f"{rounds} rounds of {calls} calls)",
            "seconds": best, "ratio": ratio,
            "lines": [f"  {name:<22} {seconds * 1e6:10.1f} us" for name, seconds in best.items()]
            + [f"  kerax / jax_jit latency  {ratio:8.2f}x   (target <= 1.5x)"]}
