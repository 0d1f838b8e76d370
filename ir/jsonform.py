"""A machine-readable form of a graph (for tools): the text form's content as JSON-ready dicts.

Values are named as the printer names them (`%0`, `%1`, ...); a region nests as a graph, and a
region several nodes share nests under the first of them and is `{"shared": NAME}` at the others,
as the text form prints it.
"""
from __future__ import annotations

from .graph import Graph
from .printer import Namer


def _type(t) -> dict:
    return {"shape": list(t.shape), "dtype": t.dtype,
            "sharding": None if t.sharding is None else [list(axes) for axes in t.sharding]}


def _attr(value, printed: dict):
    if isinstance(value, Graph):
        if printed.get(value.name) is value:
            return {"shared": value.name}
        printed[value.name] = value
        return {"region": graph_to_json(value, printed)}
    if isinstance(value, tuple):
        return [_attr(v, printed) for v in value]
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return repr(value)  # JSON has no NaN or infinities
    return value


def graph_to_json(graph: Graph, printed: dict | None = None) -> dict:
    """`graph` as a dict of lists, ready for `json.dumps`. `printed` maps a region name to the
    region last given in full under it.

    >>> graph_to_json(graph)["nodes"][0]["op"]  # doctest: +SKIP
    'matmul'
    """
    printed = {} if printed is None else printed
    names = Namer()
    inputs = []
    for gi in graph.inputs:
        inputs.append({"name": names.define(gi.value), "kind": gi.kind, "label": gi.name, "trainable": gi.trainable,
                       "initializer": gi.initializer, **_type(gi.value.type)})
    nodes = []
    for node in graph.nodes:
        args = [names[v] for v in node.inputs]
        nodes.append({"op": node.op, "inputs": args, "attrs": {k: _attr(v, printed) for k, v in node.attrs},
                      "outputs": [{"name": names.define(o), **_type(o.type)} for o in node.outputs],
                      "layer": node.provenance.layer, "source": node.provenance.source})
    return {"name": graph.name, "inputs": inputs, "nodes": nodes,
            "outputs": [{"label": n, "value": names[v]} for n, v in zip(graph.output_names, graph.outputs)],
            "updates": [{"label": n, "value": names[v]} for n, v in graph.updates],
            "losses": [names[v] for v in graph.losses]}
