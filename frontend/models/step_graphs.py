"""The train and test steps as IR graphs, lowered by `lowering.lower_step`.

A step graph is built for one data signature, when the step is first traced for it, from the
model's own traced and optimized forward graph:

    train:  value_and_grad(params, state, x, y, sample weights[, optimizer state])
              region: the forward graph, then the loss (loss weights, sample weights, the
                      regularization and add_loss terms, the loss scale) imported as IR
            -> loss, per-output losses, predictions, new state, one gradient per weight
            the optimizer's update of every weight and slot (schedule, iteration counter,
            weight decay, clipping, moving averages) imported as IR: one `call` per weight
            of a region shared by the weights of one kind (update_graph.py)
            the metric-state updates imported as IR; the logs are the graph's outputs
    test:   the forward graph, the loss and the metric updates, with no gradient.

Losses, metrics and optimizers stay written in `jax.numpy`; the IR gets their computation by
importing the jaxpr of the same functions the closure-built steps call (`ir.jaxpr_import`), so
the numbers are the same and passes and `irdump` see the whole step. The predict step is the
forward graph itself.
"""
from __future__ import annotations

import jax

from ...ir import Graph, GraphBuilder, GraphInput, TensorType
from ...ir.jaxpr_import import import_function
from .update_graph import import_update


class StepGraph:
    """A step graph as built (`traced`) and after the passes (`graph`), with the names of the
    state tuple's variables (`state_names`, for `lower_step`) and the passes' context."""

    def __init__(self, traced: Graph, state_names: list):
        self.traced = self.graph = traced
        self.state_names = state_names
        self.context = None


def _unique_names(groups, taken: dict) -> list:
    """Graph input names for the variables of `groups`: a name the forward graph gave, else
    the variable's path made unique."""
    used = set(taken.values())
    names = []
    for group in groups:
        out = []
        for variable in group:
            name = taken.get(variable)
            if name is None:
                name, n = variable.path, 1
                while name in used:
                    n += 1
                    name = f"{variable.path}#{n}"
                used.add(name)
            out.append(name)
        names.append(out)
    return names


def _inputs(builder: GraphBuilder, forward: Graph, groups: list, names: list, kinds: tuple) -> list:
    """Graph inputs for the state groups: the forward graph's own input (its value, layout and
    kind) for a variable it reads, a new input otherwise. Returns the values per group."""
    own = {gi.name: gi for gi in forward.inputs if gi.kind not in ("input", "const")}
    values = []
    for group, group_names, kind in zip(groups, names, kinds):
        out = []
        for variable, name in zip(group, group_names):
            gi = own.get(name)
            if gi is None:
                gi = GraphInput(_value(variable), kind, name, trainable=kind == "param")
            builder.inputs.append(gi)
            out.append(gi.value)
        values.append(out)
    return values


def _value(variable):
    from ...ir import Value

    return Value(TensorType(tuple(variable.shape), variable.dtype))


def _data_inputs(builder: GraphBuilder, tree, name: str):
    """A data input per array of `tree` (targets or sample weights), the batch unknown as the
    forward graph's inputs have it: "y", or "y_0", "y_1", ... for several."""
    leaves, structure = jax.tree.flatten(tree)
    labels = [name] if len(leaves) == 1 else [f"{name}_{i}" for i in range(len(leaves))]
    values = [builder.add_input(TensorType((None, *a.shape[1:]), str(a.dtype)), "input", label)
              for a, label in zip(leaves, labels)]
    return jax.tree.unflatten(structure, values)


def _scales_loss(optimizer) -> bool:
    """Whether the optimizer's loss scale is state (LossScaleOptimizer), read by the region."""
    from ..optimizers.base import Optimizer

    return type(optimizer).stateless_scale_loss is not Optimizer.stateless_scale_loss


def _forward_body(builder: GraphBuilder, forward: Graph) -> None:
    """Copy the forward graph's nodes, constants and user code into `builder` (values shared)."""
    for gi in forward.inputs_of_kind("const"):
        builder.inputs.append(gi)
        builder.pool[gi.name] = gi.value
    builder.nodes.extend(forward.nodes)
    builder.callables.extend(forward.callables)


