"""Objects <-> Keras 3's config dicts: `{"module", "class_name", "config", "registered_name"}`
plus `build_config` for built layers and `compile_config` for compiled models.

Classes are found by name among kerax's own public classes, the custom objects in scope and
the registry; nothing is imported from a module a file names, and nothing is executed unless
`safe_mode=False` lets a Keras `__lambda__` function's bytecode be rebuilt.
"""
from __future__ import annotations

import base64
import contextlib
import inspect
import marshal
import types

import numpy as np

from . import registry
from .errors import SavingError

# Where Keras keeps the public classes of each kerax namespace: written into "module" so that
# Keras finds them, read back to know which namespace to look in.
_KERAS_MODULES = {"layers": "keras.layers", "initializers": "keras.initializers", "regularizers": "keras.regularizers",
                  "constraints": "keras.constraints", "losses": "keras.losses", "metrics": "keras.metrics",
                  "schedules": "keras.optimizers.schedules", "optimizers": "keras.optimizers"}
_MODEL_MODULES = {"Functional": "keras.src.models.functional", "Sequential": "keras", "Model": "keras.src.models.model"}

_SAFE_MODE = [True]


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool):
    """While loading: whether serialized Python bytecode (Keras `__lambda__`) may be rebuilt."""
    _SAFE_MODE.append(bool(safe_mode))
    try:
        yield
    finally:
        _SAFE_MODE.pop()


def _namespaces() -> dict:
    from .. import constraints, initializers, layers, losses, metrics, optimizers, regularizers
    from ..models import Functional, Model, Sequential

    return {"layers": layers, "initializers": initializers, "regularizers": regularizers, "constraints": constraints,
            "losses": losses, "metrics": metrics, "schedules": optimizers.schedules, "optimizers": optimizers,
            "models": types.SimpleNamespace(Functional=Functional, Sequential=Sequential, Model=Model)}


def _namespace_of(cls) -> str | None:
    module = getattr(cls, "__module__", "") or ""
    if not module.startswith("kerax.frontend."):
        return None
    part = module.split(".")[2]
    if part == "optimizers" and module.endswith("schedules"):
        return "schedules"
    return part if part in _KERAS_MODULES or part == "models" else None


def _is_builtin(cls) -> bool:
    space = _namespace_of(cls)
    if space is None:
        return False
    found = getattr(_namespaces()[space], cls.__name__, None)
    return found is cls


