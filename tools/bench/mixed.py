"""Mixed precision in the benchmark: the same MLP under the "mixed_float16" policy (float16
compute, float32 variables, dynamic loss scaling) in kerax and Keras 3, one run, beside kerax
in float32 for what the policy itself costs or saves on this machine."""
from __future__ import annotations

from .models import _classifier_data, _compile_classifier, _keras, _time_fit


def mixed_mlp(repeats=3, keras_peer=True, k=32, policy="mixed_float16"):
    """MLP 128-512-512-10, batch 128, Adam wrapped in LossScaleOptimizer (as compile does for
    mixed_float16), steps_per_execution `k`."""
    import kerax

    batch, dims, steps = 128, [128, 512, 512, 10], 32 * 20
    x, y = _classifier_data((dims[0],), steps, batch)

    def build(lib, spe, name):
        lib.utils.set_random_seed(0)
        lib.config.set_dtype_policy(name)
        try:
            model = lib.Sequential([lib.Input((dims[0],))]
                                   + [lib.layers.Dense(d, activation="relu") for d in dims[1:-1]]
                                   # the logits in float32, as Keras's mixed-precision guide advises
                                   + [lib.layers.Dense(dims[-1], dtype="float32")])
            return _compile_classifier(model, lib, spe)
        finally:
            lib.config.set_dtype_policy("float32")

    result = {"what": f"MLP {'-'.join(map(str, dims))}, batch {batch}, Adam, policy {policy} (loss-scaled), "
                      f"steps_per_execution {k}; kerax_float32 is the same model without the policy"}
    result["kerax"] = _time_fit(build(kerax, k, policy), x, y, batch, repeats)
    result["kerax_float32"] = _time_fit(build(kerax, k, "float32"), x, y, batch, repeats)
    keras = _keras() if keras_peer else None
    if keras is not None:
        result[f"keras_spe{k}"] = _time_fit(build(keras, k, policy), x, y, batch, repeats)
    return result