def _ordered(update_metrics, names: list):
    """`update_metrics` with its logs as a list, their names put in `names`: a pytree dict would
    come back with its keys sorted, and the logs keep Keras's order (loss first)."""
    def fn(*args):
        new, logs = update_metrics(*args)
        names[:] = list(logs)
        return new, [logs[name] for name in names]

    return fn


def build_train_graph(model, forward: Graph, forward_names: dict, groups: list, data) -> StepGraph:
    """The train step graph of `model` for `data` = (x_list, y, sample_weight) arrays (or
    tracers) of one batch; `groups` the four variable lists of the state tuple."""
    x_list, y, sw = data
    names = _unique_names(groups, forward_names)
    trainable, non_trainable, optimizer_vars, _ = groups
    optimizer = model.optimizer
    scales = _scales_loss(optimizer)
    batch = x_list[0].shape[0]
    compute_loss, update_metrics = model._losses_and_metrics(x_list)

    # the region: forward and loss, closed over its operands
    body = GraphBuilder("forward_and_loss")
    read = {gi.name for gi in forward.inputs if gi.kind not in ("input", "const")}
    body_groups = [trainable, [v for v, n in zip(non_trainable, names[1]) if n in read]]
    body_names = [names[0], [n for n in names[1] if n in read]]
    params, state = _inputs(body, forward, body_groups, body_names, ("param", "state"))
    for gi in forward.data_inputs:
        body.inputs.append(gi)
    y_in, sw_in = _data_inputs(body, y, "y"), _data_inputs(body, sw, "sample_weight")
    opt_in = _inputs(body, forward, [optimizer_vars], [names[2]], ("state",))[0] if scales else []
    _forward_body(body, forward)

    def loss_of(y_pred, y, sw, extras, opt):
        total, parts = compute_loss(y, y_pred, sw)
        for extra in extras:  # regularization and add_loss() terms, in the closure-built step's order
            total = total + extra
        # the gradient is of the scaled loss; the logs show the loss itself, as Keras's
        return optimizer.stateless_scale_loss(opt, total), total, parts

    scaled, total, parts = import_function(body, loss_of, (list(forward.outputs), y_in, sw_in,
                                                           list(forward.losses), opt_in), batch)
    region = body.finish([scaled, total, *parts, *forward.outputs],
                         ["scaled_loss", "loss", *[f"loss_{i}" for i in range(len(parts))], *forward.output_names],
                         updates=forward.updates)

    # the step: the gradient, the optimizer update, the metric updates
    b = GraphBuilder("train_step")
    values = _inputs(b, forward, groups, names, ("param", "state", "state", "state"))
    operands = [*values[0], *(v for v, n in zip(values[1], names[1]) if n in read)]
    data_values = [gi.value for gi in forward.data_inputs]
    for gi in forward.data_inputs:
        b.inputs.append(gi)
    y_step, sw_step = _data_inputs(b, y, "y"), _data_inputs(b, sw, "sample_weight")
    operands += data_values + jax.tree.leaves(y_step) + jax.tree.leaves(sw_step) + (values[2] if scales else [])
    results = b.emit("value_and_grad", operands, {"body": region, "wrt": tuple(range(len(trainable)))})
    _, total, *rest = results
    parts, rest = rest[:len(parts)], rest[len(parts):]
    y_pred, rest = rest[:len(forward.outputs)], rest[len(forward.outputs):]
    state_updates, grads = rest[:len(forward.updates)], rest[len(forward.updates):]

    new_trainable, new_optimizer = import_update(b, optimizer, values[2], grads, values[0], trainable)
    log_names = []
    new_metrics, logs = import_function(b, _ordered(update_metrics, log_names), (values[3], (total, parts), data_values,
                                                                                 y_step, y_pred, sw_step), batch)
    updates = [*zip(names[0], new_trainable), *((name, v) for (name, _), v in zip(forward.updates, state_updates)),
               *zip(names[2], new_optimizer), *zip(names[3], new_metrics)]
    graph = b.finish(logs, log_names, updates)
    return StepGraph(graph, names)


