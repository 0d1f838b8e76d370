"""Attention as one composite op, so that passes see it whole (e.g. to pick a fused kernel).

`dot_product_attention(query, key, value[, bias][, mask][, rng_key])` computes
`softmax(mask(query . key * scale + bias)) . value` on the layout

    query  [*batch, *T, N, H]      scores  [*batch, N, *T, *S]
    key    [*batch, *S, N, H]      output  [*batch, *T, N, Hv]
    value  [*batch, *S, N, Hv]

with `attention_dims` = len(T) = len(S) attention axes (softmax runs over all of S at once).
Bias and mask have the rank of the scores and broadcast to them. Three masking conventions
exist in Keras and give different numbers where a whole row is masked, so `mask_mode` names
the one to reproduce:

    "replace"        where(mask, logits, -0.7 * finfo.max), softmax  (jax.nn / keras.ops)
    "softmax_layer"  where(mask, logits, -1e9), softmax, where(mask, p, 0)  (layers.Softmax)
    "subtract"       where(mask, logits, logits - 1e9), softmax  (layers.Attention)

With `dropout_rate > 0` the last input is a random key (folded with `salt`) and the attention
probabilities are dropped before the value product. `scores` says what comes back besides the
output: "none", "probs" (before dropout) or "dropped" (after dropout).
"""
import math

import jax
import jax.numpy as jnp

from ..registry import COMPOSITE, register
from ..types import TensorType

MASK_MODES = ("replace", "softmax_layer", "subtract")
SCORES = ("none", "probs", "dropped")


def _split(t: TensorType, attention_dims: int):
    """(batch dims, attention dims, heads, depth) of a query/key/value type."""
    batch = t.rank - attention_dims - 2
    return t.shape[:batch], t.shape[batch:batch + attention_dims], t.shape[-2], t.shape[-1]


def _agree(a, b) -> bool:
    return a is None or b is None or a == b


def _infer(query, key, value, *extras, attention_dims, scores, has_bias, has_mask, **_):
    # Written by hand: abstract evaluation would give T and S (same axis) one symbol and
    # could not broadcast a mask whose S sits at another axis.
    if not query.rank == key.rank == value.rank or query.rank < attention_dims + 3:
        raise ValueError(f"dot_product_attention: query, key and value must have one rank of at least "
                         f"{attention_dims + 3} ([*batch, *length, heads, depth]), received {query}, {key}, {value}")
    batch, t, heads, depth = _split(query, attention_dims)
    s = _split(key, attention_dims)[1]
    kv_heads = key.shape[-2]
    grouped = heads is None or kv_heads is None or heads % kv_heads == 0  # grouped-query attention
    if not (all(map(_agree, key.shape[:-1], value.shape[:-1])) and _agree(depth, key.shape[-1]) and grouped
            and all(map(_agree, batch, key.shape[:len(batch)]))):
        raise ValueError(f"dot_product_attention: expected key {key} and value {value} to share all but the last axis, "
                         f"and query {query} to share batch and depth with the key, with a multiple of its heads")
    out = TensorType((*batch, *t, heads, value.shape[-1]), query.dtype)
    scores_type = TensorType((*batch, heads, *t, *s), query.dtype)
    names = [name for name, on in (("bias", has_bias), ("mask", has_mask)) if on]
    for name, extra in zip(names, extras):
        if extra.rank != scores_type.rank or not all(
                d == 1 or _agree(d, want) for d, want in zip(extra.shape, scores_type.shape)):
            raise ValueError(f"dot_product_attention: the {name} must broadcast to the scores {scores_type} with the "
                             f"same rank, received {extra}")
    return [out] if scores == "none" else [out, scores_type]


def _flops(in_types, out_types, attrs, n):
    query, key, value = in_types[:3]
    batch, t, heads, depth = _split(query, attrs["attention_dims"])
    s = _split(key, attrs["attention_dims"])[1]

    def size(dims):
        return math.prod(n if d is None else d for d in dims)

    entries = size(batch) * size((heads,)) * size(t) * size(s)
    # Two contractions (query . key, probs . value) plus ~5 FLOPs a score for scale, mask, softmax.
    return 2 * entries * size((depth,)) + 2 * entries * size((value.shape[-1],)) + 5 * entries


def _letters(attention_dims: int, batch: int):
    b = "".join(chr(ord("a") + i) for i in range(batch))
    t = "".join(chr(ord("i") + i) for i in range(attention_dims))
    s = "".join(chr(ord("p") + i) for i in range(attention_dims))
    return b, t, s


