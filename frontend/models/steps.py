"""The train / test / predict steps, with Keras 3's JAX signatures: `step(state, data) ->
(logs or predictions, state)`. Override `train_step` in a Model subclass to customize fit().

The built-in train and test steps run as IR step graphs (step_graphs.py), which passes rewrite
and irdump prints. An overridden `train_step`, `test_step` or `predict_step` is the user's own
code: it runs as written, JAX traces it as it is, and in the step IR it is one opaque node
(`step_graphs.build_opaque_graph`, shown by `irdump --step train`) whose body no pass enters."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from ...lowering import make_predict_step, make_test_step, make_train_step


class Steps:
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss (weighted sum over outputs) of `y_pred` against `y`, as in Keras 3.

        For use inside an overridden `train_step`; regularization terms come from
        `stateless_call(..., return_losses=True)`."""
        total, _ = self._compiled_loss(self._flatten_targets(y), self._flatten_outputs_like(y_pred),
                                       self._flatten_sample_weights(sample_weight))
        return total

    def _flatten_outputs_like(self, y_pred) -> list:
        if isinstance(y_pred, dict):
            return [y_pred[n] for n in self.output_names]
        return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]

    def _losses_and_metrics(self, x_list):
        def compute_loss(y, y_pred, sample_weight):
            return self._compiled_loss(self._flatten_targets(y), y_pred, self._flatten_sample_weights(sample_weight))

        def update_metrics(metric_values, losses, x, y, y_pred, sample_weight):
            batch = jnp.asarray(x_list[0].shape[0], "float32")
            return self._compiled_metrics.update(metric_values, losses, self._flatten_targets(y), y_pred,
                                                 self._flatten_sample_weights(sample_weight), batch)

        return compute_loss, update_metrics

    # The train and test steps run as IR step graphs (step_graphs.py), bit for bit the numbers
    # and programs of the closure-built steps (lowering/steps.py), which remain for a function
    # that cannot be imported. False runs the closures (the tests compare both).
    _steps_in_ir = True

    def _step_graph(self, kind: str, x_list, y, sw):
        """The optimized `kind` ("train" or "test") step graph for data of this signature, or
        None where the step cannot be IR. Built on first use: while JAX traces the step, so once
        per compilation, or by irdump from sample arrays."""
        from ...ir.jaxpr_import import NotImportable
        from ...passes import PassManager, default_pipeline
        from .step_graphs import build_test_graph, build_train_graph

        program = self._program(x_list, kind == "train", kind)
        signature = tuple((tuple(a.shape), str(a.dtype)) for a in jax.tree.leaves((x_list, y, sw)))
        key = (kind, id(program), signature, jax.tree.structure((y, sw)))
        cache = self.__dict__.setdefault("_step_graphs", {})
        if key not in cache:
            trainable, non_trainable = self._state_lists()
            groups = [trainable, non_trainable, self.optimizer.state_variables if self.optimizer else [],
                      self.metrics_variables]
            build = build_train_graph if kind == "train" else build_test_graph
            try:
                built = build(self, program.graph, program.names, groups, (x_list, y, sw))
            except NotImportable:
                built = None
            if built is not None:
                built.context = _with_slot_layouts(program.context, groups, built.state_names)
                built.graph = PassManager(default_pipeline(built.context)).run(built.traced, built.context)
            cache[key] = built
        return cache[key]

    def _ir_step(self, kind: str, state, data):
        """(logs, state) of the `kind` step run as its IR step graph, or None where it cannot be."""
        from ...lowering import lower_step

        x, y, sw = _unpack(data)
        x_list = self._flatten_inputs(x)
        built = self._step_graph(kind, x_list, y, sw)
        if built is None:
            return None
        step = lower_step(built.graph, built.state_names, built.context.mesh)
        return step(state, [*x_list, *jax.tree.leaves(y), *jax.tree.leaves(sw)])

    def train_step(self, state, data):
        """One training step: (logs, new state). Override to customize fit(); an override runs
        as written, an opaque node to the compiler's passes."""
        if self._given_keras_slots(state):  # a state tuple built from optimizer.variables, as Keras's
            from ..optimizers import packed_slots

            optimizer = self.optimizer
            logs, new = self.train_step((*state[:2], packed_slots.packed_values(optimizer, list(state[2])),
                                         *state[3:]), data)
            return logs, (*new[:2], packed_slots.unpacked_values(optimizer, list(new[2])), *new[3:])
        if self._steps_in_ir and (result := self._ir_step("train", state, data)) is not None:
            return result
        x, y, sw = _unpack(data)
        x_list = self._flatten_inputs(x)
        compute_loss, update_metrics = self._losses_and_metrics(x_list)
        forward = self._forward(x_list, "train")
        step = make_train_step(lambda t, nt, _x, training: forward(t, nt, x_list), compute_loss,
                               self.optimizer.stateless_apply, update_metrics, self.optimizer.stateless_scale_loss)
        return step(state, (x, y, sw))

    def _given_keras_slots(self, state) -> bool:
        """Whether `state`'s optimizer values list the slots per weight (`optimizer.variables`)
        where fit's state holds them packed (`optimizer.state_variables`)."""
        optimizer = self.optimizer
        return (optimizer is not None and optimizer.packed_slots and len(state) > 2
                and len(state[2]) == len(optimizer.variables) != len(optimizer.state_variables))

    def test_step(self, state, data):
        if self._steps_in_ir and (result := self._ir_step("test", state, data)) is not None:
            return result
        x, y, sw = _unpack(data)
        x_list = self._flatten_inputs(x)
        compute_loss, update_metrics = self._losses_and_metrics(x_list)
        forward = self._forward(x_list, "test")
        step = make_test_step(lambda t, nt, _x, training: forward(t, nt, x_list), compute_loss, update_metrics)
        return step(state, (x, y, sw))

    def predict_step(self, state, data):
        x = data[0] if isinstance(data, tuple) else data
        x_list = self._flatten_inputs(x)
        forward = self._forward(x_list, "predict")
        step = make_predict_step(lambda t, nt, _x, training: forward(t, nt, x_list))
        return step(state, (x,))

    # -- data ------------------------------------------------------------------------------------------------

def _with_slot_layouts(context, groups, state_names):
    """`context` telling the sharding pass that each optimizer slot is laid out like its weight."""
    import dataclasses

    if context.mesh is None:
        return context
    aliases = tuple((name, v.layout_path) for v, name in zip(groups[2], state_names[2])
                    if getattr(v, "layout_path", None))
    return dataclasses.replace(context, layout_aliases=aliases)


def _unpack(data):
    if not isinstance(data, tuple):
        return data, None, None
    return (tuple(data) + (None, None))[:3]
