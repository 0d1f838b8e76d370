"""Saving and loading a model of about 100 MB of weights: kerax vs Keras 3, in one run.

A stack of Dense(2048) layers (25 M float32 parameters) is saved as `.keras` and loaded
back with `load_model`, and saved and loaded as `.weights.h5`; each contender's best of
`repeats` is kept. kerax syncs every file to disk before renaming it into place (Keras 3
does not sync), and still has to be no slower.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time

import numpy as np

WIDTH, DEPTH = 2048, 6  # 6 x (2048 x 2048 + 2048) float32 = 100.7 MB


def _build(K):
    layers = [K.Input((WIDTH,))] + [K.layers.Dense(WIDTH) for _ in range(DEPTH)]
    model = K.Sequential(layers)
    rng = np.random.default_rng(0)
    model.set_weights([rng.standard_normal(w.shape, dtype=np.float32) for w in model.get_weights()])
    return model


def _best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _measure(K, load_model, folder: str, repeats: int) -> dict:
    model = _build(K)
    full, weights = os.path.join(folder, "m.keras"), os.path.join(folder, "m.weights.h5")
    twin = _build(K)
    result = {"save .keras": _best(lambda: model.save(full), repeats),
              "load .keras": _best(lambda: load_model(full), repeats),
              "save .weights.h5": _best(lambda: model.save_weights(weights), repeats),
              "load .weights.h5": _best(lambda: twin.load_weights(weights), repeats)}
    loaded = load_model(full)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))
    return result


def saving(repeats: int = 3, keras_peer: bool = True) -> dict:
    """Throughput in MB of weights per second, each operation and all four together, for kerax
    and Keras 3, with the kerax / Keras ratio of each (above 1: kerax is faster)."""
    import kerax

    folder = tempfile.mkdtemp(prefix="kerax_bench_saving_")
    megabytes = DEPTH * (WIDTH * WIDTH + WIDTH) * 4 / 1e6
    try:
        runs = {"kerax": _measure(kerax, kerax.models.load_model, folder, repeats)}
        if keras_peer:
            os.environ.setdefault("KERAS_BACKEND", "jax")
            import keras

            runs["keras"] = _measure(keras, keras.models.load_model, folder, repeats)
        result = {"what": f"Dense {DEPTH}x{WIDTH}, {megabytes:.0f} MB of weights saved and loaded "
                          "(.keras, .weights.h5)", "unit": "MB/s", "pairs": []}
        for op in ("all four", *runs["kerax"]):
            for who, times in runs.items():
                seconds = sum(times.values()) if op == "all four" else times[op]
                result[f"{who} {op}"] = megabytes / seconds
            if keras_peer:
                result["pairs"].append((f"kerax {op}", f"keras {op}"))
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)
