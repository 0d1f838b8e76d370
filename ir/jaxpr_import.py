"""Brings a jaxpr into the IR, one node per equation, as jaxpr itself would be evaluated.

The frontend writes losses, metrics and optimizer updates in `jax.numpy`; `import_function`
traces such a function with `jax.make_jaxpr` on the types of IR values and appends its
equations to a graph being built:
  - an equation whose primitive has a registered op of the same meaning (`add`, `exp`,
    `reduce_sum` -> `sum`, `select_n` -> `where`, ...) becomes that op, where the op computes
    exactly what the primitive computes (float32 operands of known shape; see MAPPED);
  - a call of a sub-jaxpr (`jit`, `closed_call`) is inlined;
  - any other equation becomes a `primitive` node bound to its own parameters (custom_jvp_call
    keeps its derivative rule, cond its branches);
  - the jaxpr's constants join the constant pool, its scalar literals become `constant` nodes.
Result types are the jaxpr's own, so importing asks the op registry for nothing.
"""
from __future__ import annotations

import functools

import numpy as np

from .graph import Node, Provenance, Value
from .types import DTYPE_SHORT, TensorType, canonical_dtype


class NotImportable(ValueError):
    """The function cannot become IR nodes (it captured a traced value, or has side effects)."""


# primitive -> registered op, for equations whose operands are all float32 of known shape.
_SAME = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "divide", "max": "maximum",
         "min": "minimum", "neg": "neg", "exp": "exp", "log": "log", "log1p": "log1p", "sqrt": "sqrt",
         "rsqrt": "rsqrt", "tanh": "tanh", "abs": "abs", "square": "square", "logistic": "sigmoid",
         "eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater",
         "ge": "greater_equal"}
MAPPED = frozenset({*_SAME, "reduce_sum", "reduce_max", "select_n", "convert_element_type"})
_INLINED = {"jit": "jaxpr", "pjit": "jaxpr", "closed_call": "call_jaxpr"}


def import_function(builder, fn, args, batch: int | None = None, provenance: Provenance = Provenance()):
    """Append `fn`'s computation to `builder`: `args` is a pytree whose leaves are IR values
    (None for absent parts); returns `fn`'s result with IR values for leaves. A jaxpr has sizes,
    so an unknown batch dimension (axis 0) is taken as `batch`.

    >>> total = import_function(b, lambda y, p: jnp.mean((y - p) ** 2), (y, p), batch=32)  # doctest: +SKIP
    """
    import jax

    leaves, tree = jax.tree.flatten(args)
    specs = jax.tree.unflatten(tree, [jax.ShapeDtypeStruct(_concrete(v.type, batch), v.type.dtype) for v in leaves])
    try:
        closed, out_shape = jax.make_jaxpr(fn, return_shape=True)(*specs)
    except jax.errors.UnexpectedTracerError as error:
        raise NotImportable(f"{getattr(fn, '__name__', fn)} uses a value traced outside it: {error}") from None
    outs = import_jaxpr(builder, closed, leaves, provenance)
    return jax.tree.unflatten(jax.tree.structure(out_shape), outs)


def import_region(name: str, fn, args, provenance: Provenance = Provenance()):
    """(region, output structure): a closed graph computing `fn` on arrays of the types of
    `args` (a pytree of IR values of known shape), for `call` nodes on values of those types;
    the structure unflattens a call's results into `fn`'s result.

    >>> region, tree = import_region("adam f32[64,64]", update, (g, w, lr, slots, it))  # doctest: +SKIP
    """
    import jax

    from .builder import GraphBuilder

    leaves, tree = jax.tree.flatten(args)
    builder = GraphBuilder(name)
    inner = [builder.add_input(v.type.with_sharding(None), "input", f"arg{i}") for i, v in enumerate(leaves)]
    outs, out_tree = jax.tree.flatten(import_function(builder, fn, jax.tree.unflatten(tree, inner), None, provenance))
    return builder.finish(outs, [f"result{i}" for i in range(len(outs))]), out_tree


def _concrete(t: TensorType, batch) -> tuple:
    shape = (batch, *t.shape[1:]) if t.shape and t.shape[0] is None else t.shape
    if any(d is None for d in shape):
        raise NotImportable(f"import_function needs values of known shape (an unknown batch and a `batch`), "
                            f"received {t}")
    return shape


