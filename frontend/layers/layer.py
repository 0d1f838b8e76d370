"""The Layer contract Keras users know: `__init__` validates, `build(input_shape)` creates
weights, `call` computes, `compute_output_shape`, `get_config`/`from_config`.

`__call__` dispatches on what it is given:
- KerasTensors: a node of the functional graph, with shapes from a symbolic run of `call`;
- symbolic tensors inside a trace: `call` runs and records IR;
- arrays: the layer is traced once per input signature, lowered, jitted and run.
"""
from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np

from .. import dtype_policies, naming
from ..keras_tensor import KerasTensor, Node
from ..tracing import SymbolicTensor, Trace, current_trace
from .eager import eager_call, stateless_call
from .input_spec import check_input_compatibility
from .opaque import collect_loss, opaque_call, untraceable
from .weights import LayerWeights, _dtype_name

_SHAPE_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim")


def _is_tensor(x) -> bool:
    return isinstance(x, (KerasTensor, SymbolicTensor, np.ndarray, jax.Array)) or hasattr(x, "__jax_array__")


def _shape_of(x):
    return tuple(x.shape) if _is_tensor(x) else None


def shape_structure(x):
    """Shapes in the structure of `x` (a tuple for one tensor, lists/dicts for several)."""
    if _is_tensor(x):
        return _shape_of(x)
    if isinstance(x, dict):
        return {k: shape_structure(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [shape_structure(v) for v in x]
    return None


class Layer(LayerWeights):
    """Base class of all layers.

    >>> class Scale(kerax.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
    ...     def call(self, x):
    ...         return x * self.w
    >>> Scale()(np.ones((2, 3))).shape
    (2, 3)
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True, name=None, **kwargs):
        unknown = sorted(set(kwargs) - set(_SHAPE_KWARGS))
        if unknown:
            raise TypeError(f"Layer {type(self).__name__}: unrecognized keyword arguments {unknown}; "
                            f"expected the layer's own arguments or one of {_SHAPE_KWARGS}")
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(f"Layer {type(self).__name__}: argument `name` must be a string without '/', received {name!r}")
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.built = False
        self._dtype_policy = dtype_policies.get(dtype)
        self.autocast = autocast
        self.supports_masking = getattr(self, "supports_masking", False)
        self.input_spec = None
        self._inbound_nodes: list[Node] = []
        from .. import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._batch_input_shape = _batch_input_shape(kwargs)

    # -- dtypes -----------------------------------------------------------------------------------
    @property
    def dtype_policy(self) -> dtype_policies.DTypePolicy:
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        self._dtype_policy = dtype_policies.get(value)

    @property
    def dtype(self) -> str:
        """The dtype of the layer's variables (Keras's `layer.dtype`)."""
        return self._dtype_policy.variable_dtype

    @dtype.setter
    def dtype(self, value) -> None:
        self._dtype_policy = dtype_policies.get(value)

    @property
    def compute_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype_policy.variable_dtype

    @property
    def input_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    # -- the contract ---------------------------------------------------------------------------
    def build(self, input_shape=None) -> None:
        self.built = True

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call()")

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """Shape of the output for `input_shape` (batch may be None), by a symbolic run of call."""
        structure = _spec_structure(input_shape, self.dtype)
        out = self.compute_output_spec(structure)
        return jax.tree.map(lambda t: tuple(t.shape), out, is_leaf=lambda t: isinstance(t, KerasTensor))

    def compute_output_spec(self, *args, **kwargs):
        with Trace(f"{self.name}_spec") as trace:
            sym = jax.tree.map(lambda t: trace.input(t.shape, t.dtype, "x") if isinstance(t, KerasTensor) else t,
                               (args, kwargs), is_leaf=lambda t: isinstance(t, KerasTensor))
            out = self._traced_call(trace, sym[0], dict(sym[1]))
        return jax.tree.map(lambda s: KerasTensor(s.shape, s.dtype) if isinstance(s, SymbolicTensor) else s, out)

    def get_config(self) -> dict:
        config_ = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype_policy.name}
        if self._batch_input_shape is not None:
            config_["batch_input_shape"] = self._batch_input_shape
        return config_

    @classmethod
    def from_config(cls, config_: dict):
        return cls(**config_)

    def get_build_config(self):
        nodes = self._inbound_nodes
        if nodes and nodes[0].input_tensors:
            return {"input_shape": shape_structure(nodes[0].call_args[0])}
        return None

    def build_from_config(self, build_config) -> None:
        if build_config and "input_shape" in build_config:
            self._maybe_build(build_config["input_shape"])

    # -- losses -----------------------------------------------------------------------------------
    def add_loss(self, loss) -> None:
        trace = loss.trace if isinstance(loss, SymbolicTensor) else current_trace()
        if trace is None and collect_loss(loss):
            return
        if trace is None:
            raise RuntimeError(f"Layer '{self.name}' add_loss: call it from within call(), where losses are traced")
        trace.add_loss(loss)

    @property
    def losses(self) -> list:
        """The losses of the last call on arrays (`add_loss`, activity regularization, sub-layers
        included), then each weight's regularization penalty, as Keras lists them."""
        penalties = [v.regularizer(v) for v in self.weights if v.regularizer is not None]
        return [*self.__dict__.get("_eager_losses", []), *penalties]

    # -- calling ------------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and isinstance(args[0], (np.ndarray, jax.Array)) and current_trace() is None:
            return eager_call(self, args, kwargs)  # an eager call on one array, without the general checks
        leaves = jax.tree.leaves((args, kwargs))
        if any(isinstance(x, KerasTensor) for x in leaves):
            return self._functional_call(args, kwargs)
        trace = next((x.trace for x in leaves if isinstance(x, SymbolicTensor)), None) or current_trace()
        if trace is not None:
            return self._traced_call(trace, args, kwargs)
        return eager_call(self, args, kwargs)

    def stateless_call(self, trainable_variables, non_trainable_variables, *args, return_losses=False, **kwargs):
        """Run `call` as a pure function of the given variable values (for jax.grad and jit).

        Returns (outputs, non_trainable_variables), plus the added losses with `return_losses`.
        """
        if not self.built and args:
            self._maybe_build(self._build_shapes(args, kwargs))
        return stateless_call(self, trainable_variables, non_trainable_variables, args, kwargs, return_losses)

    def _maybe_build(self, input_shape) -> None:
        if self.built:
            return
        params = [p for p in inspect.signature(self.build).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if isinstance(input_shape, dict) and len(params) > 1:
            self.build(**input_shape)
        else:
            self.build(input_shape)
        self.built = True

    def _build_shapes(self, args, kwargs):
        """What `build` receives: the first argument's shape, or `{name}_shape` per tensor argument
        when build takes several shapes (as Keras 3 does)."""
        params = [p for p in inspect.signature(self.build).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) > 1:
            names = [p.name for p in inspect.signature(self.call).parameters.values()]
            bound = dict(zip(names, args), **kwargs)
            wanted = {p.name for p in params}
            return {f"{k}_shape": shape_structure(v) for k, v in bound.items()
                    if f"{k}_shape" in wanted and shape_structure(v) is not None}
        return shape_structure(args[0]) if args else None

    def _call_accepts(self, name: str) -> bool:
        cached = type(self).__dict__.get("_kerax_call_params")
        if cached is None:
            cached = frozenset(inspect.signature(self.call).parameters)
            setattr(type(self), "_kerax_call_params", cached)
        return name in cached

    def _traced_call(self, trace: Trace, args, kwargs):
        kwargs = dict(kwargs)
        training = kwargs.pop("training", None)
        if self._call_accepts("training"):
            kwargs["training"] = trace_training(trace) if training is None else bool(training)
        if self._call_accepts("mask") and kwargs.get("mask") is None and args:
            masks = jax.tree.map(lambda t: getattr(t, "keras_mask", None), args[0],
                                 is_leaf=lambda t: isinstance(t, SymbolicTensor))
            if any(m is not None for m in jax.tree.leaves(masks)):
                kwargs["mask"] = masks
        if not self.built:  # shapes only for build: inspecting signatures on every call adds up in deep models
            self._maybe_build(self._build_shapes(args, kwargs))
        if args:
            check_input_compatibility(self.name, self.input_spec,
                                      [tuple(t.shape) for t in jax.tree.leaves(args[0]) if _is_tensor(t)])
        trace.layers.append(self.name)
        trace.training_stack.append(training)
        # Mixed precision: float inputs in the compute dtype, variables cast to it on read (as
        # Keras's AutocastScope; a layer whose variables are in its compute dtype reads them as is,
        # even inside a mixed-precision model).
        casting = self.autocast and self.compute_dtype != self.variable_dtype
        if self.autocast:
            args, kwargs = _cast_floats((args, kwargs), self.compute_dtype)
        trace.autocast.append(self.compute_dtype if casting else None)
        mark = trace.checkpoint()
        try:
            outputs = self.call(*args, **kwargs)
        except Exception as error:
            if not untraceable(error):
                raise
            trace.rollback(mark)  # raw JAX in `call`: the whole call becomes one opaque node
            try:
                outputs = opaque_call(self, trace, args, kwargs)
            except Exception:
                raise error from None  # the opaque run failed too: the user's own error says more
        finally:
            trace.autocast.pop()
            trace.training_stack.pop()
            trace.layers.pop()
        self._attach_masks(args, kwargs, outputs)
        if self.activity_regularizer is not None:
            from .. import ops

            for out in jax.tree.leaves(outputs):
                loss = self.activity_regularizer(out)
                if len(out.shape) > 0:  # as Keras: the same strength whatever the batch size
                    loss = loss / ops.dimension_size(out, 0)
                trace.add_loss(loss)
        return outputs

    def _attach_masks(self, args, kwargs, outputs):
        if not args:
            return
        previous = kwargs.get("mask")
        if previous is None:
            first = jax.tree.leaves(args[0])
            previous = getattr(first[0], "keras_mask", None) if first else None
        mask = self.compute_mask(args[0], previous)
        if mask is None:
            return
        outs = jax.tree.leaves(outputs)
        masks = jax.tree.leaves(mask) if isinstance(mask, (list, tuple)) else [mask] * len(outs)
        for out, m in zip(outs, masks):
            if isinstance(out, SymbolicTensor) and out.keras_mask is None:
                out.keras_mask = m

    def _functional_call(self, args, kwargs):
        for t in jax.tree.leaves(args[:1]):
            if isinstance(t, KerasTensor) is False and _is_tensor(t):
                raise ValueError(f"Layer '{self.name}' was called on a mix of KerasTensors and arrays: "
                                 "in the functional API every input must come from kerax.Input")
        with Trace(f"{self.name}_spec") as trace:
            def to_symbolic(t):
                if not isinstance(t, KerasTensor):
                    return t
                s = trace.input(t.shape, t.dtype, t.name or "x")
                if t._keras_mask is not None:
                    s.keras_mask = trace.input(t._keras_mask.shape, t._keras_mask.dtype, "mask")
                return s

            sym_args, sym_kwargs = jax.tree.map(to_symbolic, (args, kwargs), is_leaf=lambda t: isinstance(t, KerasTensor))
            sym_out = self._traced_call(trace, sym_args, dict(sym_kwargs))
        node_index = len(self._inbound_nodes)
        flat = jax.tree.leaves(sym_out)
        made = []
        for i, s in enumerate(flat):
            mask = None
            if isinstance(s, SymbolicTensor) and s.keras_mask is not None:
                mask = KerasTensor(s.keras_mask.shape, s.keras_mask.dtype, history=(self, node_index, i))
            made.append(KerasTensor(s.shape, s.dtype, history=(self, node_index, i), mask=mask)
                        if isinstance(s, SymbolicTensor) else s)
        outputs = jax.tree.unflatten(jax.tree.structure(sym_out), made)
        from ..tracing import user_source_line

        self._inbound_nodes.append(Node(self, args, kwargs, outputs, user_source_line()))
        return outputs

    # -- graph accessors -------------------------------------------------------------------------
    def _node_attr(self, attr: str):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has never been called on a KerasTensor, so it has no {attr}")
        node = self._inbound_nodes[0]
        tensors = node.input_tensors if attr == "input" else node.outputs
        if attr == "input":
            return tensors[0] if len(tensors) == 1 else tensors
        return tensors

    @property
    def input(self):
        return self._node_attr("input")

    @property
    def output(self):
        return self._node_attr("output")

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _marks_built(build):
    """Keras's contract: after `build` runs, called by us or directly by the user, the layer is
    built, and the weights it made are named under the layer."""
    import functools

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        if naming.innermost_scope() == self.name:  # a subclass's build calling super().build
            result = build(self, *args, **kwargs)
        else:
            with naming.name_scope(self.name):
                result = build(self, *args, **kwargs)
        self.built = True
        return result

    return wrapper


def _cast_floats(structure, dtype: str):
    """Floating symbolic tensors in `structure` cast to `dtype` (Keras's `convert_input`)."""
    from .. import ops

    args, kwargs = structure
    if all(isinstance(a, SymbolicTensor) and a.dtype == dtype for a in args) and \
            all(v is None or isinstance(v, (bool, int, str)) for v in kwargs.values()):
        return structure  # the common case (tensors already in `dtype`, flags), without a tree walk

    def convert(x):
        if isinstance(x, SymbolicTensor) and x.dtype != dtype and jnp.issubdtype(x.dtype, jnp.floating):
            mask = x.keras_mask
            x = ops.cast(x, dtype)
            x.keras_mask = mask
        return x

    return jax.tree.map(convert, structure, is_leaf=lambda t: isinstance(t, SymbolicTensor))


def trace_training(trace: Trace) -> bool:
    """The training flag in force: the innermost explicit `training=` of an enclosing layer call,
    else the trace's own."""
    for value in reversed(trace.training_stack):
        if value is not None:
            return bool(value)
    return bool(trace.training)


def _batch_input_shape(kwargs):
    if "batch_input_shape" in kwargs:
        return tuple(kwargs["batch_input_shape"])
    if "input_shape" in kwargs:
        return (kwargs.get("batch_size"), *tuple(kwargs["input_shape"]))
    if "input_dim" in kwargs:
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _spec_structure(shape, dtype):
    if isinstance(shape, dict):
        return {k: _spec_structure(v, dtype) for k, v in shape.items()}
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and isinstance(shape[0], (tuple, list))):
        return [_spec_structure(s, dtype) for s in shape]
    return KerasTensor(shape, dtype)
