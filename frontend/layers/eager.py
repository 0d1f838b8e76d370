"""Calling a layer or model on arrays: traced once per input signature, optimized by the same
pass pipeline as a compiled model (so every Keras parity test of a layer also checks the passes),
lowered, jitted, cached.

A NumPy argument stays on the host until the jitted call, which moves it to the device: one
host-to-device transfer per input (converting it first, as `jnp.asarray` would, made two).
"""
from __future__ import annotations

import jax
import numpy as np

from ...lowering import lower
from ...lowering.xla_options import compiler_options
from ...passes import PassManager, default_pipeline
from ..tracing import SymbolicTensor, Trace, concrete, narrow
from ..variables import Variable


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, jax.Array)) or hasattr(x, "__jax_array__")


def _host(array: np.ndarray) -> np.ndarray:
    """A NumPy array in the dtype JAX will compute in, still on the host (64-bit numbers narrowed)."""
    if array.dtype.itemsize == 8 and array.dtype.kind in "fiu":
        return array.astype(narrow(array.dtype))
    return array


def _argument(leaf):
    """An array argument as the jitted program takes it: NumPy on the host, anything else on device."""
    return _host(leaf) if isinstance(leaf, np.ndarray) else concrete(leaf)


def _mask_of(leaf):
    """The mask an earlier eager call attached to an array (Keras's `_keras_mask`), or None."""
    return getattr(leaf, "_keras_mask", None) if isinstance(leaf, jax.Array) else None


def flatten(args, kwargs, training):
    """(array arguments ready for the jitted call, the cache key of the call's signature)."""
    leaves, treedef = jax.tree.flatten((args, kwargs))
    arrays, parts = [], []
    for leaf in leaves:
        if _is_array(leaf):
            array = _argument(leaf)
            arrays.append(array)
            parts.append(("array", array.shape, array.dtype))
            mask = _mask_of(leaf)
            if mask is not None:  # the mask travels as one more argument, right after its array
                arrays.append(mask)
                parts.append(("mask", mask.shape, mask.dtype))
        else:
            parts.append(("static", leaf if _hashable(leaf) else repr(leaf)))
    return arrays, (treedef, tuple(parts), training)


def _hashable(x) -> bool:
    try:
        hash(x)
        return True
    except TypeError:
        return False


def _symbolic_input(trace, leaf, i):
    array = _argument(leaf)
    symbolic = trace.input(array.shape, array.dtype, f"input_{i}")
    mask = _mask_of(leaf)
    if mask is not None:
        symbolic.keras_mask = trace.input(mask.shape, mask.dtype, f"input_{i}_mask")
    return symbolic


def attach_masks(outputs: list, masks: list) -> None:
    """Keras's eager contract: an output that carries a mask has it as `_keras_mask`."""
    for out, mask in zip(outputs, masks):
        if mask is not None and isinstance(out, jax.Array):
            out._keras_mask = mask