def import_jaxpr(builder, closed, args: list, provenance: Provenance = Provenance()) -> list:
    """Append the equations of the closed jaxpr `closed` to `builder`, its inputs bound to the IR
    values `args`; returns the IR values of its outputs."""
    from jax.extend.core import DropVar, Literal

    env = {}
    literals = {}
    for var, const in zip(closed.jaxpr.constvars, closed.consts):
        env[var] = _pool(builder, const)
    env.update(zip(closed.jaxpr.invars, args))

    def read(atom):
        if isinstance(atom, Literal):
            key = (atom.aval.dtype.name, atom.aval.shape, np.asarray(atom.val).tobytes())  # repr() is slow
            if key not in literals:
                literals[key] = _literal(builder, atom, provenance)
            return literals[key]
        return env[atom]

    for eqn in closed.jaxpr.eqns:
        inputs = [read(a) for a in eqn.invars]
        name = eqn.primitive.name
        if eqn.effects:
            raise NotImportable(f"equation {name} has side effects {eqn.effects}")
        if name in _INLINED:
            outs = import_jaxpr(builder, eqn.params[_INLINED[name]], inputs, provenance)
        else:
            outs = [Value(_aval_type(v.aval)) for v in eqn.outvars]
            builder.nodes.append(_node(builder, eqn, inputs, outs, provenance))
        env.update((var, out) for var, out in zip(eqn.outvars, outs) if not isinstance(var, DropVar))
    return [read(v) for v in closed.jaxpr.outvars]


def _node(builder, eqn, inputs, outs, provenance) -> Node:
    mapped = _mapped(eqn, inputs)
    if mapped is not None:
        op, attrs, inputs = mapped
        return Node(op, tuple(inputs), tuple(sorted(attrs.items())), tuple(outs), provenance)
    name = eqn.primitive.name
    key = builder.add_callable(name, functools.partial(_bind, eqn.primitive, eqn.params))
    attrs = {"name": name, "fn": key, "params": _plain(eqn.params),
             "results": tuple((o.type.dtype, o.type.shape) for o in outs)}
    return Node("primitive", tuple(inputs), tuple(sorted(attrs.items())), tuple(outs), provenance)


def _bind(primitive, params, *arrays) -> tuple:
    out = primitive.bind(*arrays, **primitive.get_bind_params(params))  # as jax.core.eval_jaxpr binds
    return tuple(out) if primitive.multiple_results else (out,)


def _mapped(eqn, inputs):
    """(op, attrs, operands) of the registered op computing what `eqn` computes, or None."""
    name = eqn.primitive.name
    types = [v.type for v in inputs]
    if name not in MAPPED or any(None in t.shape for t in types):
        return None
    if name == "select_n":
        if len(inputs) != 3 or types[0].dtype != "bool" or {t.dtype for t in types[1:]} != {"float32"}:
            return None
        return "where", {}, [inputs[0], inputs[2], inputs[1]]  # select_n picks case 1 where true
    if {t.dtype for t in types} != {"float32"}:
        return None
    if name == "convert_element_type":
        out = canonical_dtype(eqn.params["new_dtype"])
        return ("cast", {"dtype": out}, inputs) if out in ("float32", "int32", "bool") else None
    if name in ("reduce_sum", "reduce_max"):
        return ("sum" if name == "reduce_sum" else "max"), {"axis": tuple(eqn.params["axes"]), "keepdims": False}, inputs
    return _SAME[name], {}, inputs


def _aval_type(aval) -> TensorType:
    name = aval.dtype.name
    return TensorType(tuple(int(d) for d in aval.shape), name if name in DTYPE_SHORT else canonical_dtype(name))


def _pool(builder, const) -> Value:
    try:
        array = np.asarray(const)
    except Exception as error:  # a tracer of an enclosing trace cannot become a constant
        raise NotImportable(f"a constant of the jaxpr is not an array: {type(const).__name__}") from error
    return builder.add_constant(array)


def _literal(builder, atom, provenance) -> Value:
    value = np.asarray(atom.val)
    t = _aval_type(atom.aval)
    if value.shape != ():
        return builder.add_constant(value.astype(t.dtype))
    literal = value.item()
    out = Value(t)
    builder.nodes.append(Node("constant", (), (("dtype", t.dtype), ("value", literal)), (out,), provenance))
    return out


def _plain(params: dict) -> tuple:
    """The parameters that print as literals ((name, value) pairs); jaxprs and functions show
    their kind only."""
    return tuple((key, _literal_of(value)) for key, value in sorted(params.items()))


def _literal_of(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_literal_of(v) for v in value)
    if isinstance(value, np.dtype) or type(value).__name__ in ("dtype", "DType"):
        return np.dtype(value).name
    return f"<{type(value).__name__}>"
