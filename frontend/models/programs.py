"""A model, traced into IR for one input signature and mode, optimized and lowered.

`ModelProgram.forward(trainable, non_trainable)` gives the pure function the steps call:
values in the order of those variable lists in, outputs and updated state out.
"""
from __future__ import annotations

import jax

from ...lowering import lower
from ...passes import PassContext, PassManager, default_pipeline
from ..tracing import Trace


def input_signature(arrays, keep_batch: bool = False) -> tuple:
    """(shape, dtype) per input, the batch as None unless `keep_batch` (stateful models)."""
    return tuple((tuple(a.shape) if keep_batch else (None, *tuple(a.shape[1:])), str(a.dtype)) for a in arrays)


def trace_model(model, signature, training: bool, name: str | None = None):
    """Trace `model` on symbolic inputs of `signature` -> (graph, trace)."""
    with Trace(name or model.name, training=training) as trace:
        inputs = [trace.input(shape, dtype, input_name)
                  for (shape, dtype), input_name in zip(signature, model._input_names_for_trace(len(signature)))]
        outputs = model(model._pack_inputs(inputs), training=training)
        flat = model._flatten_outputs(outputs)
        for variable in list(trace.reads):
            if variable.regularizer is not None:
                trace.layers.append("regularization")
                trace.add_loss(variable.regularizer(variable))
                trace.layers.pop()
        graph = trace.finish(flat, model._output_names_for_trace(len(flat)))
    return graph, trace


def pass_context(mode: str) -> PassContext:
    """The context the passes of a `mode` step get: platform, the active distribution's mesh and
    layout map, and the global dtype policy's name ("mixed_bfloat16", ...)."""
    from .. import config
    from ..distribution import distribution

    active = distribution()
    mesh = None if active is None else active.device_mesh.jax_mesh
    return PassContext(mode=mode, platform=jax.default_backend(), mesh=mesh,
                       layout_map=getattr(active, "layout_map", None),
                       batch_axis=getattr(active, "batch_dim_name", None), dtype_policy=config.dtype_policy().name)


class ModelProgram:
    def __init__(self, model, signature, mode: str):
        self.context = pass_context(mode)
        graph, trace = trace_model(model, signature, self.context.training)
        self.model_name = model.name
        self.traced = graph
        self.manager = PassManager(default_pipeline(self.context))
        self.graph = self.manager.run(graph, self.context)
        self.apply = lower(self.graph, self.context.mesh)
        self.names = dict(trace.names)
        self.output_types = [v.type for v in self.graph.outputs]

    def forward(self, trainable: list, non_trainable: list):
        """fn(trainable_values, non_trainable_values, inputs) -> (outputs, non_trainable_values, losses)."""
        known = set(trainable) | set(non_trainable)
        untracked = [v.path for v in self.names if v not in known]
        if untracked:
            raise ValueError(f"Model '{self.model_name}' reads variables it does not track: {untracked}. Create them "
                             "with add_weight() in a layer that is an attribute of the model (or of one of its layers)")
        trainable_names = [self.names.get(v) for v in trainable]
        non_trainable_names = [self.names.get(v) for v in non_trainable]
        apply = self.apply

        def fn(trainable_values, non_trainable_values, inputs):
            variables = {n: v for n, v in zip(trainable_names, trainable_values) if n is not None}
            variables.update((n, v) for n, v in zip(non_trainable_names, non_trainable_values) if n is not None)
            outputs, updates, losses = apply(variables, list(inputs))
            new = [updates.get(n, v) if n is not None else v for n, v in zip(non_trainable_names, non_trainable_values)]
            return outputs, new, losses

        return fn
