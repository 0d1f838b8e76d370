"""The sharding pass: lays every data input, weight and state of a step out over the mesh.

From the context's distribution it writes IR sharding annotations, the one source of truth that
the jit in/out shardings and the placement of the device state are read from:
  - data inputs split their batch dimension over the batch axis;
  - a param or state input takes its layout from the layout map (matched by its variable path,
    as Keras matches `LayoutMap` keys, or by the path of the variable the context says it is laid
    out like: an optimizer slot takes its weight's); unmatched ones stay replicated;
  - an update carries its variable's layout, so the new weights stay where the old ones were.
Without a mesh the pass changes nothing. XLA propagates the layouts through the rest.
"""
from __future__ import annotations

from ..ir import Graph, GraphInput, Node, Value


def layout_of(context, name: str, shape):
    """The IR sharding (mesh axes per dimension) the layout map gives variable `name`, or None.
    A layout map that decides by shape too (the fully-sharded preset) has `layout_for`."""
    if context.layout_map is None:
        return None
    path = name.split("#")[0]
    by_shape = getattr(context.layout_map, "layout_for", None)
    layout = by_shape(path, shape) if by_shape is not None else context.layout_map[path]
    if layout is None:
        return None
    axes, rank = tuple(layout.axes), len(shape)
    if len(axes) != rank:
        raise ValueError(f"LayoutMap entry for '{name}' has {len(axes)} axes {axes}, but the variable has rank {rank}")
    return tuple(() if a is None else (a,) if isinstance(a, str) else tuple(a) for a in axes)


def shard(graph: Graph, context) -> Graph:
    if context.mesh is None:
        return graph
    layouts = {}
    like = dict(context.layout_aliases)
    for gi in graph.inputs:
        t = gi.value.type
        if gi.kind == "input" and context.batch_axis and t.rank and t.shape[0] is None:
            layouts[gi.value] = ((context.batch_axis,),) + ((),) * (t.rank - 1)
        elif gi.kind in ("param", "state"):
            layouts[gi.value] = layout_of(context, like.get(gi.name, gi.name), t.shape)
    by_name = {gi.name: layouts.get(gi.value) for gi in graph.inputs}
    made = {out for node in graph.nodes for out in node.outputs}
    for name, value in graph.updates:
        if value in made and value not in layouts:
            layouts[value] = by_name.get(name)
    retype = {v: Value(v.type.with_sharding(s)) for v, s in layouts.items() if s is not None and v.type.sharding != s}
    if not retype:
        return graph

    def r(v):
        return retype.get(v, v)

    inputs = tuple(GraphInput(r(gi.value), gi.kind, gi.name, gi.trainable, gi.initializer, gi.data)
                   for gi in graph.inputs)
    nodes = tuple(Node(n.op, tuple(map(r, n.inputs)), n.attrs, tuple(map(r, n.outputs)), n.provenance)
                  for n in graph.nodes)
    return graph.replace(inputs=inputs, nodes=nodes, outputs=tuple(map(r, graph.outputs)),
                         updates=tuple((name, r(v)) for name, v in graph.updates), losses=tuple(map(r, graph.losses)))