def build_test_graph(model, forward: Graph, forward_names: dict, groups: list, data) -> StepGraph:
    """The test step graph: the forward graph, the loss and the metric updates."""
    x_list, y, sw = data
    names = _unique_names(groups, forward_names)
    compute_loss, update_metrics = model._losses_and_metrics(x_list)
    b = GraphBuilder("test_step")
    values = _inputs(b, forward, groups, names, ("param", "state", "state", "state"))
    for gi in forward.data_inputs:
        b.inputs.append(gi)
    y_in, sw_in = _data_inputs(b, y, "y"), _data_inputs(b, sw, "sample_weight")
    _forward_body(b, forward)
    data_values = [gi.value for gi in forward.data_inputs]

    def test_of(m, x, y, y_pred, sw, extras):
        total, parts = compute_loss(y, y_pred, sw)
        for extra in extras:
            total = total + extra
        return update_metrics(m, (total, parts), x, y, y_pred, sw)

    log_names = []
    new_metrics, logs = import_function(b, _ordered(test_of, log_names), (values[3], data_values, y_in, list(forward.outputs), sw_in,
                                                     list(forward.losses)), x_list[0].shape[0])
    updates = [*forward.updates, *zip(names[3], new_metrics)]
    graph = b.finish(logs, log_names, updates)
    return StepGraph(graph, names)


def build_opaque_graph(kind: str, step_fn, groups: list, data) -> Graph:
    """The step graph of a user's own `train_step`/`test_step`/`predict_step`: one opaque node
    that runs `step_fn(state, data)` as written. Passes do not enter it and irdump shows it as
    opaque; its results are the logs (or predictions) and the new value of every variable."""
    leaves, tree = jax.tree.flatten(data)
    state_names = _unique_names(groups, {})
    b = GraphBuilder(f"{kind}_step")
    state_values = [[b.add_input(TensorType(tuple(v.shape), v.dtype), "param" if g == 0 else "state", name,
                                 trainable=g == 0) for v, name in zip(group, names)]
                    for g, (group, names) in enumerate(zip(groups, state_names))]
    data_values = [b.add_input(TensorType((None, *a.shape[1:]), str(a.dtype)), "input", f"data_{i}")
                   for i, a in enumerate(leaves)]
    sizes = [len(group) for group in state_values]
    state_spec = [[jax.ShapeDtypeStruct(tuple(v.shape), v.dtype) for v in group] for group in groups]
    out_shape = jax.eval_shape(step_fn, state_spec, jax.tree.unflatten(tree, [jax.ShapeDtypeStruct(a.shape, a.dtype)
                                                                              for a in leaves]))
    out_leaves, out_tree = jax.tree.flatten(out_shape[0])

    def run(*arrays):
        state, rest = [], list(arrays[:sum(sizes)])
        for size in sizes:
            state.append(rest[:size])
            rest = rest[size:]
        out, new_state = step_fn(state, jax.tree.unflatten(tree, list(arrays[sum(sizes):])))
        return (*jax.tree.leaves(out), *(v for group in new_state for v in group))

    results = tuple((str(s.dtype), tuple(s.shape)) for s in out_leaves) + tuple(
        (v.dtype, tuple(v.shape)) for group in groups for v in group)
    key = b.add_callable(f"user_{kind}_step", run)
    operands = [v for group in state_values for v in group] + data_values
    attrs = (("fn", key), ("results", results))
    outs = b.emit("opaque", operands, attrs)
    labels = [jax.tree_util.keystr(path) or "output" for path, _ in jax.tree_util.tree_flatten_with_path(out_shape[0])[0]]
    names = [n for group in state_names for n in group]
    return b.finish(outs[:len(out_leaves)], labels, list(zip(names, outs[len(out_leaves):])))
