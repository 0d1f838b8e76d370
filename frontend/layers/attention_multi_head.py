"""MultiHeadAttention, computed as Keras 3 computes it, with the attention itself one IR node."""
from __future__ import annotations

import math
import string

from .. import constraints, initializers, ops, random, regularizers
from ..ops.attention import attention
from .attention_einsum_dense import EinsumDense
from .core import _serialize
from .layer import Layer

__all__ = ["MultiHeadAttention"]


def _positive_int(name, value, optional=False):
    if optional and value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        expected = "a positive integer or None" if optional else "a positive integer"
        raise ValueError(f"Layer MultiHeadAttention: argument `{name}` must be {expected}, received {value!r}")
    return value


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al., 2017): query, key and value are projected to
    `num_heads` heads by EinsumDense layers, attended, and projected back.

    `call(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)`; Keras masks on query/value/key (e.g. from
    `Embedding(mask_zero=True)`) are used, and the output carries the query's mask.

    >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = np.ones((3, 5, 8), "float32")
    >>> mha(x, x).shape
    (3, 5, 8)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        num_heads = _positive_int("num_heads", num_heads)
        key_dim = _positive_int("key_dim", key_dim)
        value_dim = _positive_int("value_dim", value_dim, optional=True)
        sliding_window = _positive_int("sliding_window", sliding_window, optional=True)
        super().__init__(**kwargs)  # the activity regularizer belongs to the projections, as in Keras
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"Layer MultiHeadAttention: argument `dropout` must be a number in [0, 1], received {dropout!r}")
        if flash_attention and dropout > 0:
            raise ValueError("Layer MultiHeadAttention: dropout is not supported with flash_attention=True; "
                             f"set dropout=0.0 (received dropout={dropout})")
        self.supports_masking = True
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim or key_dim
        self._dropout, self._use_bias, self._use_gate = float(dropout), use_bias, use_gate
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"Layer MultiHeadAttention: argument `attention_axes` must be an int, list or tuple, "
                             f"received {attention_axes!r}")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._sliding_window = sliding_window
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))
        if self._dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    # -- build ------------------------------------------------------------------------------------
    def _key_shape(self, value_shape, key_shape):
        """The key's shape (the value's when none is given), checked against the value's."""
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"Layer '{self.name}': all dimensions of `value` and `key` except the last must be equal, "
                             f"received value shape {tuple(value_shape)} and key shape {tuple(key_shape)}")
        return key_shape

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = self._key_shape(value_shape, key_shape)
        query_rank = len(query_shape)
        self._query_dense = self._projection(query_rank, [self._num_heads, self._key_dim], "query")
        self._query_dense._maybe_build(tuple(query_shape))
        self._key_dense = self._projection(len(key_shape), [self._num_heads, self._key_dim], "key")
        self._key_dense._maybe_build(tuple(key_shape))
        if self._use_gate:
            self._gate_dense = self._projection(query_rank, [self._num_heads, self._value_dim], "gate",
                                                activation="sigmoid")
            self._gate_dense._maybe_build(tuple(query_shape))
        self._value_dense = self._projection(len(value_shape), [self._num_heads, self._value_dim], "value")
        self._value_dense._maybe_build(tuple(value_shape))
        rank = query_rank + 1  # of the projected tensors: (batch, ..., heads, depth)
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else rank - 1 + a for a in self._attention_axes)
        if not self._attention_axes or any(not 0 < a < rank - 2 for a in self._attention_axes):
            raise ValueError(f"Layer '{self.name}': `attention_axes` must name axes between the batch and the feature "
                             f"axis of the query (rank {query_rank}), received {self._attention_axes}")
        self._rank = rank
        out_dims = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        equation, bias_axes, output_rank = _projection_equation(query_rank - 1, bound_dims=2, output_dims=len(out_dims))
        self._output_dense = EinsumDense(equation, output_shape=[None] * (output_rank - 1 - len(out_dims)) + out_dims,
                                         bias_axes=bias_axes if self._use_bias else None, name="attention_output",
                                         **self._sublayer_kwargs())
        projected = list(query_shape[:-1]) + [self._num_heads, self._value_dim]
        self._output_dense._maybe_build(tuple(projected))

    def _projection(self, input_rank, last_dims, name, activation=None):
        equation, bias_axes, output_rank = _projection_equation(input_rank - 1, bound_dims=1, output_dims=2)
        return EinsumDense(equation, output_shape=[None] * (output_rank - 1 - len(last_dims)) + last_dims,
                           bias_axes=bias_axes if self._use_bias else None, name=name, activation=activation,
                           **self._sublayer_kwargs())

    def _sublayer_kwargs(self):
        # A fresh initializer per projection, so that seeded ones do not give equal kernels (as Keras).
        return dict(kernel_initializer=type(self._kernel_initializer).from_config(self._kernel_initializer.get_config()),
                    bias_initializer=type(self._bias_initializer).from_config(self._bias_initializer.get_config()),
                    kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer, kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype)

    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # -- call -----------------------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        if return_attention_scores and self._flash_attention:
            raise ValueError(f"Layer '{self.name}': return_attention_scores=True is not supported with "
                             "flash_attention=True")
        # Keras passes each tensor's own mask as `{name}_mask`; kerax reads it off the tensor.
        query_mask = _mask_of(query) if query_mask is None else query_mask
        value_mask = _mask_of(value) if value_mask is None else value_mask
        if key is not None and key_mask is None:
            key_mask = _mask_of(key)
        key = value if key is None else key
        if (use_causal_mask or self._sliding_window) and len(self._attention_axes) > 1:
            raise ValueError(f"Layer '{self.name}': use_causal_mask and sliding_window need a single attention axis, "
                             f"the layer attends over axes {self._attention_axes}")
        attention_mask = self._attention_mask(query_mask, value_mask, key_mask, attention_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        query, key, value = self._query_dense(query), self._key_dense(key), self._value_dense(value)
        output, scores = self._compute_attention(query, key, value, attention_mask, bool(training),
                                                 return_attention_scores, use_causal_mask)
        if gate is not None:
            output = ops.multiply(output, gate)
        output = self._output_dense(output)
        return (output, scores) if return_attention_scores else output

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        key_shape = self._key_shape(value_shape, key_shape)
        query_shape = tuple(query_shape)
        return query_shape[:-1] + self._output_shape if self._output_shape else query_shape

    def compute_mask(self, inputs, previous_mask=None):
        # The output, not the attention scores, carries the query's mask.
        return None if previous_mask is None else [previous_mask]

    def _attention_mask(self, query_mask, value_mask, key_mask, attention_mask):
        """Keras's merge of the tensors' masks and `attention_mask`, as (batch, T, S) booleans."""
        auto = None
        for mask, axis in ((query_mask, -1), (value_mask, -2), (key_mask, -2)):
            if mask is not None:
                mask = ops.expand_dims(ops.cast(mask, "bool"), axis)
                auto = mask if auto is None else ops.logical_and(auto, mask)
        if attention_mask is not None:
            attention_mask = ops.cast(attention_mask, "bool")
            return attention_mask if auto is None else ops.logical_and(attention_mask, auto)
        return auto

    def _compute_attention(self, query, key, value, attention_mask, training, return_attention_scores,
                           use_causal_mask):
        """Projected (batch, ..., heads, depth) tensors -> (output, scores or None), one IR node."""
        rank, axes = self._rank, self._attention_axes
        dropout = self._dropout if training else 0.0
        # Keras's fused path (keras.ops.dot_product_attention) or its Softmax-layer path: they
        # differ where a whole row is masked, so reproduce the one Keras takes.
        fused = not (self._dropout > 0 or return_attention_scores or rank != 4)
        scores_rank = rank - 1 + len(axes)  # (batch..., heads, T..., S...)
        if attention_mask is not None:
            for _ in range(scores_rank - len(attention_mask.shape)):
                attention_mask = ops.expand_dims(attention_mask, -len(axes) * 2 - 1)
        # The op's layout puts the attention axes last before (heads, depth).
        batch = [i for i in range(rank - 2) if i not in axes]
        perm = (*batch, *axes, rank - 2, rank - 1)
        identity = perm == tuple(range(rank))
        if not identity:
            query, key, value = (ops.transpose(x, perm) for x in (query, key, value))
        result = attention(query, key, value, mask=attention_mask, scale=self._inverse_sqrt_key_dim,
                           is_causal=use_causal_mask, sliding_window=self._sliding_window, attention_dims=len(axes),
                           mask_mode="replace" if fused else "softmax_layer", dropout_rate=dropout,
                           seed=getattr(self, "seed_generator", None),
                           scores="probs" if return_attention_scores else "none")
        output, scores = result if return_attention_scores else (result, None)
        if not identity:
            output = ops.transpose(output, tuple(perm.index(i) for i in range(rank)))
        return output, scores

    def get_config(self):
        return {**super().get_config(), "num_heads": self._num_heads, "key_dim": self._key_dim,
                "value_dim": self._value_dim, "dropout": self._dropout, "use_bias": self._use_bias,
                "use_gate": self._use_gate, "output_shape": self._output_shape,
                "attention_axes": self._attention_axes, "sliding_window": self._sliding_window,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": _serialize(self._kernel_regularizer),
                "bias_regularizer": _serialize(self._bias_regularizer),
                "activity_regularizer": _serialize(self._activity_regularizer),
                "kernel_constraint": _serialize(self._kernel_constraint),
                "bias_constraint": _serialize(self._bias_constraint), "seed": self.seed}


def _mask_of(x):
    return getattr(x, "keras_mask", None)


def _projection_equation(free_dims, bound_dims, output_dims):
    """Keras's einsum equation for the projections: (equation, bias axes, output rank)."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    out = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, free_dims + output_dims
