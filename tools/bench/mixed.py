"""Mixed precision in the benchmark: the same MLP under the "mixed_float16" policy (float16
compute, float32 variables, dynamic loss scaling) in kerax and Keras 3 at steps_per_execution 1
and K, beside kerax in float32 for what the policy itself costs or saves on this machine. The
contenders take turns (convnets.race), so a change in the machine's load touches all alike."""
from __future__ import annotations

from .convnets import fit_runner, race
from .models import _classifier_data, _compile_classifier, _keras


def mixed_mlp(repeats=3, keras_peer=True, k=8, policy="mixed_float16"):
    """MLP 128-512-512-10, batch 128, Adam wrapped in LossScaleOptimizer (as compile does for
    mixed_float16), steps_per_execution 1 and `k`."""
    import kerax

    batch, dims, steps = 128, [128, 512, 512, 10], 8 * 12
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

    keras = _keras() if keras_peer else None
    runners = {}
    for spe in (1, k):
        runners[f"kerax_spe{spe}"] = fit_runner(build(kerax, spe, policy), x, y, batch)
        if keras is not None:
            runners[f"keras_spe{spe}"] = fit_runner(build(keras, spe, policy), x, y, batch)
    runners[f"kerax_float32_spe{k}"] = fit_runner(build(kerax, k, "float32"), x, y, batch)
    result = {"what": f"MLP {'-'.join(map(str, dims))}, batch {batch}, Adam, policy {policy} (loss-scaled), "
                      f"steps_per_execution 1 and {k}; kerax_float32 is the same model without the policy; "
                      "contenders take turns", **race(runners, repeats)}
    result["pairs"] = ([(f"kerax_spe{spe}", f"keras_spe{spe}") for spe in (1, k)] if keras is not None else []) + [
        (f"kerax_spe{k}", f"kerax_float32_spe{k}")]
    return result
