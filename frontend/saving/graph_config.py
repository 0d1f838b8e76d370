"""Functional and Sequential models as Keras 3 configs: each layer with its `inbound_nodes`
(the calls that made the graph, tensors as `__keras_tensor__` with their keras history) and
the model's `input_layers`/`output_layers`; and back, by calling the layers again in order.

A functional model nested in another counts, in Keras, one node of its own before the calls
made on it: the model's `input_layers`/`output_layers` shift its node indices by one, while
the calls' arguments count only the outer model's calls (Keras's serialize_node).
"""
from __future__ import annotations

import inspect

import jax

from ..keras_tensor import KerasTensor
from .errors import SavingError
from .serialization import _deserialize, current_path, serialize_keras_object


def _node_offset(layer) -> int:
    from ..models.functional import Functional

    return 1 if isinstance(layer, Functional) else 0


def functional_config(model) -> dict:
    """Keras 3's get_config of a functional model (layers with inbound nodes, inputs, outputs)."""
    own = {id(node) for node in model._nodes}

    def index_in_model(layer, node_index: int) -> int:
        return sum(1 for n in layer._inbound_nodes[:node_index] if id(n) in own)

    def tensor_config(t: KerasTensor):
        layer, node_index, tensor_index = t._keras_history
        return {"class_name": "__keras_tensor__", "config": {
            "shape": list(t.shape), "dtype": t.dtype,
            "keras_history": [layer.name, index_in_model(layer, node_index), tensor_index]}}

    def history(t: KerasTensor) -> list:
        layer, node_index, tensor_index = t._keras_history
        return [layer.name, index_in_model(layer, node_index) + _node_offset(layer), tensor_index]

    def with_tensors(value, convert):
        return jax.tree.map(convert, value, is_leaf=lambda x: isinstance(x, KerasTensor))

    layers = []
    for layer in model.layers:
        nodes = []
        for node in layer._inbound_nodes:
            if id(node) not in own or not node.input_tensors:
                continue
            args = with_tensors(list(node.call_args), lambda x: tensor_config(x) if isinstance(x, KerasTensor) else x)
            kwargs = with_tensors(dict(node.call_kwargs), lambda x: tensor_config(x) if isinstance(x, KerasTensor) else x)
            nodes.append({"args": serialize_keras_object(args), "kwargs": serialize_keras_object(kwargs)})
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = nodes
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": with_tensors(model._inputs_struct, history),
            "output_layers": with_tensors(model._outputs_struct, history)}


def functional_from_config(cls, config: dict, where: str | None = None):
    """A functional model from Keras 3's config: layers made first, then their calls replayed,
    each once the tensors it takes exist (a layer shared at several depths waits its turn)."""
    where = current_path() if where is None else where
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise SavingError("A functional model's config is incomplete", path=where or config.get("name"),
                              expected=f"key '{key}'", found=sorted(config))
    if not isinstance(config["layers"], list):
        raise SavingError("A functional model's 'layers' is not a list", path=where, expected="a list",
                          found=type(config["layers"]).__name__)
    created, pending = {}, []
    for entry in config["layers"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SavingError("A layer entry has no name", path=where, expected="a dict with 'name'",
                              found=repr(entry)[:80])
        layer_path = f"{where}/{entry['name']}" if where else entry["name"]
        layer = _deserialize({k: v for k, v in entry.items() if k not in ("name", "inbound_nodes", "build_config")},
                             layer_path)
        if entry["name"] in created:
            raise SavingError("Two layers have the same name", path=layer_path, expected="unique layer names",
                              found=entry["name"])
        created[entry["name"]] = layer
        nodes = entry.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise SavingError("'inbound_nodes' is not a list", path=layer_path, expected="a list",
                              found=type(nodes).__name__)
        pending.append([layer, layer_path, list(nodes)])

    progress = True
    while progress and any(nodes for _, _, nodes in pending):
        progress = False
        for item in pending:
            layer, layer_path, nodes = item
            while nodes:
                call = _node_call(nodes[0], created, layer_path)
                if call is None:
                    break
                args, kwargs = call
                try:
                    layer(*args, **_accepted_kwargs(layer, kwargs))
                except SavingError:
                    raise
                except (TypeError, ValueError, KeyError, IndexError) as e:
                    raise SavingError("Calling the layer on its saved inputs failed", path=layer_path,
                                      expected="inputs the layer accepts", found=f"{type(e).__name__}: {e}") from None
                nodes.pop(0)
                progress = True
    stuck = [path for _, path, nodes in pending if nodes]
    if stuck:
        raise SavingError("The functional graph has loops or disconnected nodes", path=stuck[0],
                          expected="every layer call's inputs to be produced by another call", found=f"unresolved {stuck}")

    def tensor(ref):
        if isinstance(ref, list) and len(ref) == 3 and isinstance(ref[0], str):
            return _history_tensor(ref, created, where)
        if isinstance(ref, dict):
            return {k: tensor(v) for k, v in ref.items()}
        if isinstance(ref, list):
            return [tensor(r) for r in ref]
        raise SavingError("Bad model input/output reference", path=where, expected="[layer_name, node, index]",
                          found=repr(ref)[:80])

    inputs, outputs = tensor(config["input_layers"]), tensor(config["output_layers"])
    try:
        return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))
    except (TypeError, ValueError) as e:
        raise SavingError("Cannot rebuild the functional model", path=where or config.get("name"),
                          expected="a connected graph", found=f"{type(e).__name__}: {e}") from None


