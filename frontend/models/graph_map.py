"""The layer-call graph between a functional model's inputs and outputs, ordered as Keras 3
orders it (so `model.layers`, and hence `get_weights()`, come in Keras's order)."""
from __future__ import annotations

import collections

import jax

from ..keras_tensor import KerasTensor


def _is_input_node(node) -> bool:
    return not node.input_tensors and not node.call_args


def map_graph(inputs: list, outputs: list):
    """(nodes in execution order, layers ordered by decreasing depth then traversal order)."""
    finished, in_progress, ordered, layer_index = set(), set(), [], {}
    input_ids = {id(t) for t in inputs}

    def enter(tensor):
        """The node that produces `tensor` when it still has to be visited, else None."""
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if node in finished:
            return None
        if not _is_input_node(node) and id(tensor) in input_ids:
            finished.add(node)
            return None
        if node in in_progress:
            raise ValueError(f"Tensor {tensor} from layer '{layer.name}' is part of a cycle")
        layer_index.setdefault(layer, len(layer_index))
        in_progress.add(node)
        return node

    def parents(node):
        return iter(() if _is_input_node(node) else node.input_tensors)

    # A depth-first post-order walk with its own stack: graphs deeper than Python's recursion limit.
    reached_from = {}  # node -> the first output whose ancestry reached it, for error messages
    for out in outputs:
        before = len(ordered)
        node = enter(out)
        stack = [(node, parents(node))] if node is not None else []
        while stack:
            node, pending = stack[-1]
            for tensor in pending:
                child = enter(tensor)
                if child is not None:
                    stack.append((child, parents(child)))
                    break
            else:
                stack.pop()
                finished.add(node)
                in_progress.discard(node)
                ordered.append(node)
        for node in ordered[before:]:
            reached_from[node] = out

    in_graph = set(ordered)
    node_depth, layer_depth = {}, {}
    for node in reversed(ordered):
        depth = node_depth.setdefault(node, 0)
        depth = max(depth, layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = depth
        node_depth[node] = depth
        for parent in node.parent_nodes:
            if parent in in_graph:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for t in inputs:  # inputs that feed no output still belong to the model
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if layer not in layer_depth and _is_input_node(node):
            layer_depth[layer], layer_index[layer], node_depth[node] = 0, -1, 0

    by_depth = collections.defaultdict(list)
    for layer, depth in layer_depth.items():
        by_depth[depth].append(layer)
    layers = []
    for depth in sorted(by_depth, reverse=True):
        layers.extend(sorted(by_depth[depth], key=lambda l: layer_index[l]))

    nodes_by_depth = collections.defaultdict(list)
    for node, depth in node_depth.items():
        nodes_by_depth[depth].append(node)
    position = {node: i for i, node in enumerate(ordered)}
    nodes = [n for d in sorted(nodes_by_depth, reverse=True)
             for n in sorted(nodes_by_depth[d], key=lambda n: position.get(n, len(position)))
             if n in in_graph or _is_input_node(n)]

    computable = {id(t) for t in inputs}
    for node in nodes:
        if _is_input_node(node) and not any(id(t) in computable for t in node.output_tensors):
            out = reached_from.get(node)
            index = next((i for i, o in enumerate(outputs) if o is out), None)
            which = (f"output {index} (from layer '{out._keras_history[0].name}') depends on Input "
                     f"'{node.layer.name}'" if out is not None
                     else f"the model uses Input '{node.layer.name}'")
            raise ValueError(f"Graph disconnected: {which}, which is not among the model's inputs "
                             f"{[t.name for t in inputs]}. Pass that Input in `inputs`, or compute the output from "
                             "the given inputs")
        for t in node.input_tensors:
            if id(t) not in computable:
                raise ValueError(f"Graph disconnected: cannot obtain the value of tensor {t} at layer "
                                 f"'{node.layer.name}': it depends on inputs not given to the model")
        computable.update(id(t) for t in node.output_tensors)

    counts = collections.Counter(l.name for l in layers)
    for name, count in counts.items():
        if count > 1:
            raise ValueError(f'The name "{name}" is used {count} times in the model. '
                             "All layer names should be unique.")
    return nodes, layers


def flat_tensors(structure) -> list:
    leaves = jax.tree.leaves(structure)
    for t in leaves:
        if not isinstance(t, KerasTensor):
            raise TypeError(f"A functional model's inputs and outputs must be KerasTensors, received {t!r}")
    return leaves
