"""The switches of keras.config beyond keras.json: interactive logging, traceback filtering,
flash attention, unsafe deserialization, and the debugging caps on epochs and steps.

They are process-wide settings, as in Keras (the documented configuration state).

>>> kerax.config.set_max_epochs(1)   # every fit() runs at most one epoch, with a warning
>>> kerax.config.set_max_epochs(None)
"""
from __future__ import annotations

import warnings

__all__ = ["disable_flash_attention", "disable_interactive_logging", "disable_traceback_filtering",
           "enable_flash_attention", "enable_interactive_logging", "enable_traceback_filtering",
           "enable_unsafe_deserialization", "is_flash_attention_enabled", "is_interactive_logging_enabled",
           "is_nnx_enabled", "is_traceback_filtering_enabled", "max_epochs", "max_steps_per_epoch", "set_backend",
           "set_max_epochs", "set_max_steps_per_epoch"]

_flags = {"interactive_logging": True, "traceback_filtering": True, "flash_attention": None, "safe_mode": True,
          "max_epochs": None, "max_steps_per_epoch": None}


def enable_interactive_logging() -> None:
    """Progress bars and messages go to stdout (the default)."""
    _flags["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Progress bars and messages go to Python's `logging` (module 'kerax') instead of stdout."""
    _flags["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    return _flags["interactive_logging"]


def enable_traceback_filtering() -> None:
    _flags["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    _flags["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    return _flags["traceback_filtering"]


def enable_flash_attention() -> None:
    """Ask for flash attention. kerax lowers attention to `jax.nn.dot_product_attention`, which
    picks a flash (cuDNN) kernel on GPUs that have one whether or not this is set."""
    _flags["flash_attention"] = True


def disable_flash_attention() -> None:
    _flags["flash_attention"] = False


def is_flash_attention_enabled():
    """None (the backend decides, Keras's default), True or False."""
    return _flags["flash_attention"]


def enable_unsafe_deserialization() -> None:
    """Let loading run code stored in a file (lambdas), as `safe_mode=False` does for one call."""
    _flags["safe_mode"] = False


def in_safe_mode() -> bool:
    return _flags["safe_mode"]


def is_nnx_enabled() -> bool:
    """Keras's Flax NNX integration; kerax has none."""
    return False


def set_backend(backend) -> None:
    """kerax compiles to JAX only: 'jax' is accepted, anything else is an error."""
    if backend != "jax":
        raise ValueError(f"kerax.config.set_backend: kerax runs on JAX only; expected 'jax', received {backend!r}")


def _positive_or_none(name, value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"kerax.config.{name}: expected a positive int or None, received {value!r}")
    return value


def set_max_epochs(max_epochs) -> None:
    """Cap every fit() at `max_epochs` epochs (None: no cap), for quick debugging runs."""
    _flags["max_epochs"] = _positive_or_none("set_max_epochs", max_epochs)


def max_epochs():
    return _flags["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    """Cap every epoch at `max_steps_per_epoch` steps (None: no cap), for quick debugging runs."""
    _flags["max_steps_per_epoch"] = _positive_or_none("set_max_steps_per_epoch", max_steps_per_epoch)


def max_steps_per_epoch():
    return _flags["max_steps_per_epoch"]


def capped(epochs: int, steps_per_epoch):
    """(epochs, steps_per_epoch) under the caps, warning as Keras does when one applies."""
    cap = _flags["max_epochs"]
    if cap and cap < epochs:
        warnings.warn(f"Limiting epochs to {cap}", stacklevel=3)
        epochs = cap
    cap = _flags["max_steps_per_epoch"]
    if cap and (not steps_per_epoch or cap < steps_per_epoch):
        warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
        steps_per_epoch = cap
    return epochs, steps_per_epoch