def _history_tensor(ref, created: dict, where: str, missing_ok: bool = False, shifted: bool = True):
    name, node_index, tensor_index = ref
    layer = created.get(name)
    if layer is None:
        raise SavingError("A tensor refers to an unknown layer", path=where, expected=f"one of {sorted(created)}",
                          found=repr(name))
    if not isinstance(node_index, int) or not isinstance(tensor_index, int):
        raise SavingError("Bad keras_history", path=where, expected="integer node and tensor indices", found=ref)
    offset = _node_offset(layer) if shifted else 0
    node_index -= offset
    if not 0 <= node_index < len(layer._inbound_nodes):
        if missing_ok and node_index >= 0:
            return None
        raise SavingError("A tensor refers to a layer call that does not exist", path=f"{where}/{name}",
                          expected=f"node index < {len(layer._inbound_nodes) + offset}", found=node_index + offset)
    outputs = layer._inbound_nodes[node_index].output_tensors
    if not 0 <= tensor_index < len(outputs):
        raise SavingError("A tensor index is out of range", path=f"{where}/{name}",
                          expected=f"index < {len(outputs)}", found=tensor_index)
    return outputs[tensor_index]


def _node_call(node, created: dict, where: str):
    """(args, kwargs) of a saved call with its tensors found; None while one does not exist yet."""
    if isinstance(node, list):  # Keras 2 style: [[name, node, tensor, kwargs], ...]
        node = {"args": [[{"class_name": "__keras_tensor__", "config": {"keras_history": ref[:3]}} for ref in node]],
                "kwargs": (node[0][3] if node and len(node[0]) > 3 else {})}
        if len(node["args"][0]) == 1:
            node["args"] = node["args"][0]
    if not isinstance(node, dict):
        raise SavingError("A saved layer call is malformed", path=where, expected="{'args': [...], 'kwargs': {...}}",
                          found=repr(node)[:80])
    missing = []

    def revive(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            ref = (value.get("config") or {}).get("keras_history")
            if not isinstance(ref, list) or len(ref) != 3:
                raise SavingError("Bad keras_history", path=where, expected="[layer_name, node, index]",
                                  found=repr(ref)[:80])
            t = _history_tensor(ref, created, where, missing_ok=True, shifted=False)
            if t is None:
                missing.append(ref)
            return t
        if isinstance(value, dict) and "class_name" not in value:
            return {k: revive(v) for k, v in value.items()}
        if isinstance(value, dict) and value.get("class_name") == "__tuple__":
            return tuple(revive(v) for v in (value.get("config") or {}).get("value", []))
        if isinstance(value, list):
            return [revive(v) for v in value]
        return _deserialize(value, where)

    args, kwargs = revive(node.get("args", [])), revive(node.get("kwargs", {}))
    if missing:
        return None
    if not isinstance(args, (list, tuple)) or not isinstance(kwargs, dict):
        raise SavingError("A saved layer call is malformed", path=where, expected="a list of args and a dict of kwargs",
                          found=f"{type(args).__name__}, {type(kwargs).__name__}")
    return list(args), kwargs


def _accepted_kwargs(layer, kwargs: dict) -> dict:
    """Keras writes `mask=None` and the like for every call; kerax's call may not take them."""
    try:
        params = inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params or v is not None}


def sequential_config(model) -> dict:
    """Keras 3's get_config of a Sequential: its InputLayer first when it has one."""
    layers = [serialize_keras_object(l) for l in model._stack]
    if model._input_layer is not None:
        layers.insert(0, serialize_keras_object(model._input_layer))
    config = {"name": model.name, "trainable": model.trainable, "dtype": model.dtype_policy.name, "layers": layers}
    if model._input_layer is not None:
        config["build_input_shape"] = list(model._input_layer.batch_shape)
    return config


def sequential_from_config(cls, config: dict, where: str | None = None):
    where = current_path() if where is None else where
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise SavingError("A Sequential model's config has no list of layers", path=where or config.get("name"),
                          expected="'layers': [...]", found=repr(layers)[:80])
    model = cls(name=config.get("name"), trainable=config.get("trainable", True))
    for i, entry in enumerate(layers):
        name = entry.get("config", {}).get("name", i) if isinstance(entry, dict) else i
        model.add(_deserialize(entry, f"{where}/{name}" if where else str(name)), rebuild=False)
    shape = config.get("build_input_shape")
    if model._input_layer is None and isinstance(shape, list) and model._stack:
        model.build(tuple(shape))
    else:
        model._maybe_rebuild()
    return model