# -- serializing -------------------------------------------------------------------------------------
def serialize_keras_object(obj):
    """A kerax object, function or plain value as the JSON-able config Keras 3 writes.

    >>> serialize_keras_object(kerax.layers.Dense(2))["class_name"]
    'Dense'
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.integer, np.floating, np.bool_)):
        return obj.item()
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("latin-1")}}
    if isinstance(obj, np.ndarray) or type(obj).__module__.startswith("jax"):
        array = np.asarray(obj)
        return {"class_name": "__numpy__", "config": {"value": array.tolist(), "dtype": str(array.dtype)}}
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        return serialize_lambda(obj)
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        registered = registry._REGISTERED_NAMES.get(id(obj))
        # "builtins": the module of a function's class, which is what Keras writes for every function
        return {"module": "builtins", "class_name": "function",
                "config": obj.__name__ if registered is None else registered, "registered_name": "function"}
    if isinstance(obj, type):
        return {"class_name": "__type__", "config": {"value": registry.get_registered_name(obj)}}
    if not hasattr(obj, "get_config"):
        raise SavingError(f"Cannot serialize {obj!r}: it has no get_config()", expected="an object with get_config()",
                          found=type(obj).__name__)
    cls = type(obj)
    builtin = _is_builtin(cls)
    if builtin:
        space = _namespace_of(cls)
        module = _MODEL_MODULES[cls.__name__] if space == "models" else _KERAS_MODULES[space]
    else:
        module = None if cls.__module__ == "__main__" else cls.__module__  # Keras: no module when none was found
    config = obj.get_config()
    from ..layers.preprocessing import Lambda

    if isinstance(obj, Lambda):
        config = {**config, "function": serialize_keras_object(obj.function)}
    entry = {"module": module, "class_name": cls.__name__, "config": serialize_keras_object(config),
             "registered_name": _registered_name(cls, builtin)}
    from ..layers.layer import Layer

    if isinstance(obj, Layer) and obj.built:
        build_config = _build_config(obj)
        if build_config is not None:
            entry["build_config"] = serialize_keras_object(build_config)
    compile_config = getattr(obj, "get_compile_config", None)
    if compile_config is not None and getattr(obj, "compiled", False):
        entry["compile_config"] = serialize_keras_object(compile_config())
    return entry


def _build_config(layer):
    """Keras's build_config: `input_shape`, or `shapes_dict` when build takes several shapes."""
    from ..layers.layer import Layer

    nodes = layer._inbound_nodes
    programs = getattr(layer, "_programs", None)
    if not nodes and programs:  # a subclassed model, built by running it: the shapes it was traced at
        signature = next(iter(programs))[0]
        shapes = [list(shape) for shape, _ in signature]
        return {"input_shape": shapes[0] if len(shapes) == 1 else shapes}
    if type(layer).get_build_config is not Layer.get_build_config or not nodes or not nodes[0].input_tensors:
        return layer.get_build_config()
    shapes = layer._build_shapes(nodes[0].call_args, nodes[0].call_kwargs)
    return {"shapes_dict": shapes} if isinstance(shapes, dict) else {"input_shape": shapes}


def _registered_name(cls, builtin: bool):
    if cls.__name__ == "Functional" and builtin:
        return "Functional"
    return None if builtin else registry.get_registered_name(cls)


def serialize_lambda(fn) -> dict:
    """A lambda as Keras writes one: its bytecode, marshalled and base64-encoded. Loading it
    back executes that code, which only `safe_mode=False` allows."""
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    defaults = list(fn.__defaults__) if fn.__defaults__ else None
    closure = [c.cell_contents for c in fn.__closure__] if fn.__closure__ else None
    return {"class_name": "__lambda__", "config": {"code": code, "defaults": defaults, "closure": closure}}


def _load_lambda(config: dict, where: str):
    if _SAFE_MODE[-1]:
        raise SavingError("Refusing to rebuild a Python lambda from the file: that runs code from the file. Pass "
                          "safe_mode=False to load it if you trust the file", path=where,
                          expected="no serialized code (safe_mode=True)", found="a '__lambda__' function")
    try:
        code = marshal.loads(base64.b64decode(config["code"]))
        closure = tuple(types.CellType(c) for c in config["closure"]) if config.get("closure") else None
        defaults = tuple(config["defaults"]) if config.get("defaults") else None
        return types.FunctionType(code, globals_for_lambdas(), None, defaults, closure)
    except (KeyError, TypeError, ValueError, EOFError) as e:
        raise SavingError("A serialized lambda cannot be rebuilt", path=where, expected="marshalled Python bytecode "
                          "of this Python version", found=f"{type(e).__name__}: {e}") from None


def globals_for_lambdas() -> dict:
    """What a rebuilt lambda sees as globals: the Keras names a lambda body usually refers to."""
    import kerax

    return {"__builtins__": __builtins__, "keras": kerax, "kerax": kerax, "ops": kerax.ops, "np": np}


# -- deserializing ----------------------------------------------------------------------------------------
def deserialize_keras_object(config, custom_objects: dict | None = None, safe_mode: bool = True, *, where: str = ""):
    """The inverse of `serialize_keras_object`, for configs written by kerax or by Keras 3.

    >>> layer = deserialize_keras_object({"module": "keras.layers", "class_name": "Dense",
    ...                                   "config": {"units": 2}, "registered_name": None})
    >>> layer.units
    2
    """
    with registry.scope_of(custom_objects), safe_mode_scope(safe_mode and _SAFE_MODE[-1]):
        return _deserialize(config, where)


