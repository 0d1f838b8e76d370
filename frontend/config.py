"""kerax's configuration, as Keras's `keras.json`: floatx, epsilon, image_data_format.

Read once from `$KERAX_HOME/kerax.json`, else `~/.kerax/kerax.json`, falling back to
`/tmp/.kerax/` when the home directory is not writable. Missing keys keep their defaults; a
missing file is written with the defaults, as Keras does.

>>> import kerax
>>> kerax.config.floatx()
'float32'
"""
from __future__ import annotations

import json
import os

_DEFAULTS = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}
_FLOATX = ("bfloat16", "float16", "float32", "float64")
_FORMATS = ("channels_last", "channels_first")
_settings = dict(_DEFAULTS)


def config_dir() -> str:
    """Where kerax.json lives: $KERAX_HOME, else ~/.kerax, else /tmp/.kerax."""
    if os.environ.get("KERAX_HOME"):
        return os.environ["KERAX_HOME"]
    home = os.path.expanduser("~")
    base = home if os.access(home, os.W_OK) else "/tmp"
    return os.path.join(base, ".kerax")


def config_path() -> str:
    return os.path.join(config_dir(), "kerax.json")


def load_config(path: str | None = None) -> dict:
    """(Re)read the configuration file (done once at import); invalid values raise and name the key."""
    path = path or config_path()
    loaded = {}
    if os.path.exists(path):
        try:
            with open(path) as f:
                loaded = json.load(f)
        except (OSError, ValueError) as error:
            raise ValueError(f"kerax configuration file {path} is not valid JSON: {error}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"kerax configuration file {path}: expected a JSON object, received {type(loaded).__name__}")
    else:
        _write_defaults(path)
    _settings.clear()
    _settings.update(_DEFAULTS)
    for key, setter in (("floatx", set_floatx), ("epsilon", set_epsilon), ("image_data_format", set_image_data_format)):
        if key in loaded:
            setter(loaded[key])
    return dict(_settings)


def _write_defaults(path: str) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(_DEFAULTS, f, indent=4)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only location only means the defaults are not written down


def floatx() -> str:
    return _settings["floatx"]


def set_floatx(value: str) -> None:
    if value not in _FLOATX:
        raise ValueError(f"kerax.config.set_floatx: expected one of {_FLOATX}, received {value!r}")
    if value == "float64":
        import jax

        if not jax.config.jax_enable_x64:
            raise ValueError("kerax.config.set_floatx('float64') needs 64-bit JAX: set JAX_ENABLE_X64=1 before "
                             "starting Python (JAX computes in 32 bits otherwise)")
    _settings["floatx"] = value


def epsilon() -> float:
    return _settings["epsilon"]


def set_epsilon(value: float) -> None:
    if not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"kerax.config.set_epsilon: expected a positive number, received {value!r}")
    _settings["epsilon"] = float(value)


def image_data_format() -> str:
    return _settings["image_data_format"]


def set_image_data_format(value: str) -> None:
    if value not in _FORMATS:
        raise ValueError(f"kerax.config.set_image_data_format: expected one of {_FORMATS}, received {value!r}")
    _settings["image_data_format"] = value


def dtype_policy():
    """The global DTypePolicy (Keras's `keras.config.dtype_policy`)."""
    from .dtype_policies import dtype_policy as current

    return current()


def set_dtype_policy(policy) -> None:
    """Set the global DTypePolicy, e.g. "mixed_bfloat16" (Keras's `keras.config.set_dtype_policy`)."""
    from .dtype_policies import set_dtype_policy as set_policy

    set_policy(policy)


def backend() -> str:
    return "jax"


def standardize_data_format(data_format: str | None) -> str:
    """A layer's `data_format` argument: None means the configured image_data_format."""
    if data_format is None:
        return image_data_format()
    value = str(data_format).lower()
    if value not in _FORMATS:
        raise ValueError(f"data_format: expected one of {_FORMATS}, received {data_format!r}")
    return value


load_config()

from .config_flags import *  # noqa: E402,F401,F403  (the switches beyond kerax.json)
