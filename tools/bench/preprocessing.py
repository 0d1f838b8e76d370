"""A model with its preprocessing inside: scaling, normalization and augmentation layers ahead
of a small convnet, trained with fit. kerax compiles them into the training step, and so does
Keras 3 here: the layers are ones Keras can jit (its affine and crop layers say
`supports_jit=False`, which makes Keras run the whole step un-jitted, a comparison that says
nothing about kerax)."""
from __future__ import annotations

import numpy as np

from .models import _compile_classifier, _keras, _time_fit


def preprocessing(repeats=3, keras_peer=True, k=8):
    """16x16x3 pixels -> Rescaling -> Normalization -> RandomFlip -> RandomContrast ->
    Conv(16) -> MaxPool -> Dense(10), batch 32."""
    import kerax

    batch, size, steps = 32, 16, 8 * 24
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (steps * batch, size, size, 3)).astype(np.float32)
    y = rng.integers(0, 10, steps * batch).astype(np.int32)

    def build(lib, spe):
        lib.utils.set_random_seed(0)
        norm = lib.layers.Normalization()
        norm.adapt(x[:256] / 255.0)
        model = lib.Sequential([
            lib.Input((size, size, 3)), lib.layers.Rescaling(1 / 255), norm,
            lib.layers.RandomFlip("horizontal", seed=1), lib.layers.RandomContrast(0.2, seed=3),
            lib.layers.Conv2D(16, 3, activation="relu"), lib.layers.MaxPooling2D(2), lib.layers.Flatten(),
            lib.layers.Dense(10)])
        return _compile_classifier(model, lib, spe)

    result = {"what": f"preprocessing inside the model (Rescaling, Normalization, RandomFlip, RandomContrast) + "
                      f"convnet 16x16x3, batch {batch}, Adam, steps_per_execution {k}"}
    result["kerax"] = _time_fit(build(kerax, k), x, y, batch, repeats)
    keras = _keras() if keras_peer else None
    if keras is not None:
        result[f"keras_spe{k}"] = _time_fit(build(keras, k), x, y, batch, repeats)
    return result
