"""`clone_model`: the same architecture with new layers (and fresh weights), as Keras 3 clones.

Sequential and functional models are rebuilt layer by layer: each layer goes through
`clone_function` (by default `layer.__class__.from_config(layer.get_config())`), once per layer,
so shared layers stay shared; functional graphs are re-run on new inputs (`input_tensors`),
each call made by `call_function(layer, *args, **kwargs)` when given; with `recursive=True`
nested Sequential and functional models are cloned the same way rather than passed whole to
`clone_function`. Other models are cloned through their config. A compiled model's clone is
compiled the same way.
"""
from __future__ import annotations

import inspect

import jax

from ..keras_tensor import KerasTensor
from ..layers.input_layer import Input, InputLayer
from .functional import Functional
from .sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A new model of `model`'s architecture, with new layers and freshly initialized weights.

    >>> clone = kerax.models.clone_model(model)  # doctest: +SKIP
    >>> wide = kerax.models.clone_model(  # doctest: +SKIP
    ...     model, clone_function=lambda l: l.__class__.from_config({**l.get_config(), "units": 64})
    ...     if isinstance(l, kerax.layers.Dense) else l.__class__.from_config(l.get_config()))
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError("`call_function` argument is not supported with Sequential models.  In a Sequential "
                             "model, layers aren't called at model-construction time (they're merely listed). Use "
                             "`call_function` with Functional models only. Received model of type "
                             f"'{model.__class__.__name__}', with call_function={call_function}")
        return _clone_sequential(model, _wrap(clone_function, call_function, recursive, cache), input_tensors)
    if isinstance(model, Functional):
        return _clone_functional(model, _wrap(clone_function, call_function, recursive, cache), input_tensors,
                                 call_function)
    if clone_function is not None or input_tensors is not None:
        raise ValueError("Arguments `clone_function` and `input_tensors` are only supported for Sequential models or "
                         f"Functional models. Received model of type '{model.__class__.__name__}', with "
                         f"clone_function={clone_function} and input_tensors={input_tensors}")
    if call_function is not None:
        raise ValueError("Argument `call_function` is only supported for Functional models. Received model of type "
                         f"'{model.__class__.__name__}', with call_function={call_function}")
    from ..saving.serialization import deserialize_keras_object, serialize_keras_object

    config = serialize_keras_object(model)
    config.pop("compile_config", None)
    return deserialize_keras_object(config, custom_objects={model.__class__.__name__: model.__class__})


def _clone_layer(layer):
    return layer.__class__.from_config(layer.get_config())


def _wrap(clone_function, call_function, recursive: bool, cache):
    """`clone_function` called once per layer (a layer met again gets its first clone), and
    nested models cloned recursively when asked."""
    clone_function = clone_function or _clone_layer
    if not callable(clone_function):
        raise ValueError(f"Expected `clone_function` argument to be a callable. Received: "
                         f"clone_function={clone_function}")
    cache = {} if cache is None else cache

    def wrapped(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, (Sequential, Functional)):
            clone = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache,
                                call_function=call_function if isinstance(layer, Functional) else None)
        else:
            clone = clone_function(layer)
        cache[id(layer)] = clone
        return clone

    return wrapped


def _clone_sequential(model, clone_function, input_tensors):
    layers = [clone_function(layer) for layer in model.layers]
    source = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(f"Argument `input_tensors` must be a KerasTensor. Received invalid value: "
                             f"input_tensors={input_tensors}")
        if not isinstance(input_tensors._keras_history[0], InputLayer):
            raise ValueError("clone_model: a Sequential model's `input_tensors` must come from `Input()`; received "
                             f"{input_tensors} from layer '{input_tensors._keras_history[0].name}'")
        layers.insert(0, input_tensors)
    elif source is not None:
        layers.insert(0, Input(batch_shape=source.batch_shape, dtype=source.dtype, name=source.name))
    clone = Sequential(layers, name=model.name, trainable=model.trainable)
    _compile_like(model, clone)
    return clone


def _clone_functional(model, clone_function, input_tensors, call_function):
    if input_tensors is not None:
        leaves = jax.tree.leaves(input_tensors)
        if not all(isinstance(x, KerasTensor) for x in leaves):
            raise ValueError(f"All entries in `input_tensors` must be KerasTensors. Received invalid values: "
                             f"inputs_tensors={input_tensors}")
        if jax.tree.structure(input_tensors) != jax.tree.structure(model.input):
            raise ValueError(f"`input_tensors` must have the same structure as model.input\nReference structure: "
                             f"{model.input}\nReceived structure: {input_tensors}")
    else:
        input_tensors = jax.tree.map(lambda x: Input(batch_shape=x.shape, dtype=x.dtype, name=x.name), model.input)
        leaves = jax.tree.leaves(input_tensors)
    outputs = model._run_through_graph(leaves, operation_fn=clone_function, call_fn=call_function)
    cls = type(model) if _functional_like(type(model)) else Functional
    clone = cls(input_tensors, outputs, name=model.name)
    _compile_like(model, clone)
    return clone


def _functional_like(cls) -> bool:
    """Whether `cls(inputs, outputs, name=...)` builds it, as it does a Functional."""
    try:
        return list(inspect.signature(cls.__init__).parameters)[1:] == \
            list(inspect.signature(Functional.__init__).parameters)[1:]
    except (TypeError, ValueError):
        return False


def _compile_like(model, clone) -> None:
    if getattr(model, "compiled", False):
        clone.compile_from_config(model.get_compile_config())
