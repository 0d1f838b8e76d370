"""Reads the text form written by `printer.print_graph` back into an equal graph.

Literals are read by walking Python's AST, never by evaluating it.
"""
from __future__ import annotations

import ast
import json
import math
import re

from . import registry
from .graph import Graph, GraphInput, Node, Provenance, Value
from .types import DTYPE_LONG, TensorType

_TYPE = re.compile(r"(\w+)\[([^\]]*)\]")
_INPUT = re.compile(r'^  (input|param|state|rng|const) (%\d+): (\S+) ("(?:[^"\\]|\\.)*")( trainable)?(?: init=(".*"))?$')
_NODE = re.compile(r"^  (%\d+(?:, %\d+)*) = (\w+)\(([^)]*)\)(?: \{(.*?)\})? : (.*?)(?: loc\((.*)\))?$")
_NAMED = re.compile(r'^  (output|update) ("(?:[^"\\]|\\.)*") = (%\d+)$')
_LOSS = re.compile(r"^  loss (%\d+)$")
_NAMES = {"inf": math.inf, "nan": math.nan, "None": None, "True": True, "False": False}


class ParseError(ValueError):
    pass


def parse_type(text: str) -> TensorType:
    m = _TYPE.fullmatch(text.strip())
    if not m or m.group(1) not in DTYPE_LONG:
        raise ParseError(f"Bad type: expected e.g. f32[?,32], received {text!r}")
    shape, sharding = [], []
    for dim in filter(None, m.group(2).split(",")):
        size, _, axes = dim.partition("@")
        shape.append(None if size == "?" else int(size))
        sharding.append(tuple(axes.split("+")) if axes else ())
    return TensorType(tuple(shape), DTYPE_LONG[m.group(1)], tuple(sharding))


def literal(node: ast.AST, regions=()):
    """The value of a literal expression: constants, tuples, negation, inf/nan/None/True/False,
    and `region(i)`, the i-th nested graph printed below the node."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(literal(e, regions) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -literal(node.operand)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "region"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and not node.keywords):
        index = node.args[0].value
        if not isinstance(index, int) or not 0 <= index < len(regions):
            raise ParseError(f"region({index!r}) names no region printed below its node ({len(regions)} there)")
        return regions[index]
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    raise ParseError(f"Not a literal: {ast.dump(node)}")


def parse_attrs(text: str, regions=()) -> tuple:
    call = ast.parse(f"f({text})", mode="eval").body
    return tuple(sorted((kw.arg, literal(kw.value, regions)) for kw in call.keywords))


_REGION = re.compile(r'^    region\((\d+)\) = (graph .*)$')
_SHARED = re.compile(r'^    region\((\d+)\) = shared ("(?:[^"\\]|\\.)*")$')


def _regions(block: list, lineno: int, constants, printed: dict) -> list:
    """The nested graphs in the indented `block` below a node line, in order. A `shared` one
    is the region printed in full earlier under that name (`printed`)."""
    starts = [i for i, line in enumerate(block) if _REGION.match(line) or _SHARED.match(line)]
    if not starts or starts[0] != 0:
        raise ParseError(f"Line {lineno}: indented lines below a node must start with `region(0) = graph ...`")
    regions = []
    for k, start in enumerate(starts):
        m = _REGION.match(block[start]) or _SHARED.match(block[start])
        if int(m.group(1)) != k:
            raise ParseError(f"Line {lineno + start}: expected region({k}), found region({m.group(1)})")
        end = starts[k + 1] if k + 1 < len(starts) else len(block)
        if m.re is _SHARED:
            name = json.loads(m.group(2))
            if name not in printed or end != start + 1:
                raise ParseError(f"Line {lineno + start}: shared region {name!r} is not printed in full above")
            regions.append(printed[name])
            continue
        text = "\n".join([m.group(2), *(line[4:] for line in block[start + 1:end])])
        region = _parse(text, constants, printed)
        printed[region.name] = region
        regions.append(region)
    return regions


def parse(text: str, constants: dict | None = None) -> Graph:
    """The graph of `text`. `constants` (a graph's `constants`) gives the const inputs their
    arrays; without it they hold none, and the graph prints and verifies but cannot run."""
    return _parse(text, constants, {})


def _parse(text: str, constants: dict | None, printed: dict) -> Graph:
    lines = text.splitlines()
    if not lines or not lines[0].startswith("graph "):
        raise ParseError("Expected the first line to be: graph \"NAME\"")
    name = json.loads(lines[0][len("graph "):])
    values, inputs, nodes, outputs, names, updates, losses = {}, [], [], [], [], [], []

    def use(ref, lineno):
        if ref not in values:
            raise ParseError(f"Line {lineno}: {ref} is used before it is defined")
        return values[ref]

    index = 1
    while index < len(lines):
        line, lineno = lines[index], index + 1
        index += 1
        block_start = index
        while index < len(lines) and lines[index].startswith("    "):  # regions of the node above
            index += 1
        block = lines[block_start:index]
        if block and not _NODE.match(line):
            raise ParseError(f"Line {lineno + 1}: indented lines must follow a node that holds regions")
        if not line.strip():
            continue
        if m := _INPUT.match(line):
            kind, ref, type_text, input_name, trainable, init = m.groups()
            values[ref] = Value(parse_type(type_text))
            input_name = json.loads(input_name)
            data = None
            if kind == "const" and constants is not None:
                if input_name not in constants:
                    raise ParseError(f"Line {lineno}: constant {input_name} is not in the constant pool given "
                                     f"({len(constants)} entries)")
                data = constants[input_name]
            inputs.append(GraphInput(values[ref], kind, input_name, bool(trainable),
                                     json.loads(init) if init else "", data))
        elif m := _NODE.match(line):
            refs, op, args, attrs, types, loc = m.groups()
            registry.get(op)
            in_values = tuple(use(a.strip(), lineno) for a in args.split(",") if a.strip())
            out_types = [parse_type(t.group(0)) for t in _TYPE.finditer(types)]
            out_refs = [r.strip() for r in refs.split(",")]
            if len(out_types) != len(out_refs):
                raise ParseError(f"Line {lineno}: {len(out_refs)} results but {len(out_types)} types")
            outs = tuple(Value(t) for t in out_types)
            values.update(zip(out_refs, outs))
            layer, source = (literal(e) for e in ast.parse(f"({loc})", mode="eval").body.elts) if loc else ("", "")
            regions = _regions(block, lineno + 1, constants, printed) if block else []
            node_attrs = parse_attrs(attrs, regions) if attrs else ()
            if len([v for _, v in node_attrs if isinstance(v, Graph)]) != len(regions):
                raise ParseError(f"Line {lineno}: {len(regions)} regions printed below a node whose attrs name "
                                 f"{len([v for _, v in node_attrs if isinstance(v, Graph)])}")
            nodes.append(Node(op, in_values, node_attrs, outs, Provenance(layer, source)))
        elif m := _NAMED.match(line):
            what, label, ref = m.groups()
            if what == "output":
                names.append(json.loads(label))
                outputs.append(use(ref, lineno))
            else:
                updates.append((json.loads(label), use(ref, lineno)))
        elif m := _LOSS.match(line):
            losses.append(use(m.group(1), lineno))
        else:
            raise ParseError(f"Line {lineno}: cannot read {line!r}")
    return Graph(name, tuple(inputs), tuple(nodes), tuple(outputs), tuple(names), tuple(updates), tuple(losses))


def graphs_equal(a: Graph, b: Graph) -> bool:
    """Structural equality: same inputs, nodes, attrs, types, provenance and results, in order."""
    from .printer import print_graph

    return print_graph(a) == print_graph(b)
