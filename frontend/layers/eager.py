"""Calling a layer or model on arrays: traced once per input signature, optimized by the same
pass pipeline as a compiled model (so every Keras parity test of a layer also checks the passes),
lowered, jitted, cached."""
from __future__ import annotations

import jax
import numpy as np

from ...lowering import lower
from ...passes import PassManager, default_pipeline
from ..tracing import Trace, concrete


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, jax.Array)) or hasattr(x, "__jax_array__")


def signature(args, kwargs, training):
    leaves, treedef = jax.tree.flatten((args, kwargs))
    parts = []
    for leaf in leaves:
        if _is_array(leaf):
            array = concrete(leaf)
            parts.append(("array", tuple(array.shape), str(array.dtype)))
        else:
            parts.append(("static", leaf if _hashable(leaf) else repr(leaf)))
    return treedef, tuple(parts), training


def _hashable(x) -> bool:
    try:
        hash(x)
        return True
    except TypeError:
        return False


class EagerProgram:
    """One traced, jitted call of a layer for one input signature."""

    def __init__(self, layer, args, kwargs, training):
        leaves, treedef = jax.tree.flatten((args, kwargs))
        with Trace(layer.name, training=training) as trace:
            symbolic = [trace.input(concrete(x).shape, concrete(x).dtype, f"input_{i}") if _is_array(x) else x
                        for i, x in enumerate(leaves)]
            sym_args, sym_kwargs = jax.tree.unflatten(treedef, symbolic)
            if training is not None:
                sym_kwargs = {**sym_kwargs, "training": training}
            out = layer._traced_call(trace, sym_args, sym_kwargs)
            flat_out, self.out_tree = jax.tree.flatten(out)
            traced = trace.finish(flat_out, [f"output_{i}" for i in range(len(flat_out))])
            self.variables = list(trace.reads)
            self.names = [trace.names[v] for v in self.variables]
            self.assigned = [(v, trace.names[v]) for v in trace.assigned]
        from ..models.programs import pass_context

        context = pass_context("train" if training else "predict")
        self.graph = PassManager(default_pipeline(context)).run(traced, context)
        self.apply = apply = lower(self.graph)
        self.name_of = dict(zip(self.variables, self.names))
        names = self.names
        self.jitted = jax.jit(lambda values, inputs: apply(dict(zip(names, values)), inputs))

    def __call__(self, args, kwargs):
        inputs = [concrete(x) for x in jax.tree.leaves((args, kwargs)) if _is_array(x)]
        outputs, updates, _ = self.jitted([v.value for v in self.variables], inputs)
        for variable, name in self.assigned:
            variable.assign(updates[name])
        return jax.tree.unflatten(self.out_tree, outputs)


def _program(layer, args, kwargs) -> tuple:
    kwargs = dict(kwargs)
    training = kwargs.pop("training", None)
    key = signature(args, kwargs, training)
    cache = layer.__dict__.setdefault("_eager_programs", {})
    if key not in cache:
        cache[key] = EagerProgram(layer, args, kwargs, training)
    return cache[key], kwargs


def eager_call(layer, args, kwargs):
    program, kwargs = _program(layer, args, kwargs)
    return program(args, kwargs)


def stateless_call(layer, trainable_values, non_trainable_values, args, kwargs, return_losses=False):
    """Keras 3's `layer.stateless_call`: a pure function of the given variable values.

    >>> out, non_trainable = layer.stateless_call(trainable, non_trainable, x)  # doctest: +SKIP
    """
    trainable, non_trainable = layer.trainable_variables, layer.non_trainable_variables
    if len(trainable_values) != len(trainable) or len(non_trainable_values) != len(non_trainable):
        raise ValueError(f"stateless_call on '{layer.name}': expected {len(trainable)} trainable and {len(non_trainable)} "
                         f"non-trainable values, received {len(trainable_values)} and {len(non_trainable_values)}")
    program, kwargs = _program(layer, args, kwargs)
    variables = {}
    for variable, value in [*zip(trainable, trainable_values), *zip(non_trainable, non_trainable_values)]:
        if variable in program.name_of:
            variables[program.name_of[variable]] = value
    inputs = [concrete(x) for x in jax.tree.leaves((args, kwargs)) if _is_array(x)]
    outputs, updates, losses = program.apply(variables, inputs)
    new = [updates.get(program.name_of.get(v), value) for v, value in zip(non_trainable, non_trainable_values)]
    result = (jax.tree.unflatten(program.out_tree, outputs), new)
    return (*result, losses) if return_losses else result
