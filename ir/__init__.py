"""The typed graph IR: types, values, nodes, graphs, the op registry, text form and verifier."""
from . import ops as _ops  # noqa: F401  (registers the op catalogue)
from .builder import GraphBuilder
from .evaluate import evaluate
from .graph import Graph, GraphInput, Node, Provenance, Value, constant_name, to_dot
from .jsonform import graph_to_json
from .parser import ParseError, graphs_equal, parse
from .printer import format_table, print_graph
from .registry import OpDef, all_ops, cost, infer_types, register
from .types import TensorType, canonical_dtype
from .verifier import VerifierError, verify

__all__ = [
    "Graph", "GraphBuilder", "GraphInput", "Node", "OpDef", "ParseError", "Provenance", "TensorType",
    "Value", "VerifierError", "all_ops", "canonical_dtype", "constant_name", "cost", "evaluate", "format_table", "graph_to_json", "graphs_equal",
    "infer_types", "parse", "print_graph", "register", "to_dot", "verify",
]
