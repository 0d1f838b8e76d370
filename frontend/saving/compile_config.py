"""`compile()`'s arguments as Keras 3's `compile_config`, and back, so a loaded model trains on
where it stopped."""
from __future__ import annotations

from .errors import SavingError
from .serialization import _deserialize, serialize_keras_object


def get_compile_config(model) -> dict:
    """What Keras writes under "compile_config" of a compiled model."""
    args = dict(getattr(model, "_compile_config", None) or {})
    return {"optimizer": serialize_keras_object(model.optimizer), "loss": _objects(args.get("loss")),
            "loss_weights": args.get("loss_weights"), "metrics": _objects(args.get("metrics")),
            "weighted_metrics": _objects(args.get("weighted_metrics")), "run_eagerly": False,
            "steps_per_execution": int(args.get("steps_per_execution", 1)), "jit_compile": True}


def _objects(spec):
    """Losses and metrics: names stay names, objects become configs, functions their names."""
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        return {k: _objects(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_objects(s) for s in spec]
    return serialize_keras_object(spec)


def compile_from_config(model, config: dict) -> None:
    """compile() the model as the config says, then build the optimizer so that its saved
    state has variables to load into."""
    if not isinstance(config, dict):
        raise SavingError("compile_config is not a dict", path="compile_config", expected="a dict",
                          found=type(config).__name__)
    if not config:
        return
    args = {k: _deserialize(v, f"compile_config/{k}") for k, v in config.items()
            if k in ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics")}
    steps = config.get("steps_per_execution", 1)
    try:
        model.compile(**args, steps_per_execution=int(steps) if isinstance(steps, int) else 1)
    except (TypeError, ValueError) as e:
        raise SavingError("Cannot compile the model as saved", path="compile_config",
                          expected="compile() arguments kerax accepts", found=f"{type(e).__name__}: {e}") from None
    if model.built and model.optimizer is not None and not model.optimizer.built:
        trainable, _ = model._state_lists()
        model._build_optimizer(trainable)  # as fit builds it, so that the saved slots load into it