def _deserialize(config, where: str):
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, list):
        return [_deserialize(x, where) for x in config]
    if not isinstance(config, dict):
        raise SavingError("Unexpected value in a config", path=where, expected="JSON values", found=repr(config)[:80])
    if "class_name" not in config:
        return {k: _deserialize(v, f"{where}/{k}" if where else k) for k, v in config.items()}
    name, inner = config["class_name"], config.get("config")
    if name == "__tuple__":
        return tuple(_deserialize(x, where) for x in _field(inner, "value", where))
    if name == "__numpy__":
        try:
            return np.array(_field(inner, "value", where), dtype=_field(inner, "dtype", where))
        except (TypeError, ValueError) as e:
            raise SavingError("Bad array in a config", path=where, expected="a list and a NumPy dtype",
                              found=str(e)) from None
    if name == "__bytes__":
        return str(_field(inner, "value", where)).encode("latin-1")
    if name == "__lambda__":
        return _load_lambda(inner if isinstance(inner, dict) else {}, where)
    if name == "function":
        return _function(inner, config.get("registered_name"), where)
    if name == "__type__":
        return _class(_field(inner, "value", where), None, None, where)
    if not where and isinstance(inner, dict) and isinstance(inner.get("name"), str):
        where = inner["name"]
    cls = _class(name, config.get("module"), config.get("registered_name"), where)
    if not isinstance(inner, dict):
        raise SavingError(f"The config of {name} is not a dict", path=where, expected="a dict", found=type(inner).__name__)
    obj = instantiate(cls, inner, where or name)
    _build_from_own_config(obj, config.get("build_config"), where or name)
    return obj


def _build_from_own_config(obj, build_config, where: str) -> None:
    """A layer that overrides `build_from_config` is built by it right after it is made, as
    Keras's deserialization does (its `build` may need more than the input shape)."""
    from ..layers.layer import Layer

    if (isinstance(obj, Layer) and not obj.built and isinstance(build_config, dict)
            and type(obj).build_from_config is not Layer.build_from_config):
        obj.build_from_config(_deserialize(build_config, f"{where}/build_config"))
        obj.built = True


def _field(inner, key: str, where: str):
    if not isinstance(inner, dict) or key not in inner:
        raise SavingError("A config entry is incomplete", path=where, expected=f"a dict with '{key}'",
                          found=repr(inner)[:80])
    return inner[key]


def _function(name, registered, where: str):
    from .. import activations, losses, metrics

    if not isinstance(name, str):
        raise SavingError("A function is named by a string", path=where, expected="a function name",
                          found=repr(name)[:80])
    found = registry.get_registered_object(name)
    if found is None:
        for table in (activations._ALL, getattr(losses, "_FUNCTIONS", {})):
            if name in table:
                return table[name]
        found = getattr(metrics, name, None) if not name.startswith("_") else None
    if found is None or not callable(found):
        raise SavingError("Unknown function in config; register it with register_keras_serializable or pass it in "
                          "custom_objects", path=where, expected="a known function name", found=repr(name))
    return found


def resolve_class(name: str, module: str | None = None, registered_name: str | None = None, where: str = ""):
    """The class a config names (custom objects and the registry first, then kerax's own)."""
    return _class(name, module, registered_name, where)


def _class(name, module, registered_name, where: str):
    if not isinstance(name, str):
        raise SavingError("A class is named by a string", path=where, expected="a class name", found=repr(name)[:80])
    for key in (registered_name, name):
        if isinstance(key, str):
            found = registry.get_registered_object(key)
            if found is not None:
                return found
    spaces = _namespaces()
    wanted = _space_for_module(module)
    order = ([wanted] if wanted else []) + [s for s in spaces if s != wanted]
    for space in order:
        found = getattr(spaces[space], name, None)
        if isinstance(found, type) and hasattr(found, "from_config"):
            return found
    raise SavingError(f"Unknown class '{name}' (module {module!r}): if it is a custom object, register it with "
                      "kerax.saving.register_keras_serializable or pass it in custom_objects", path=where,
                      expected="a kerax class or a registered custom object", found=repr(name))


