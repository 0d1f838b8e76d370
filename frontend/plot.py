"""keras.utils.model_to_dot / plot_model: a model's layer graph as Graphviz DOT, and as an
image when Graphviz's `dot` program is installed.

>>> dot = model_to_dot(model, show_shapes=True)   # doctest: +SKIP
>>> plot_model(model, "model.dot")                # DOT text; .png/.svg/.pdf need Graphviz
"""
from __future__ import annotations

import os
import shutil
import subprocess

from ..runtime.atomic import atomic_write


class Dot:
    """The DOT text of a model (Keras returns a pydot.Dot; `to_string()` and `create()` alike)."""

    def __init__(self, text: str):
        self.text = text

    def to_string(self) -> str:
        return self.text

    def __str__(self):
        return self.text

    def create(self, prog="dot", format="png") -> bytes:  # noqa: A002  (pydot's name)
        """The image bytes of `format`, made by Graphviz."""
        return _graphviz(self.text, format, prog)


def _quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shape(tensors) -> str:
    import jax

    shapes = [tuple(t.shape) for t in jax.tree.leaves(tensors) if hasattr(t, "shape")]
    return ", ".join(str(s) for s in shapes) if shapes else "?"


def _layers_and_edges(model):
    from .keras_tensor import KerasTensor  # noqa: F401  (the functional graph's tensors)

    layers = list(model.layers)
    edges = []
    for layer in layers:
        for node in getattr(layer, "_inbound_nodes", []):
            for tensor in node.input_tensors:
                parent = tensor._keras_history[0]
                if parent in layers and parent is not layer:
                    edges.append((parent, layer))
    if not edges and len(layers) > 1:  # a Sequential built without the functional graph: a chain
        edges = list(zip(layers, layers[1:]))
    return layers, list(dict.fromkeys(edges))


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB", expand_nested=False,
                 dpi=200, subgraph=False, show_layer_activations=False, show_trainable=False, **kwargs):
    """The model's layers as DOT nodes, the tensors between them as edges."""
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"kerax.utils.model_to_dot: argument `rankdir` must be 'TB' or 'LR', received {rankdir!r}")
    if not getattr(model, "built", True) or not model.layers:
        raise ValueError("kerax.utils.model_to_dot: the model has no layers yet; build it first "
                         "(give it an Input or call it on data)")
    layers, edges = _layers_and_edges(model)
    lines = [f"digraph {_quote(model.name)} {{", f"  graph [rankdir={rankdir}, dpi={int(dpi)}];",
             "  node [shape=record, fontname=Helvetica];"]
    ids = {id(layer): f"n{i}" for i, layer in enumerate(layers)}
    for layer in layers:
        title = f"{layer.name}|{type(layer).__name__}" if show_layer_names else type(layer).__name__
        rows = [title]
        if show_layer_activations and getattr(layer, "activation", None) is not None:
            activation = getattr(layer.activation, "__name__", str(layer.activation))
            rows.append(f"activation: {activation}")
        if show_shapes:
            nodes = getattr(layer, "_inbound_nodes", [])
            if nodes:
                rows.append(f"input: {_shape(nodes[0].input_tensors)}|output: {_shape(nodes[0].outputs)}")
        if show_dtype:
            rows.append(f"dtype: {getattr(layer, 'dtype', '?')}")
        if show_trainable:
            rows.append(f"trainable: {'T' if layer.trainable else 'F'}")
        label = "{" + "|".join(r.replace("{", "\\{").replace("}", "\\}").replace("<", "\\<").replace(">", "\\>")
                               for r in rows) + "}"
        lines.append(f"  {ids[id(layer)]} [label={_quote(label)}];")
    for parent, child in edges:
        lines.append(f"  {ids[id(parent)]} -> {ids[id(child)]};")
    lines.append("}")
    return Dot("\n".join(lines) + "\n")


def _graphviz(text: str, fmt: str, prog: str = "dot") -> bytes:
    executable = shutil.which(prog)
    if executable is None:
        raise ImportError(f"Writing a {fmt!r} image needs Graphviz's `{prog}` program on the PATH "
                          "(e.g. `apt-get install graphviz`); a '.dot' file needs nothing")
    return subprocess.run([executable, f"-T{fmt}"], input=text.encode(), capture_output=True, check=True).stdout


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
               expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False, **kwargs):
    """Write the model's graph to `to_file`: DOT text for '.dot' (or '.gv'), otherwise an image in
    the file's format made by Graphviz. The file is written whole or not at all."""
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    fmt = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    if fmt in ("dot", "gv"):
        with atomic_write(to_file, "w") as f:
            f.write(dot.to_string())
        return dot
    data = dot.create(format=fmt)
    with atomic_write(to_file, "wb") as f:
        f.write(data)
    return dot


__all__ = ["model_to_dot", "plot_model"]
