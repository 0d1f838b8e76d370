"""Learning-rate schedules: pure functions of the optimizer's step, as in Keras 3.

A schedule is called with the optimizer's iteration count (an int32 array, traced inside a
compiled step) and returns the learning rate for that step, so a schedule never recompiles.

>>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> float(schedule(jnp.asarray(10)))
0.05000000074505806
"""
from __future__ import annotations

import math

import jax.numpy as jnp

from .. import config


class LearningRateSchedule:
    """Base class: subclasses define `__call__(step)` (pure jnp) and `get_config()`.

    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 * 0.5 ** jnp.asarray(step, "float32")
    ...     def get_config(self):
    ...         return {}
    >>> float(Halving()(2))
    0.02500000037252903
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`")

    def get_config(self) -> dict:
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
                                  "to be serializable")

    @classmethod
    def from_config(cls, config_: dict):
        return cls(**config_)


def _as_tensor(value):
    # Keras's convert_to_tensor: a Python number becomes floatx, an array keeps its dtype.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return jnp.asarray(value, config.floatx())
    return jnp.asarray(value)


def _check_decay_steps(owner, name: str, value) -> None:
    if value <= 0:
        raise ValueError(f"{owner}: argument `{name}` must be > 0, received {name}={value}")


def _progress(step, decay_steps, staircase: bool, dtype):
    """step / decay_steps, floored for a staircase schedule."""
    p = jnp.asarray(step).astype(dtype) / jnp.asarray(decay_steps, dtype)
    return jnp.floor(p) if staircase else p


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored when staircase).

    >>> float(ExponentialDecay(1.0, 2, 0.5, staircase=True)(3))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        _check_decay_steps("ExponentialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        lr = _as_tensor(self.initial_learning_rate)
        p = _progress(step, self.decay_steps, self.staircase, lr.dtype)
        return lr * jnp.power(jnp.asarray(self.decay_rate, lr.dtype), p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[i]` while `boundaries[i-1] < step <= boundaries[i]`.

    >>> schedule = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> [float(schedule(s)) for s in (10, 11, 21)]
    [1.0, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"PiecewiseConstantDecay: `boundaries` must have one entry fewer than `values`; "
                             f"received {len(boundaries)} boundaries {boundaries} and {len(values)} values {values}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = jnp.asarray(step)
        # As Keras: boundaries take the step's dtype, the result takes the first value's dtype.
        boundaries = [_as_tensor(b).astype(step.dtype) for b in self.boundaries]
        values = [_as_tensor(v) for v in self.values]
        dtype = values[0].dtype
        result = jnp.zeros((), dtype)
        result = result + (step <= boundaries[0]).astype(dtype) * values[0]
        result = result + (step > boundaries[-1]).astype(dtype) * values[-1]
        for low, high, value in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
            result = result + ((step > low) & (step <= high)).astype(dtype) * value
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Decays polynomially from `initial_learning_rate` to `end_learning_rate` over `decay_steps`.

    >>> float(PolynomialDecay(1.0, 10, end_learning_rate=0.0)(5))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        _check_decay_steps("PolynomialDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        lr = _as_tensor(self.initial_learning_rate)
        dtype = lr.dtype
        end = jnp.asarray(self.end_learning_rate, dtype)
        power = jnp.asarray(self.power, dtype)
        step = jnp.asarray(step).astype(dtype)
        decay_steps = jnp.asarray(self.decay_steps, dtype)
        if self.cycle:
            multiplier = jnp.where(step == 0, 1.0, jnp.ceil(step / self.decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = jnp.minimum(step, decay_steps)
        p = step / decay_steps
        return (lr - end) * jnp.power(1 - p, power) + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)` (floored when staircase).

    >>> float(InverseTimeDecay(1.0, 1, 1.0)(1))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        _check_decay_steps("InverseTimeDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        lr = _as_tensor(self.initial_learning_rate)
        p = _progress(step, self.decay_steps, self.staircase, lr.dtype)
        return lr / (jnp.ones((), lr.dtype) + jnp.asarray(self.decay_rate, lr.dtype) * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay over `decay_steps`, after an optional linear warmup to `warmup_target`.

    >>> round(float(CosineDecay(1.0, 10)(5)), 6)
    0.5
    >>> float(CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=4)(2))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        _check_decay_steps("CosineDecay", "decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay(self, step, decay_steps, decay_from_lr, dtype):
        fraction = step / decay_steps
        cosine = 0.5 * (1.0 + jnp.cos(jnp.asarray(math.pi, dtype) * fraction))
        return decay_from_lr * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        lr = _as_tensor(self.initial_learning_rate)
        dtype = lr.dtype
        decay_steps = jnp.asarray(self.decay_steps, dtype)
        step = jnp.asarray(step).astype(dtype)
        if self.warmup_target is None:
            return self._decay(jnp.minimum(step, decay_steps), decay_steps, lr, dtype)
        target = jnp.asarray(self.warmup_target, dtype)
        warmup_steps = jnp.asarray(self.warmup_steps, dtype)
        step = jnp.minimum(step, decay_steps + warmup_steps)
        # Both branches are computed; `where` keeps the unused one's division by zero out.
        warmup = (target - lr) * (step / warmup_steps) + lr
        return jnp.where(step < warmup_steps, warmup, self._decay(step - warmup_steps, decay_steps, target, dtype))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


_BY_NAME = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                          InverseTimeDecay, CosineDecay)}


def serialize(schedule: LearningRateSchedule) -> dict:
    """A schedule as Keras 3 writes it into a config.

    >>> serialize(ExponentialDecay(0.1, 10, 0.9))["class_name"]
    'ExponentialDecay'
    """
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config_: dict, custom_objects: dict | None = None) -> LearningRateSchedule:
    """The inverse of `serialize`; `custom_objects` maps names to user schedule classes.

    >>> deserialize(serialize(CosineDecay(0.1, 100))).decay_steps
    100
    """
    if not isinstance(config_, dict) or "class_name" not in config_:
        raise ValueError(f"schedules.deserialize: expected a dict with 'class_name' and 'config', received {config_!r}")
    known = {**_BY_NAME, **(custom_objects or {})}
    name = config_["class_name"]
    if name not in known:
        raise ValueError(f"Unknown learning rate schedule {name!r}: expected one of {sorted(known)} "
                         "(pass custom schedules through `custom_objects`)")
    return known[name].from_config(dict(config_.get("config", {})))