class EagerProgram:
    """One traced, jitted call of a layer for one input signature."""

    def __init__(self, layer, args, kwargs, training):
        leaves, treedef = jax.tree.flatten((args, kwargs))
        with Trace(layer.name, training=training) as trace:
            symbolic = [_symbolic_input(trace, x, i) if _is_array(x) else x for i, x in enumerate(leaves)]
            sym_args, sym_kwargs = jax.tree.unflatten(treedef, symbolic)
            if training is not None:
                sym_kwargs = {**sym_kwargs, "training": training}
            out = layer._traced_call(trace, sym_args, sym_kwargs)
            flat_out, self.out_tree = jax.tree.flatten(out, is_leaf=lambda o: isinstance(o, Variable))
            self.returned_variables = {i: o for i, o in enumerate(flat_out) if isinstance(o, Variable)}
            # The outputs' masks are outputs of the program too, after the outputs themselves.
            self.masked = [i for i, o in enumerate(flat_out) if isinstance(getattr(o, "keras_mask", None), SymbolicTensor)]
            masks = [flat_out[i].keras_mask for i in self.masked]
            traced = trace.finish([*flat_out, *masks], [f"output_{i}" for i in range(len(flat_out))]
                                  + [f"output_{i}_mask" for i in self.masked])
            self.variables = list(trace.reads)
            self.names = [trace.names[v] for v in self.variables]
            self.assigned = [(v, trace.names[v]) for v in trace.assigned]
        from ..models.programs import pass_context

        context = pass_context("train" if training else "predict")
        self.graph = PassManager(default_pipeline(context)).run(traced, context)
        self.apply = apply = lower(self.graph)
        self.name_of = dict(zip(self.variables, self.names))
        names = self.names
        stats = getattr(layer, "execution_stats", None)  # a model counts every program it compiles
        # A plain program (no masks, no variable updates, no losses, no variable handed back)
        # returns the caller's result itself: the jitted call builds it, and `__call__` adds
        # nothing. The general result costs about 15 us more a call, a third of a small model's.
        out_tree = self.out_tree
        self.plain = not (self.masked or self.assigned or self.returned_variables or self.graph.losses)

        def run(values, inputs):
            if stats is not None:
                stats.compilations += 1  # runs only while JAX traces, i.e. once per compilation
            outputs, updates, losses = apply(dict(zip(names, values)), inputs)
            if self.plain:
                return jax.tree.unflatten(out_tree, outputs)
            return outputs, updates, losses

        # XLA's options for this program (lowering/xla_options.py) apply to a top-level call only:
        # JAX refuses them on a jit nested in another trace (a user's jit or grad around model(x)),
        # where the enclosing program's options rule anyway.
        options = compiler_options([self.graph], jax.default_backend())
        self.jitted = jitted = jax.jit(run, compiler_options=options or None)
        if options:
            nested = jax.jit(run)
            self.jitted_for = lambda inputs: nested if _traced(inputs) else jitted
        else:
            self.jitted_for = lambda inputs: jitted
        variables = self.variables
        self.call_values = lambda inputs: self.jitted_for(inputs)([v.value for v in variables], inputs)

    def __call__(self, inputs):
        if self.plain:
            return self.call_values(inputs), ()
        outputs, updates, losses = self.call_values(inputs)
        for variable, name in self.assigned:
            variable.assign(updates[name])
        outputs, masks = self.split_masks(outputs)
        attach_masks(outputs, masks)
        outputs = [self.returned_variables.get(i, out) for i, out in enumerate(outputs)]  # Keras hands back the Variable
        return jax.tree.unflatten(self.out_tree, outputs), losses

    def split_masks(self, flat: list) -> tuple:
        """(the outputs, each output's mask or None) from the program's flat results."""
        count = len(flat) - len(self.masked)
        masks = [None] * count
        for i, mask in zip(self.masked, flat[count:]):
            masks[i] = mask
        return list(flat[:count]), masks


def _traced(inputs) -> bool:
    """Whether the call is inside another JAX trace (its inputs are tracers)."""
    return any(isinstance(x, jax.core.Tracer) for x in inputs)


def _program(layer, args, kwargs) -> tuple:
    kwargs = dict(kwargs)
    training = kwargs.pop("training", None)
    inputs, key = flatten(args, kwargs, training)
    cache = layer.__dict__.setdefault("_eager_programs", {})
    if key not in cache:
        cache[key] = EagerProgram(layer, args, kwargs, training)
    return cache[key], inputs


def eager_call(layer, args, kwargs):
    if len(args) == 1 and not kwargs and isinstance(args[0], (np.ndarray, jax.Array)) and _mask_of(args[0]) is None:
        # The common call, one array and nothing else, finds its program by shape and dtype alone:
        # the general signature costs more than a small model's whole jitted call.
        x = _argument(args[0])
        by_shape = layer.__dict__.setdefault("_eager_by_shape", {})
        program = by_shape.get((x.shape, x.dtype))
        if program is None:
            program = by_shape[x.shape, x.dtype] = _program(layer, args, kwargs)[0]
        inputs = [x]
    else:
        program, inputs = _program(layer, args, kwargs)
    outputs, losses = program(inputs)
    # What `layer.losses` shows until the next call, as in Keras; a plain list, so it is set
    # without the weight tracking of `__setattr__`.
    layer.__dict__["_eager_losses"] = list(losses)
    return outputs


def stateless_call(layer, trainable_values, non_trainable_values, args, kwargs, return_losses=False):
    """Keras 3's `layer.stateless_call`: a pure function of the given variable values.

    >>> out, non_trainable = layer.stateless_call(trainable, non_trainable, x)  # doctest: +SKIP
    """
    trainable, non_trainable = layer.trainable_variables, layer.non_trainable_variables
    if len(trainable_values) != len(trainable) or len(non_trainable_values) != len(non_trainable):
        raise ValueError(f"stateless_call on '{layer.name}': expected {len(trainable)} trainable and {len(non_trainable)} "
                         f"non-trainable values, received {len(trainable_values)} and {len(non_trainable_values)}")
    program, inputs = _program(layer, args, kwargs)
    variables = {}
    for variable, value in [*zip(trainable, trainable_values), *zip(non_trainable, non_trainable_values)]:
        if variable in program.name_of:
            variables[program.name_of[variable]] = value
    inputs = [concrete(x) for x in inputs]  # `apply` runs op rules directly, which expect JAX arrays
    outputs, updates, losses = program.apply(variables, inputs)
    outputs = program.split_masks(outputs)[0]
    new = [updates.get(program.name_of.get(v), value) for v, value in zip(non_trainable, non_trainable_values)]
    result = (jax.tree.unflatten(program.out_tree, outputs), new)
    return (*result, losses) if return_losses else result