def _band(logits, attention_dims: int, is_causal: bool, sliding_window):
    """The causal / sliding-window mask over the last (T, S) axes, or None."""
    if not is_causal and sliding_window is None:
        return None
    rows = jax.lax.broadcasted_iota(jnp.int32, logits.shape[-2:], 0)
    cols = jax.lax.broadcasted_iota(jnp.int32, logits.shape[-2:], 1)
    band = jnp.ones(logits.shape[-2:], bool)
    if is_causal:
        band = band & (rows >= cols)
    if sliding_window is not None:
        band = band & (jnp.abs(rows - cols) < sliding_window)
    return band


def _softmax(logits, axes):
    if len(axes) == 1:
        return jax.nn.softmax(logits, axis=axes[0])
    # Keras's Softmax layer over several axes.
    return jnp.exp(logits - jax.scipy.special.logsumexp(logits, axis=axes, keepdims=True))


def _written_out(query, key, value, bias, mask, rng, *, scale, is_causal, sliding_window, attention_dims, mask_mode,
                 dropout_rate, salt):
    b, t, s = _letters(attention_dims, query.ndim - attention_dims - 2)
    if key.shape[-2] != query.shape[-2]:  # grouped-query attention: query head n reads key head n // group
        group = query.shape[-2] // key.shape[-2]
        key, value = jnp.repeat(key, group, axis=-2), jnp.repeat(value, group, axis=-2)
    if mask_mode == "softmax_layer":
        # Keras's MultiHeadAttention scales the query before the product.
        if scale != 1.0:
            query = query * jnp.asarray(scale, query.dtype)
        logits = jnp.einsum(f"{b}{s}nh,{b}{t}nh->{b}n{t}{s}", key, query)
    else:
        logits_dtype = jnp.promote_types(query.dtype, jnp.float32) if mask_mode == "replace" else query.dtype
        logits = jnp.einsum(f"{b}{t}nh,{b}{s}nh->{b}n{t}{s}", query, key, preferred_element_type=logits_dtype)
        if scale != 1.0:
            logits = logits * jnp.asarray(scale, logits.dtype)
    if bias is not None:
        logits = (logits + bias).astype(logits.dtype)
    band = _band(logits, attention_dims, is_causal, sliding_window)
    keep = mask if band is None else (band if mask is None else jnp.logical_and(mask, band))
    axes = tuple(range(logits.ndim - attention_dims, logits.ndim))
    if keep is None:
        probs = _softmax(logits.astype(jnp.float32) if mask_mode == "replace" else logits, axes)
    elif mask_mode == "replace":
        large = jnp.asarray(-0.7 * jnp.finfo(logits.dtype).max, logits.dtype)
        probs = _softmax(jnp.where(keep, logits, large).astype(jnp.float32), axes)
    elif mask_mode == "softmax_layer":
        large = -3e4 if logits.dtype == jnp.float16 else -1e9
        probs = jnp.where(keep, _softmax(jnp.where(keep, logits, large), axes), 0.0)
    else:
        large = 65504.0 if logits.dtype == jnp.float16 else 1e9
        probs = _softmax(jnp.where(keep, logits, logits - large), axes)
    probs = probs.astype(query.dtype)
    dropped = probs
    if dropout_rate > 0:
        kept = jax.random.bernoulli(jax.random.fold_in(rng, salt), 1.0 - dropout_rate, probs.shape)
        dropped = jnp.where(kept, probs / (1.0 - dropout_rate), jnp.zeros((), probs.dtype)).astype(probs.dtype)
    out = jnp.einsum(f"{b}n{t}{s},{b}{s}nv->{b}{t}nv", dropped, value)
    return out.astype(query.dtype), probs, dropped


@register("dot_product_attention", COMPOSITE, "softmax(query . key * scale + bias, masked) . value (see module doc)",
          infer=_infer, flops=_flops)
def _dot_product_attention(query, key, value, *extras, scale, is_causal, sliding_window, attention_dims, has_bias,
                           has_mask, mask_mode, dropout_rate, salt, scores):
    rest = list(extras)
    bias = rest.pop(0) if has_bias else None
    mask = rest.pop(0) if has_mask else None
    rng = rest.pop(0) if dropout_rate > 0 else None
    fused = (mask_mode == "replace" and scores == "none" and dropout_rate == 0 and sliding_window is None
             and query.ndim == 4 and attention_dims == 1 and key.shape[-1] == value.shape[-1]
             and query.dtype == key.dtype == value.dtype)
    if fused:
        # keras.ops.dot_product_attention's own path on the JAX backend: the same numbers, and
        # a cuDNN kernel where the platform has one.
        return jax.nn.dot_product_attention(query, key, value, bias=bias, mask=mask, scale=scale, is_causal=is_causal)
    out, probs, dropped = _written_out(
        query, key, value, bias, mask, rng, scale=scale, is_causal=is_causal, sliding_window=sliding_window,
        attention_dims=attention_dims, mask_mode=mask_mode, dropout_rate=dropout_rate, salt=salt)
    if scores == "none":
        return out
    return out, (probs if scores == "probs" else dropped)
