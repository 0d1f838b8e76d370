"""Calling a layer or model on arrays: traced once per input signature, lowered, jitted, cached."""
from __future__ import annotations

import jax
import numpy as np

from ...lowering import lower
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
            self.graph = trace.finish(flat_out, [f"output_{i}" for i in range(len(flat_out))])
            self.variables = list(trace.reads)
            self.names = [trace.names[v] for v in self.variables]
            self.assigned = [(v, trace.names[v]) for v in trace.assigned]
        apply = lower(self.graph)
        names = self.names
        self.jitted = jax.jit(lambda values, inputs: apply(dict(zip(names, values)), inputs))

    def __call__(self, args, kwargs):
        inputs = [concrete(x) for x in jax.tree.leaves((args, kwargs)) if _is_array(x)]
        outputs, updates, _ = self.jitted([v.value for v in self.variables], inputs)
        for variable, name in self.assigned:
            variable.assign(updates[name])
        return jax.tree.unflatten(self.out_tree, outputs)


def eager_call(layer, args, kwargs):
    kwargs = dict(kwargs)
    training = kwargs.pop("training", None)
    key = signature(args, kwargs, training)
    cache = layer.__dict__.setdefault("_eager_programs", {})
    if key not in cache:
        cache[key] = EagerProgram(layer, args, kwargs, training)
    return cache[key](args, kwargs)
