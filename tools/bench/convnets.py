"""Convolution nets at steps_per_execution 1 and K: kerax beside Keras 3 and hand-written JAX.

Each contender trains the same model on the same data; the hand-written reference runs one
jitted step per batch, the fastest strategy found for convolutions on CPU (lowering/loop_plan.py
has the measurements), so it serves as the reference at every K.
"""
from __future__ import annotations

import time

import jax
import numpy as np

from ...lowering.xla_options import convolution_options
from . import reference_conv


def fit_runner(model, x, y, batch: int, shuffle: bool = True):
    """A function that runs one epoch of `model.fit` and returns its number of steps."""
    def epoch() -> int:
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=shuffle)
        return len(x) // batch

    return epoch


def race(runners: dict, repeats: int) -> dict:
    """Steps/s of each runner, best of `repeats` rounds, the contenders taking turns within each
    round so that a change in the machine's load touches all of them alike. One warm-up epoch
    each compiles everything first."""
    for run in runners.values():
        run()
    best = dict.fromkeys(runners, 0.0)
    for _ in range(repeats):
        for name, run in runners.items():
            start = time.perf_counter()
            steps = run()
            best[name] = max(best[name], steps / (time.perf_counter() - start))
    return best


def two_conv(lib):
    layers = lib.layers
    return lib.Sequential([lib.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                           layers.Conv2D(64, 3, activation="relu"), layers.GlobalAveragePooling2D(), layers.Dense(10)])


def four_conv(lib):
    """The convnet of the Keras guides (intro_to_keras_for_engineers)."""
    layers = lib.layers
    return lib.Sequential([lib.Input((28, 28, 1)), layers.Conv2D(64, 3, activation="relu"),
                           layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                           layers.Conv2D(128, 3, activation="relu"), layers.Conv2D(128, 3, activation="relu"),
                           layers.GlobalAveragePooling2D(), layers.Dropout(0.5), layers.Dense(10, activation="softmax")])


def resnet(lib):
    """32x32x3, three stages of two residual blocks (Conv-BN-ReLU-Conv-BN + shortcut), GAP, Dense."""
    layers = lib.layers
    inputs = lib.Input((32, 32, 3))
    h = layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(16, 3, padding="same")(inputs)))
    c_in = 16
    for s, filters in enumerate(reference_conv.RESNET_STAGES):
        for b in range(2):
            strides = 2 if (s > 0 and b == 0) else 1
            r = layers.Conv2D(filters, 3, strides=strides, padding="same")(h)
            r = layers.ReLU()(layers.BatchNormalization()(r))
            r = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(r))
            shortcut = layers.Conv2D(filters, 1, strides=strides)(h) if c_in != filters else h
            h = layers.ReLU()(layers.Add()([r, shortcut]))
            c_in = filters
    outputs = layers.Dense(10)(layers.GlobalAveragePooling2D()(h))
    return lib.Model(inputs, outputs)


NETS = {
    "two_conv": (two_conv, (28, 28, 1), 128, reference_conv.two_conv_loss, reference_conv.two_conv_params,
                 "Conv2D 32 -> MaxPool -> Conv2D 64 -> GAP -> Dense 10, 28x28x1, batch 128", True),
    "four_conv": (four_conv, (28, 28, 1), 128, reference_conv.four_conv_loss, reference_conv.four_conv_params,
                  "the guides' convnet: Conv2D 64, 64 -> MaxPool -> Conv2D 128, 128 -> GAP -> Dropout -> Dense 10, "
                  "28x28x1, batch 128", False),
    "resnet": (resnet, (32, 32, 3), 64, reference_conv.resnet_loss, reference_conv.resnet_params,
               "ResNet 32x32x3, stages 16/32/64 x 2 residual blocks with BatchNorm, batch 64", True),
}


def bench_net(name: str, repeats: int = 2, keras_peer: bool = True, k: int = 8, steps: int | None = None) -> dict:
    """Steps/s of kerax (spe 1 and K), Keras 3 (spe 1 and K) and the JAX reference on one net."""
    import kerax

    from .models import _keras

    if steps is None:  # an accelerator runs 8 steps in milliseconds, less than fit's own fixed costs
        steps = 8 if jax.default_backend() == "cpu" else 64
    build, shape, batch, loss_fn, init, what, logits = NETS[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((steps * batch, *shape), dtype=np.float32)
    y = rng.integers(0, 10, steps * batch).astype(np.int32)

    def compiled(lib, spe):
        lib.utils.set_random_seed(0)
        model = build(lib)
        model.compile(optimizer="adam", loss=lib.losses.SparseCategoricalCrossentropy(from_logits=logits),
                      steps_per_execution=spe)
        return model

    keras = _keras() if keras_peer else None
    # The reference compiles with the XLA options kerax picks for convolution programs on this
    # platform (lowering/xla_options.py), the best strategy found; `jax_step_xla_defaults` is the
    # same code with XLA's defaults, what a hand-written JAX step gets unless told otherwise.
    options = convolution_options(jax.default_backend()) or None
    runners = {"jax_step": reference_conv.epoch_runner(loss_fn, init(), x, y, batch, options)}
    if options is not None:
        runners["jax_step_xla_defaults"] = reference_conv.epoch_runner(loss_fn, init(), x, y, batch)
    for spe in (1, k):
        runners[f"kerax_spe{spe}"] = fit_runner(compiled(kerax, spe), x, y, batch)
        if keras is not None:
            runners[f"keras_spe{spe}"] = fit_runner(compiled(keras, spe), x, y, batch)
    result = {"what": what + f"; Adam; steps_per_execution 1 and {k}", **race(runners, repeats)}
    result["pairs"] = [(f"kerax_spe{spe}", peer) for spe in (1, k)
                       for peer in ([f"keras_spe{spe}"] if keras is not None else []) + ["jax_step"]]
    if options is not None:
        result["pairs"].append(("jax_step", "jax_step_xla_defaults"))
    return result


def two_conv_net(repeats=2, keras_peer=True, k=8):
    return bench_net("two_conv", repeats, keras_peer, k)


def four_conv_net(repeats=2, keras_peer=True, k=8):
    return bench_net("four_conv", repeats, keras_peer, k)


def resnet_net(repeats=2, keras_peer=True, k=8):
    return bench_net("resnet", repeats, keras_peer, k)
