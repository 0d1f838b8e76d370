"""Attention: Luong-style (dot) or concat-score attention over [query, value(, key)]."""
from __future__ import annotations

from .. import ops, random
from ..ops.attention import attention
from .layer import Layer

__all__ = ["Attention"]

# Keras pushes masked scores down by this much (65504 is float16's largest value).
_MASK_PENALTY = {"float16": 65504.0}


class Attention(Layer):
    """Dot-product (Luong) attention: `softmax(query . key^T [* scale]) . value`.

    Called on `[query, value]` or `[query, value, key]`, with `mask=[query_mask, value_mask]`
    (taken from the inputs' Keras masks when not given); `score_mode="concat"` scores with
    `sum(tanh(query + key))` instead.

    >>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
    >>> Attention()([q, v]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Layer Attention: argument `score_mode` expected one of ('dot', 'concat'), "
                             f"received {score_mode!r}")
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"Layer Attention: argument `dropout` must be a number in [0, 1], received {dropout!r}")
        self.use_scale, self.score_mode, self.dropout, self.seed = use_scale, score_mode, dropout, seed
        if dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.scale = self.concat_score_weight = None

    def build(self, input_shape):
        self._validate(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones")

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._validate(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        rate = self.dropout if training else 0.0
        if self.score_mode == "dot":
            output, weights = self._dot(query, key, value, value_mask, use_causal_mask, rate)
        else:
            output, weights = self._concat(query, key, value, value_mask, use_causal_mask, rate)
        if query_mask is not None:
            output = ops.where(ops.expand_dims(query_mask, -1), output, 0.0)
        return (output, weights) if return_attention_scores else output

    def _dot(self, query, key, value, value_mask, causal, rate):
        """One attention node with a single head: (..., T, 1, depth) operands."""
        if self.scale is not None:
            query = ops.multiply(query, self.scale)
        query, key, value = (ops.expand_dims(x, -2) for x in (query, key, value))
        mask = None
        if value_mask is not None:  # (..., S) -> (..., heads=1, T=1, S)
            mask = ops.expand_dims(ops.expand_dims(ops.cast(value_mask, "bool"), -2), -2)
        output, weights = attention(query, key, value, mask=mask, is_causal=causal, mask_mode="subtract",
                                    dropout_rate=rate, seed=getattr(self, "seed_generator", None), scores="dropped")
        return ops.squeeze(output, -2), ops.squeeze(weights, -3)

    def _concat(self, query, key, value, value_mask, causal, rate):
        # Not a dot product, so not the attention op: the scores are tanh sums, then Keras's softmax.
        summed = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        scores = ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))
        keep = None if value_mask is None else ops.expand_dims(ops.cast(value_mask, "bool"), -2)
        if causal:
            causal_mask = _causal_mask(scores)
            keep = causal_mask if keep is None else ops.logical_and(keep, causal_mask)
        if keep is not None:
            penalty = _MASK_PENALTY.get(str(scores.dtype), 1e9)
            scores = ops.where(keep, scores, ops.subtract(scores, penalty))
        weights = ops.softmax(scores, axis=-1)
        if rate > 0:
            weights = random.dropout(weights, rate, seed=self.seed_generator)
        return ops.matmul(weights, value), weights

    def compute_mask(self, inputs, mask=None):
        self._validate(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return [mask[0]]  # the output's, not the scores'

    def _validate(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"Layer '{self.name}' must be called on a list [query, value] or [query, value, key], "
                             f"received {inputs!r}")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"Layer '{self.name}': `mask` must be a list [query_mask, value_mask(, key_mask)], "
                             f"received {mask!r}")

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}


def _causal_mask(scores):
    """(1, T, S) booleans, True where the key position is not after the query position."""
    ones = ops.ones_like(ops.getitem(scores, (slice(0, 1),)), dtype="int32")
    return ops.greater_equal(ops.cumsum(ones, axis=-2), ops.cumsum(ones, axis=-1))
