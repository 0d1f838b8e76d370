"""kerax.ops, attention part: `dot_product_attention` as Keras 3's `keras.ops` has it.

Every attention in kerax (this op, MultiHeadAttention, Attention) records one
`dot_product_attention` IR node (see ir/ops/attention.py), so passes see attention whole.

>>> q = np.ones((2, 5, 4, 8), "float32")  # (batch, length, heads, depth)
>>> kerax.ops.dot_product_attention(q, q, q, is_causal=True).shape
(2, 5, 4, 8)
"""
from __future__ import annotations

import math

from ..tracing import apply_op
from . import numpy as knp

__all__ = ["dot_product_attention"]


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal: bool = False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on `(batch, length, heads, depth)` tensors.

    `bias` is added to, and the boolean `mask` (True: attend) filters, the logits; both
    broadcast to `(batch, heads, query length, key length)`. `scale` defaults to
    `1 / sqrt(depth)`. `flash_attention` is accepted for Keras compatibility: kerax lowers to
    `jax.nn.dot_product_attention`, which picks the kernel.

    >>> x = np.ones((1, 3, 2, 4), "float32")
    >>> kerax.ops.dot_product_attention(x, x, x).shape
    (1, 3, 2, 4)
    """
    if attn_logits_soft_cap is not None:
        raise NotImplementedError("dot_product_attention: argument `attn_logits_soft_cap` is only used by Keras's TPU "
                                  f"kernel and is not supported by kerax; received {attn_logits_soft_cap!r}")
    for name, x in (("query", query), ("key", key), ("value", value)):
        if len(x.shape) != 4:
            raise ValueError(f"dot_product_attention: `{name}` must be 4-D (batch, length, heads, depth), "
                             f"received shape {tuple(x.shape)}")
    depth = query.shape[-1]
    scale = 1.0 / math.sqrt(depth) if scale is None else float(scale)
    query, key, value = _common_dtype(query, key, value)
    return attention(query, key, value, bias=_to_rank(bias, 4, "bias"), mask=_to_rank(mask, 4, "mask"), scale=scale,
                     is_causal=is_causal, mask_mode="replace")


def attention(query, key, value, *, bias=None, mask=None, scale: float = 1.0, is_causal: bool = False,
              sliding_window=None, attention_dims: int = 1, mask_mode: str = "replace", dropout_rate: float = 0.0,
              seed=None, scores: str = "none"):
    """The `dot_product_attention` IR node on the general layout (see ir/ops/attention.py).

    Layers call this: `bias`/`mask` must already have the scores' rank; `seed` (a
    SeedGenerator) is needed when `dropout_rate > 0`.
    """
    from .. import random

    operands = [query, key, value]
    if bias is not None:
        operands.append(bias)
    if mask is not None:
        operands.append(mask if str(mask.dtype) == "bool" else knp.cast(mask, "bool"))
    salt = 0
    if dropout_rate > 0:
        if seed is None:
            raise ValueError("attention: `dropout_rate` > 0 needs a `seed` (a kerax.random.SeedGenerator)")
        key, salt = random._keyed(seed)
        operands.append(key)
    return apply_op("dot_product_attention", *operands, scale=float(scale), is_causal=bool(is_causal),
                    sliding_window=None if sliding_window is None else int(sliding_window),
                    attention_dims=int(attention_dims), has_bias=bias is not None, has_mask=mask is not None,
                    mask_mode=mask_mode, dropout_rate=float(dropout_rate), salt=salt, scores=scores)


def _to_rank(x, rank: int, name: str):
    """Leading size-1 axes, as broadcasting would add them."""
    if x is None:
        return None
    if len(x.shape) > rank:
        raise ValueError(f"dot_product_attention: `{name}` must broadcast to (batch, heads, query length, key length), "
                         f"received shape {tuple(x.shape)}")
    for _ in range(rank - len(x.shape)):
        x = knp.expand_dims(x, 0)
    return x


def _common_dtype(*xs):
    import jax.numpy as jnp

    dtypes = {str(x.dtype) for x in xs}
    if len(dtypes) == 1:
        return xs
    target = str(jnp.result_type(*[jnp.dtype(d) for d in dtypes]))
    return tuple(x if str(x.dtype) == target else knp.cast(x, target) for x in xs)
