"""Checks a graph: scoping, types against the op registry, shardings, updates and losses.

An error quotes the failing line of the text form with a few lines around it.
"""
from __future__ import annotations

from . import registry
from .graph import Graph, constant_name
from .types import TensorType, canonical_dtype
from .printer import graph_lines


class VerifierError(ValueError):
    pass


def verify(graph: Graph, mesh_axes: tuple | dict | None = None) -> Graph:
    """Return `graph` unchanged if it is well formed, else raise VerifierError.

    `mesh_axes` names the mesh's axes; given as {axis: size}, every sharded dimension must
    also divide by the product of its axes' sizes.

    >>> verify(graph)  # doctest: +SKIP
    """
    text_lines, where = graph_lines(graph)

    def fail(message: str, line: int):
        lo, hi = max(0, line - 2), min(len(text_lines), line + 3)
        quoted = "\n".join((">> " if i == line else "   ") + text_lines[i] for i in range(lo, hi))
        raise VerifierError(f"{message}\n{quoted}")

    defined = set()
    names = set()
    for i, gi in enumerate(graph.inputs):
        if gi.value in defined:
            fail("Graph input defined twice", where[("input", i)])
        if gi.name in names:
            fail(f"Two graph inputs are named {gi.name!r}", where[("input", i)])
        defined.add(gi.value)
        names.add(gi.name)
        _check_sharding(gi.value.type, mesh_axes, lambda m: fail(m, where[("input", i)]), f"input {gi.name!r}")
        if gi.kind == "const" and gi.data is not None:
            data_type = TensorType(tuple(gi.data.shape), canonical_dtype(gi.data.dtype))
            if data_type != _unsharded(gi.value.type):
                fail(f"Constant {gi.name} is declared {gi.value.type} but holds {data_type}", where[("input", i)])
            if constant_name(gi.data) != gi.name:
                fail(f"Constant {gi.name} holds an array whose hash is {constant_name(gi.data)}", where[("input", i)])

    checked = set()  # a region shared by many nodes is checked once
    for i, node in enumerate(graph.nodes):
        line = where[("node", i)]
        for key, region in node.regions:  # closed: checked on its own, its inputs bound to the operands
            if id(region) in checked:
                continue
            checked.add(id(region))
            try:
                verify(region, mesh_axes)
            except VerifierError as error:
                fail(f"Region {key!r} of '{node.op}' is malformed: {error}", line)
        for position, value in enumerate(node.inputs):
            if value not in defined:
                fail(f"Operand {position} of '{node.op}' is used before it is defined", line)
        try:
            expected = registry.infer_types(node.op, tuple(_unsharded(v.type) for v in node.inputs), node.attrs)
        except Exception as error:  # the op's own rule rejected its operands
            fail(f"'{node.op}' rejects its operands: {error}", line)
        if len(expected) != len(node.outputs):
            fail(f"'{node.op}' makes {len(expected)} results, the node declares {len(node.outputs)}", line)
        for k, (want, out) in enumerate(zip(expected, node.outputs)):
            if _unsharded(out.type) != want:
                fail(f"Result {k} of '{node.op}' is declared {out.type} but the op gives {want}", line)
            _check_sharding(out.type, mesh_axes, lambda m: fail(m, line), f"result {k} of '{node.op}'")
            if out in defined:
                fail(f"Result {k} of '{node.op}' is defined twice", line)
            defined.add(out)

    tail = where[("tail", 0)]
    if len(graph.outputs) != len(graph.output_names):
        fail(f"{len(graph.outputs)} outputs but {len(graph.output_names)} output names", tail)
    for k, value in enumerate(graph.outputs):
        if value not in defined:
            fail(f"Output {graph.output_names[k]!r} is not defined", tail + k)
    stateful = {gi.name: gi for gi in graph.inputs if gi.kind not in ("input", "const")}
    for k, (name, value) in enumerate(graph.updates):
        line = tail + len(graph.outputs) + k
        if name not in stateful:
            fail(f"Update of {name!r}, which is not a param, state or rng input", line)
        if value not in defined:
            fail(f"Update of {name!r} uses an undefined value", line)
        if _unsharded(value.type) != _unsharded(stateful[name].value.type):
            fail(f"Update of {name!r} has type {value.type}, the input has {stateful[name].value.type}", line)
    for k, value in enumerate(graph.losses):
        line = tail + len(graph.outputs) + len(graph.updates) + k
        if value not in defined or value.type.shape != ():
            fail("A loss must be a defined scalar", line)
    return graph


def _unsharded(t):
    return t.with_sharding(None) if t.sharding is not None else t


def _check_sharding(t, mesh_axes, fail, what: str = "value"):
    if t.sharding is None:
        return
    used = [axis for axes in t.sharding for axis in axes]
    if len(used) != len(set(used)):
        fail(f"Sharding {t} uses a mesh axis twice")
    if mesh_axes is not None:
        unknown = sorted(set(used) - set(mesh_axes))
        if unknown:
            fail(f"Sharding {t} names mesh axes {unknown}, expected axes of the mesh {tuple(mesh_axes)}")
    if isinstance(mesh_axes, dict):
        for dim, (size, axes) in enumerate(zip(t.shape, t.sharding)):
            parts = 1
            for axis in axes:
                parts *= mesh_axes[axis]
            if size is not None and size % parts:
                fail(f"Sharding of {what}: dimension {dim} has size {size}, which does not divide over mesh axes "
                     f"{'+'.join(axes)} ({parts} devices)")