def _space_for_module(module) -> str | None:
    if not isinstance(module, str):
        return None
    for space in ("schedules", "initializers", "regularizers", "constraints", "losses", "metrics", "optimizers",
                  "layers", "models"):
        if f".{space}" in module or module.endswith(space):
            return space
    return "models" if module == "keras" else None


def instantiate(cls, config: dict, where: str):
    """`cls.from_config(config)` with Keras 3's configs made fit for kerax's constructors, and
    every failure turned into a SavingError naming the object."""
    from ..layers.layer import Layer

    config = dict(config)
    from ..models.model import Model

    if isinstance(cls, type) and issubclass(cls, Layer) and not issubclass(cls, Model):
        config = layer_config_for_kerax(cls, config, where)
    from ..layers.preprocessing import Lambda

    if isinstance(cls, type) and issubclass(cls, Lambda):  # its functions are configs of their own
        for key in ("function", "output_shape", "mask"):
            if isinstance(config.get(key), dict):
                config[key] = _deserialize(config[key], f"{where}/{key}")
    _PATH.append(where)
    try:
        params = inspect.signature(cls.from_config).parameters
        if "custom_objects" in params:
            return cls.from_config(config, custom_objects=None)
        return cls.from_config(config)
    except SavingError:
        raise
    except (TypeError, ValueError, KeyError, IndexError, NotImplementedError, AttributeError) as e:
        raise SavingError(f"Cannot rebuild {cls.__name__} from its config", path=where,
                          expected=f"arguments {cls.__name__} accepts", found=f"{type(e).__name__}: {e}") from None
    finally:
        _PATH.pop()


_PATH: list[str] = []  # the layer path being rebuilt, for errors raised deeper down


def current_path() -> str:
    return _PATH[-1] if _PATH else ""


def layer_config_for_kerax(cls, config: dict, where: str) -> dict:
    """Keras 3's layer config as kerax's constructor takes it: a DTypePolicy becomes its name;
    arguments a newer Keras added and left at their off value are dropped; any other unknown
    argument is an error naming it."""
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        config["dtype"] = (dtype.get("config") or {}).get("name", "float32")
    accepted = _init_parameters(cls)
    if accepted is None:  # a custom class passing **kwargs on: only Keras's unused defaults go
        own = inspect.signature(cls.__init__).parameters
        for key, default in _KERAS_ONLY_DEFAULTS.items():
            if key in config and key not in own and config[key] == default:
                del config[key]
        return config
    for key in list(config):
        if key in accepted:
            continue
        if config[key] in (None, False, {}, [], "") or _KERAS_ONLY_DEFAULTS.get(key, _NO_DEFAULT) == config[key]:
            del config[key]
        else:
            raise SavingError(f"Layer {cls.__name__} of kerax does not support argument '{key}'", path=where,
                              expected=f"one of {sorted(accepted)}", found=f"{key}={config[key]!r}")
    return config


_NO_DEFAULT = object()
# Arguments of Keras 3 layers that kerax does not have, at the values that leave them unused.
_KERAS_ONLY_DEFAULTS = {"renorm_momentum": 0.99, "use_cudnn": "auto", "ragged": False, "optional": False,
                        "lora_alpha": None, "quantization_config": None}


def _init_parameters(cls) -> set | None:
    """Names every __init__ up the class's MRO accepts; None when one takes **kwargs freely
    (a custom class: let it decide)."""
    from ..layers.layer import _SHAPE_KWARGS, Layer

    names = set(_SHAPE_KWARGS)
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                names.add(p.name)
        if klass is Layer:
            return names
        if not klass.__module__.startswith("kerax.frontend."):
            return None
    return names
