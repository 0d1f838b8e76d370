"""Saving and loading a model of about 100 MB of weights: kerax vs Keras 3, in one run.

A stack of Dense(2048) layers (25 M float32 parameters) is saved as `.keras` and loaded
back with `load_model`, and saved and loaded as `.weights.h5`. The contenders take turns,
operation by operation, and each one's best of `repeats` is kept. kerax syncs every file to
disk before renaming it into place (Keras 3 does not sync), and still has to be no slower;
"keras+fsync" (Keras's saves followed by the same syncs) shows what that durability costs,
and "raw" / "raw+fsync" (the same number of bytes written over a file in one call, without
and with fsync) what the disk allows: where raw+fsync is slower than Keras's save, no save
that syncs can match Keras on this disk.
"""
from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time

import numpy as np

WIDTH, DEPTH = 2048, 6  # 6 x (2048 x 2048 + 2048) float32 = 100.7 MB
RAW = "raw-"  # the raw writes' files


def _build(K):
    layers = [K.Input((WIDTH,))] + [K.layers.Dense(WIDTH) for _ in range(DEPTH)]
    model = K.Sequential(layers)
    rng = np.random.default_rng(0)
    model.set_weights([rng.standard_normal(w.shape, dtype=np.float32) for w in model.get_weights()])
    return model


def _operations(K, load_model, folder: str, who: str) -> dict:
    """The four timed operations of one contender, each a no-argument function."""
    model, twin = _build(K), _build(K)
    full, weights = os.path.join(folder, f"{who}.keras"), os.path.join(folder, f"{who}.weights.h5")
    model.save(full)  # the files exist before the first load, and every save overwrites one
    model.save_weights(weights)
    loaded = load_model(full)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))
    return {"save .keras": lambda: model.save(full), "load .keras": lambda: load_model(full),
            "save .weights.h5": lambda: model.save_weights(weights),
            "load .weights.h5": lambda: twin.load_weights(weights)}


def _synced(save, path: str):
    """`save`, then what kerax's writer adds for durability: the file and its folder synced."""
    from ...runtime.atomic import sync_folder

    def run():
        save()
        with open(path, "rb+") as f:
            os.fsync(f.fileno())
        sync_folder(os.path.dirname(path))

    return run


def _raw(folder: str, nbytes: int) -> dict:
    """The floor of a save: `nbytes` written as one write into a new file, without and with
    fsync (the files of earlier runs are removed between operations, untimed)."""
    data = memoryview(np.random.default_rng(1).integers(0, 256, nbytes, dtype=np.uint8))
    runs = itertools.count()

    def write(sync: bool):
        def run():
            with open(os.path.join(folder, f"{RAW}{next(runs)}"), "wb") as f:
                f.write(data)
                f.flush()
                if sync:
                    os.fsync(f.fileno())

        return run

    return {"raw": {"save .weights.h5": write(False)}, "raw+fsync": {"save .weights.h5": write(True)}}


def _take_turns(contenders: dict, repeats: int, folder: str) -> dict:
    """Best time of each (contender, operation), the contenders alternating within each round so
    that a noisy moment of the machine falls on both."""
    best = {who: {} for who in contenders}
    for round_ in range(repeats):
        for op in next(iter(contenders.values())):
            order = list(contenders) if round_ % 2 == 0 else list(reversed(contenders))
            for who in (w for w in order if op in contenders[w]):
                _settle(folder)
                start = time.perf_counter()
                contenders[who][op]()
                seconds = time.perf_counter() - start
                best[who][op] = min(best[who].get(op, seconds), seconds)
    return best


def _settle(folder: str) -> None:
    """Start each operation on a quiet disk: without this, the next contender would pay for the
    writeback of a save that did not sync (Keras's), for the freeing of files that kerax
    replaced (which kerax leaves to a background thread) and of the raw writes' files."""
    from ...runtime.atomic import wait_for_freeing

    wait_for_freeing()
    for name in os.listdir(folder):
        if name.startswith(RAW):
            os.unlink(os.path.join(folder, name))
    os.sync()


def saving(repeats: int = 3, keras_peer: bool = True) -> dict:
    """Throughput in MB of weights per second, each operation and all four together, for kerax
    and Keras 3, with the kerax / Keras ratio of each (above 1: kerax is faster)."""
    import kerax

    folder = tempfile.mkdtemp(prefix="kerax_bench_saving_")
    megabytes = DEPTH * (WIDTH * WIDTH + WIDTH) * 4 / 1e6
    try:
        contenders = {"kerax": _operations(kerax, kerax.models.load_model, folder, "kerax")}
        if keras_peer:
            os.environ.setdefault("KERAS_BACKEND", "jax")
            import keras

            contenders["keras"] = keras_ops = _operations(keras, keras.models.load_model, folder, "keras")
            # the same saves made as durable as kerax's: a reference, not a contender
            contenders["keras+fsync"] = {op: _synced(keras_ops[op], os.path.join(folder, "keras" + op[5:]))
                                         for op in ("save .keras", "save .weights.h5")}
        contenders.update(_raw(folder, int(megabytes * 1e6)))
        runs = _take_turns(contenders, repeats, folder)
        result = {"what": f"Dense {DEPTH}x{WIDTH}, {megabytes:.0f} MB of weights saved and loaded "
                          "(.keras, .weights.h5)", "unit": "MB/s", "pairs": []}
        for op in ("all four", *runs["kerax"]):
            for who, times in runs.items():
                if op in times or (op == "all four" and len(times) == 4):
                    seconds = sum(times.values()) if op == "all four" else times[op]
                    result[f"{who} {op}"] = megabytes / seconds
            if keras_peer:
                result["pairs"].append((f"kerax {op}", f"keras {op}"))
        if keras_peer:
            result["pairs"] += [(f"kerax {op}", f"keras+fsync {op}") for op in ("save .keras", "save .weights.h5")]
            result["pairs"].append(("raw+fsync save .weights.h5", "keras save .weights.h5"))
        result["pairs"].append(("kerax save .weights.h5", "raw+fsync save .weights.h5"))
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)
