"""The benchmarked models. Each returns steps/s for kerax and its peers, measured in one run."""
from __future__ import annotations

import os
import time

import numpy as np

from . import deep, eager, reference


def _time_fit(model, x, y, batch: int, repeats: int, shuffle: bool = True) -> float:
    """Steps/s of one epoch of fit (best of `repeats`), after an epoch that compiles everything."""
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=shuffle)
    steps = len(x) // batch
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=shuffle)
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

    from .convnets import fit_runner, race

    runners = {"kerax": fit_runner(build(kerax, k), x, y, batch, shuffle=False),
               "kerax_shuffled": fit_runner(build(kerax, k), x, y, batch),
               "kerax_spe1": fit_runner(build(kerax, 1), x, y, batch, shuffle=False),
               "kerax_spe1_kept": fit_runner(_kept_state(build(kerax, 1), x, y, batch), x, y, batch, shuffle=False),
               f"jax_scan{k}": reference.scan_epoch_runner(reference.mlp_loss, reference.mlp_params(dims), x, y, batch, k)}
    keras = _keras() if keras_peer else None
    if keras is not None:
        runners[f"keras_spe{k}"] = fit_runner(build(keras, k), x, y, batch)
        runners["keras_spe1"] = fit_runner(build(keras, 1), x, y, batch)
    return {"what": f"MLP {'-'.join(map(str, dims))}, batch {batch}, Adam, steps_per_execution {k}; kerax = "
                    "fit(shuffle=False), the reference's work; Keras and kerax_shuffled shuffle, as fit does; "
                    "contenders take turns", **race(runners, repeats)}


def _kept_state(model, x, y, batch):
    """`model` whose train program does not donate the state, as a program with a host callback
    runs (lowering/donation.py): what keeping the last state alive through a call costs."""
    model.fit(x[:batch], y[:batch], batch_size=batch, epochs=1, verbose=0)
    for program in model._executables["train"].jitted.values():
        program.keep_inputs()
    return model


def _classifier_data(shape, steps, batch, classes=10, integer_max=None):
    rng = np.random.default_rng(0)
    if integer_max is None:
        x = rng.standard_normal((steps * batch, *shape), dtype=np.float32)
    else:
        x = rng.integers(0, integer_max, (steps * batch, *shape)).astype(np.int32)
    return x, rng.integers(0, classes, steps * batch).astype(np.int32)


def _compile_classifier(model, lib, k):
    model.compile(optimizer="adam", loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
                  steps_per_execution=k)
    return model


def convnet(repeats=3, keras_peer=True, k=8):
    """A small convnet: 16x16x1 -> Conv(16) -> MaxPool -> Conv(32) -> MaxPool -> Dense(10), batch 32."""
    import jax

    import kerax

    batch, size, steps = 32, 16, 8 * 24
    x, y = _classifier_data((size, size, 1), steps, batch)

    def build(lib, spe):
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((size, size, 1)), lib.layers.Conv2D(16, 3, activation="relu"),
                                lib.layers.MaxPooling2D(2), lib.layers.Conv2D(32, 3, activation="relu"),
                                lib.layers.MaxPooling2D(2), lib.layers.Flatten(), lib.layers.Dense(10)])
        return _compile_classifier(model, lib, spe)

    from .convnets import fit_runner, race

    from ...lowering.xla_options import convolution_options

    unroll = jax.default_backend() == "cpu"
    options = convolution_options(jax.default_backend()) or None  # the reference gets kerax's XLA options
    runners = {"kerax": fit_runner(build(kerax, k), x, y, batch),
               f"jax_scan{k}": reference.scan_epoch_runner(reference.convnet_loss, reference.convnet_params(size),
                                                           x, y, batch, k, unroll=unroll, compiler_options=options)}
    keras = _keras() if keras_peer else None
    if keras is not None:
        runners[f"keras_spe{k}"] = fit_runner(build(keras, k), x, y, batch)
    return {"what": f"convnet 16x16x1, batch {batch}, Adam, steps_per_execution {k}; contenders take turns"
                    + (" (CPU: the reference scan unrolled)" if unroll else "")
                    + (", with kerax's XLA options" if options else ""), **race(runners, repeats)}


def lstm(repeats=3, keras_peer=True, k=16):
    """Embedding(1000, 32) -> LSTM(64) -> Dense(10) over sequences of 20 tokens, batch 32."""
    import kerax

    batch, vocab, dim, units, length, steps = 32, 1000, 32, 64, 20, 16 * 16
    x, y = _classifier_data((length,), steps, batch, integer_max=vocab)

    def build(lib, spe):
        lib.utils.set_random_seed(0)
        model = lib.Sequential([lib.Input((length,), dtype="int32"), lib.layers.Embedding(vocab, dim),
                                lib.layers.LSTM(units), lib.layers.Dense(10)])
        return _compile_classifier(model, lib, spe)

    from .convnets import fit_runner, race

    runners = {"kerax": fit_runner(build(kerax, k), x, y, batch),
               f"jax_scan{k}": reference.scan_epoch_runner(reference.lstm_loss, reference.lstm_params(vocab, dim, units),
                                                           x, y, batch, k)}
    keras = _keras() if keras_peer else None
    if keras is not None:
        runners[f"keras_spe{k}"] = fit_runner(build(keras, k), x, y, batch)
    return {"what": f"Embedding({vocab}, {dim}) -> LSTM({units}) -> Dense(10), sequences of {length}, batch {batch}, "
                    f"Adam, steps_per_execution {k}; contenders take turns", **race(runners, repeats)}


from .compile_time import compile_time  # noqa: E402
from .convnets import four_conv_net, resnet_net, two_conv_net  # noqa: E402
from .mixed import mixed_mlp  # noqa: E402
from .predict import predict_sizes  # noqa: E402
from .preprocessing import preprocessing  # noqa: E402
from .saving import saving  # noqa: E402

MODELS = {"tiny_mlp": tiny_mlp, "convnet": convnet, "lstm": lstm, "two_conv": two_conv_net, "four_conv": four_conv_net,
          "resnet": resnet_net, "compile_time": compile_time, "predict": predict_sizes, "deep_graphs": deep.deep_graphs,
          "saving": saving, "preprocessing": preprocessing, "eager": eager.eager, "mixed_mlp": mixed_mlp}
