"""A model with its preprocessing inside: scaling, normalization and augmentation layers ahead
of a small convnet, trained with fit, kerax beside Keras 3 at steps_per_execution 1 and K, the
contenders taking turns (convnets.race). The layers are ones Keras can jit: its affine and crop
layers say `supports_jit=False`, which makes Keras run the whole step un-jitted, a comparison
that would say nothing about kerax."""
from __future__ import annotations

import numpy as np

from .convnets import fit_runner, race


def preprocessing(repeats=3, keras_peer=True, k=8):
    """16x16x3 pixels -> Rescaling -> Normalization -> RandomFlip -> RandomContrast ->
    Conv(16) -> MaxPool -> Dense(10), batch 32."""
    import kerax

    from .models import _keras

    batch, size, steps = 32, 16, 8 * 24
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (steps * batch, size, size, 3)).astype(np.float32)
    y = rng.integers(0, 10, steps * batch).astype(np.int32)

    def compiled(lib, spe):
        lib.utils.set_random_seed(0)
        norm = lib.layers.Normalization()
        norm.adapt(x[:256] / 255.0)
        model = lib.Sequential([
            lib.Input((size, size, 3)), lib.layers.Rescaling(1 / 255), norm,
            lib.layers.RandomFlip("horizontal", seed=1), lib.layers.RandomContrast(0.2, seed=3),
            lib.layers.Conv2D(16, 3, activation="relu"), lib.layers.MaxPooling2D(2), lib.layers.Flatten(),
            lib.layers.Dense(10)])
        model.compile(optimizer="adam", loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True),
                      steps_per_execution=spe)
        return model

    keras = _keras() if keras_peer else None
    runners = {}
    for spe in (1, k):
        runners[f"kerax_spe{spe}"] = fit_runner(compiled(kerax, spe), x, y, batch)
        if keras is not None:
            runners[f"keras_spe{spe}"] = fit_runner(compiled(keras, spe), x, y, batch)
    result = {"what": f"preprocessing inside the model (Rescaling, Normalization, RandomFlip, RandomContrast) + "
                      f"convnet 16x16x3, batch {batch}, Adam, steps_per_execution 1 and {k}", **race(runners, repeats)}
    result["pairs"] = [(f"kerax_spe{spe}", f"keras_spe{spe}") for spe in (1, k)] if keras is not None else []
    return result
