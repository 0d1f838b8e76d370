"""predict() over 30 batch sizes: programs compiled and seconds, kerax beside Keras 3."""
from __future__ import annotations

import time

import jax
import numpy as np

_compiles = []
_listening = False


def _count_compiles():
    global _listening
    if not _listening:
        jax.monitoring.register_event_duration_secs_listener(
            lambda name, secs, **kw: _compiles.append(name)
            if name == "/jax/core/compile/backend_compile_duration" else None)
        _listening = True


def _predict_run(lib, k: int) -> tuple[int, int, float]:
    """(programs compiled by the first predict, by 30 more of other sizes, seconds of those 30)."""
    lib.utils.set_random_seed(0)
    model = lib.Sequential([lib.Input((32,)), lib.layers.Dense(64, activation="relu"), lib.layers.Dense(10)])
    model.compile(optimizer="adam", loss="mse", steps_per_execution=k)
    x = np.random.default_rng(0).standard_normal((1000, 32)).astype(np.float32)
    before = len(_compiles)
    model.predict(x, verbose=0)
    first = len(_compiles) - before
    before = len(_compiles)
    start = time.perf_counter()
    for b in range(1, 31):
        model.predict(x[: 7 * b + 3], batch_size=16 + b, verbose=0)
    return first, len(_compiles) - before, time.perf_counter() - start


def predict_sizes(repeats=1, keras_peer=True):
    """The benchmark entry: kerax and Keras at steps_per_execution 1 and 8."""
    import kerax

    from .models import _keras

    _count_compiles()
    keras = _keras() if keras_peer else None
    rows = {}
    for k in (1, 8):
        for lib in ([kerax] + ([keras] if keras is not None else [])):
            rows[f"{lib.__name__}_spe{k}"] = _predict_run(lib, k)
    return {"what": "predict() of an MLP 32-64-10 on 1,000 samples, then over 30 batch sizes; programs compiled "
                    "and seconds", "lines": format_rows(rows)}


def format_rows(rows: dict) -> list:
    lines = [f"  {name:<12} first predict: {first} programs   30 sizes: {later} programs, {seconds:6.2f} s"
             for name, (first, later, seconds) in rows.items()]
    for k in (1, 8):
        mine, peer = rows.get(f"kerax_spe{k}"), rows.get(f"keras_spe{k}")
        if mine and peer:
            lines.append(f"  spe {k}: kerax / keras programs {mine[1]}/{peer[1]}, time {mine[2] / peer[2]:4.2f}x")
    return lines
