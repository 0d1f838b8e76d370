"""The benchmarked models. Each returns steps/s for kerax and its peers, measured in one run."""
from __future__ import annotations

import os
import time

import numpy as np

from . import reference


def _time_fit(model, x, y, batch: int, repeats: int) -> float:
    model.fit(x[: batch * 128], y[: batch * 128], batch_size=batch, epochs=1, verbose=0)  # compile
    steps = len(x) // batch
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        best = max(best, steps / (time.perf_counter() - start))
    return best


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras
    except ImportError:
        return None
    return keras


def tiny_mlp(repeats=3, keras_peer=True, k=64):
    """The dispatch-bound MLP of shared/bench: 32-64-64-10, batch 64, Adam."""
    import kerax

    batch, dims, steps = 64, [32, 64, 64, 10], 64 * 100
    rng = np.random.default_rng(0)
    x = rng.standard_normal((steps * batch, dims[0]), dtype=np.float32)
    y = rng.integers(0, 10, steps * batch).astype(np.int32)

    def build(lib, spe):
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((dims[0],))] + [lib.layers.Dense(d, activation="relu") for d in dims[1:-1]]
                               + [lib.layers.Dense(dims[-1])])
        model.compile(optimizer="adam", loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
                      steps_per_execution=spe)
        return model

    result = {"what": f"MLP {'-'.join(map(str, dims))}, batch {batch}, Adam, steps_per_execution {k}, CPU/GPU as found"}
    result["kerax"] = _time_fit(build(kerax, k), x, y, batch, repeats)
    result[f"jax_scan{k}"] = reference.time_scan(reference.mlp_loss, reference.mlp_params(dims), x, y, batch, k, repeats)
    keras = _keras() if keras_peer else None
    if keras is not None:
        result[f"keras_spe{k}"] = _time_fit(build(keras, k), x, y, batch, 1)
        result["keras_spe1"] = _time_fit(build(keras, 1), x, y, batch, 1)
    return result


MODELS = {"tiny_mlp": tiny_mlp}
