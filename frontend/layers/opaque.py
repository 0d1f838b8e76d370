"""Layer calls kerax cannot trace into IR ops become one opaque node.

A layer's `call` may use `jax.numpy`/`jax.nn` directly, or call a loss object, on its inputs.
Those functions cannot run on symbolic tensors, so the call is recorded as an `opaque` node: its
operands are the call's tensors and the layer's variables, its body re-runs `call` on the arrays
(variables holding the operand values), and its results are the outputs, then the losses the
call added, then the new values of variables it assigned. Passes leave the node alone;
`irdump` shows it as `opaque(...) {fn="layer.call", ...}`.
"""
from __future__ import annotations

import threading

import jax
import jax.numpy as jnp

from ...ir import TensorType
from ...ir.registry import abstract_eval
from ..tracing import SymbolicTensor, outside_trace
from ..variables import Variable, holding

_collectors = threading.local()


def untraceable(error: BaseException) -> bool:
    """Whether `error` came from NumPy/JAX code meeting a symbolic tensor or a variable."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        text = f"{type(error).__name__}: {error}"
        if "SymbolicTensor" in text or "__jax_array__" in text:
            return True
        error = error.__cause__ or error.__context__
    return False


def collect_loss(loss) -> bool:
    """`add_loss` inside an opaque body: keep the loss as a result of the node."""
    stack = getattr(_collectors, "stack", None)
    if not stack:
        return False
    stack[-1].append(loss)
    return True


class _collecting:
    def __init__(self, losses: list):
        self.losses = losses

    def __enter__(self):
        _collectors.__dict__.setdefault("stack", []).append(self.losses)

    def __exit__(self, *exc):
        _collectors.stack.pop()


def opaque_call(layer, trace, args, kwargs):
    """Record `layer.call(*args, **kwargs)` as one opaque node of `trace`; returns its outputs."""
    leaves, treedef = jax.tree.flatten((args, kwargs), is_leaf=lambda t: isinstance(t, SymbolicTensor))
    positions = [i for i, leaf in enumerate(leaves) if isinstance(leaf, SymbolicTensor)]
    variables = layer.variables
    layout = {}  # what the body returned: output structure, count of losses, variables assigned

    def body(*arrays):
        filled = list(leaves)
        for position, array in zip(positions, arrays[:len(positions)]):
            filled[position] = array
        call_args, call_kwargs = jax.tree.unflatten(treedef, filled)
        losses = []
        with outside_trace(), holding(variables, arrays[len(positions):]) as held, _collecting(losses):
            out = layer.call(*call_args, **call_kwargs)
            flat, tree = jax.tree.flatten(out, is_leaf=lambda t: isinstance(t, Variable))
            flat = [jnp.asarray(o.value if isinstance(o, Variable) else o) for o in flat]
            assigned = [i for i, (v, before) in enumerate(zip(variables, held)) if v._value is not before]
            new_values = [variables[i]._value for i in assigned]
        layout.update(tree=tree, outputs=len(flat), losses=len(losses), assigned=assigned)
        return (*flat, *(jnp.sum(loss) for loss in losses), *new_values)

    operands = [leaves[i] for i in positions] + variables
    types = _result_types(body, [trace.to_value(o).type for o in operands])
    name = trace.builder.add_callable(f"{layer.name}.call", body)
    results = tuple((t.dtype, t.shape) for t in types)
    made = trace.emit("opaque", operands, {"fn": name, "results": results})
    n_out, n_losses = layout["outputs"], layout["losses"]
    for loss in made[n_out:n_out + n_losses]:
        trace.add_loss(loss)
    for index, value in zip(layout["assigned"], made[n_out + n_losses:]):
        trace.assign(variables[index], value)
    return jax.tree.unflatten(layout["tree"], made[:n_out])


def _result_types(body, in_types) -> list:
    """Result types over symbolic sizes; where user code needs a concrete size (`int(x.shape[0])`),
    by running it at two sizes: the sizes that change with the unknown ones are unknown."""
    try:
        return abstract_eval(body, in_types)
    except Exception:
        pass
    runs = []
    for size in (2, 3):
        specs = [jax.ShapeDtypeStruct(tuple(size if d is None else d for d in t.shape), t.dtype) for t in in_types]
        out = jax.eval_shape(body, *specs)
        runs.append(out if isinstance(out, (tuple, list)) else (out,))
    return [TensorType(tuple(d if d == e else None for d, e in zip(a.shape, b.shape)), str(a.dtype))
            for a, b in zip(*runs)]
