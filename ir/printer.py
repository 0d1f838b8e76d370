"""The text form of a graph: stable, diffable, and read back by `parser.parse`.

    graph "mlp"
      input %0: f32[?,32] "x"
      param %1: f32[32,64] "mlp/dense/kernel" trainable init="glorot_uniform"
      %2 = matmul(%0, %1) : f32[?,64] loc("mlp/dense", "train.py:12")
      output "dense" = %2

Array constants are `const` inputs named by a hash of their bytes (`const %3: f32[256,256]
"#5f0f1c4b9e"`); their values travel beside the text (`graph.constants`). A node without
provenance (built outside any layer) prints no `loc(...)`.

A node that holds nested graphs (regions, e.g. the forward-and-loss body of `value_and_grad`)
names each in its attrs as `region(i)` and prints it below itself, indented, numbered afresh:

      %7, %8 = value_and_grad(%1, %0) {body=region(0), wrt=(0,)} : f32[], f32[4,3]
        region(0) = graph "loss"
          input %0: f32[4,3] "w"
          ...

A region held by several nodes (one Graph object: an optimizer's update of one kind of weight,
called once per weight) is printed in full under the first of them, and below the others as
`region(0) = shared "NAME"`.

Value names are assigned here, in order of definition, so two dumps of one graph are identical.
"""
from __future__ import annotations

import json

from .graph import Graph


def format_literal(value, regions=()) -> str:
    """Attr literals: numbers, strings, bools, None and tuples of them; a region by its index."""
    if isinstance(value, Graph):
        return f"region({[id(r) for r in regions].index(id(value))})"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        inner = ", ".join(format_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, float):
        return repr(value)
    return repr(value)


class Namer:
    """Numbers values in order of first definition."""

    def __init__(self):
        self.names = {}

    def define(self, value) -> str:
        self.names[value] = f"%{len(self.names)}"
        return self.names[value]

    def __getitem__(self, value) -> str:
        try:
            return self.names[value]
        except KeyError:
            return "%<undefined>"


def node_line(node, names: Namer, define: bool = True) -> str:
    outs = ", ".join(names.define(o) if define else names[o] for o in node.outputs)
    args = ", ".join(names[v] for v in node.inputs)
    attrs = ""
    regions = [r for _, r in node.regions]
    if node.attrs:
        attrs = " {" + ", ".join(f"{k}={format_literal(v, regions)}" for k, v in node.attrs) + "}"
    types = ", ".join(str(o.type) for o in node.outputs)
    loc = ""
    if node.provenance.layer or node.provenance.source:  # an empty loc says nothing: left out
        loc = f' loc({json.dumps(node.provenance.layer)}, {json.dumps(node.provenance.source)})'
    return f"  {outs} = {node.op}({args}){attrs} : {types}{loc}"


def print_graph(graph: Graph) -> str:
    return "\n".join(graph_lines(graph)[0]) + "\n"


def graph_lines(graph: Graph, printed: dict | None = None) -> tuple:
    """(lines of the text form, where each part starts): `where` maps ("input", i), ("node", i)
    and ("tail", 0) to line indices, so the verifier can quote a line however deep regions go.
    `printed` maps a region name to the region last printed in full under it."""
    printed = {} if printed is None else printed
    names = Namer()
    lines = [f"graph {json.dumps(graph.name)}"]
    where = {}
    for i, gi in enumerate(graph.inputs):
        where[("input", i)] = len(lines)
        line = f"  {gi.kind} {names.define(gi.value)}: {gi.value.type} {json.dumps(gi.name)}"
        if gi.trainable:
            line += " trainable"
        if gi.initializer:
            line += f" init={json.dumps(gi.initializer)}"
        lines.append(line)
    for i, node in enumerate(graph.nodes):
        where[("node", i)] = len(lines)
        lines.append(node_line(node, names))
        for index, (_, region) in enumerate(node.regions):
            if printed.get(region.name) is region:
                lines.append(f"    region({index}) = shared {json.dumps(region.name)}")
                continue
            printed[region.name] = region
            inner, _ = graph_lines(region, printed)
            lines.append(f"    region({index}) = {inner[0]}")
            lines.extend("    " + line for line in inner[1:])
    where[("tail", 0)] = len(lines)
    for name, value in zip(graph.output_names, graph.outputs):
        lines.append(f"  output {json.dumps(name)} = {names[value]}")
    for name, value in graph.updates:
        lines.append(f"  update {json.dumps(name)} = {names[value]}")
    for value in graph.losses:
        lines.append(f"  loss {names[value]}")
    return lines, where


def format_table(graph: Graph, symbol_size: int = 1) -> str:
    """One row per node: op, name, shape, dtype, sharding, layer, FLOPs (batch = symbol_size)."""
    from . import registry

    names = Namer()
    for gi in graph.inputs:
        names.define(gi.value)
    rows = [("name", "op", "shape", "dtype", "sharding", "layer", "FLOPs")]
    total = 0
    for node in graph.nodes:
        flops, _ = registry.cost(node.op, [v.type for v in node.inputs], [o.type for o in node.outputs],
                                 node.attrs, symbol_size)
        total += flops
        for i, out in enumerate(node.outputs):
            t = out.type
            rows.append((names.define(out), node.op if i == 0 else "", _shape_text(t.shape), t.dtype,
                         _sharding_text(t.sharding), node.provenance.layer, f"{flops:,}" if i == 0 else ""))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    text = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    text.insert(1, "  ".join("-" * w for w in widths))
    text.append(f"{len(graph.nodes)} nodes, {total:,} FLOPs per sample" if symbol_size == 1
                else f"{len(graph.nodes)} nodes, {total:,} FLOPs at batch {symbol_size}")
    return "\n".join(text) + "\n"


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _sharding_text(sharding) -> str:
    if sharding is None:
        return "replicated"
    return "(" + ", ".join("+".join(axes) if axes else "-" for axes in sharding) + ")"
