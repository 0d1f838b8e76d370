"""kerax.ops.rearrange: einops-style axis rearrangement, as a reshape, a transpose and a
reshape (so models trace it into three IR nodes).

>>> kerax.ops.rearrange(np.ones((2, 4, 6, 3)), "b (h1 h) w c -> (b h1) h w c", h1=2).shape
(4, 2, 6, 3)
"""
from __future__ import annotations

import math
import re

from . import numpy as knp

__all__ = ["rearrange"]


def _groups(side: str) -> list:
    return [item[1:-1].split() if item.startswith("(") else [item] for item in re.findall(r"\w+|\(.*?\)", side)]


def rearrange(tensor, pattern, **axes_lengths):
    """Axes named on each side of `pattern` ('b h w c -> b (h w) c'); a parenthesized group
    on the left splits an axis (give all but one of its sizes as keywords), on the right
    merges axes."""
    if "->" not in pattern:
        raise ValueError(f"kerax.ops.rearrange: `pattern` must read 'input axes -> output axes', received {pattern!r}")
    left, right = (s.strip() for s in pattern.split("->"))
    inputs, outputs = _groups(left), _groups(right)
    shape = tuple(tensor.shape)
    if len(inputs) != len(shape):
        raise ValueError(f"kerax.ops.rearrange: the pattern's input side {left!r} names {len(inputs)} axes but the "
                         f"tensor has shape {shape}")
    sizes = dict(axes_lengths)
    for group, dim in zip(inputs, shape):
        unknown = [a for a in group if a not in sizes]
        if len(group) == 1 and unknown:
            sizes[group[0]] = dim
        elif unknown:
            if len(unknown) > 1:
                raise ValueError(f"kerax.ops.rearrange: give the sizes of all but one of the axes {group} as keywords")
            sizes[unknown[0]] = None if dim is None else dim // math.prod(sizes[a] for a in group if a != unknown[0])
    flat_in = [a for group in inputs for a in group]
    flat_out = [a for group in outputs for a in group]
    if sorted(flat_in) != sorted(flat_out):
        raise ValueError(f"kerax.ops.rearrange: both sides of {pattern!r} must name the same axes")
    split_shape = [sizes[a] for a in flat_in]
    if tuple(split_shape) != shape:
        tensor = knp.reshape(tensor, _fill_unknown(split_shape))
    tensor = knp.transpose(tensor, [flat_in.index(a) for a in flat_out])
    if any(len(g) > 1 for g in outputs):
        out_shape = [None if any(sizes[a] is None for a in g) else math.prod(sizes[a] for a in g) for g in outputs]
        tensor = knp.reshape(tensor, _fill_unknown(out_shape))
    return tensor


def _fill_unknown(shape):
    """A reshape target: one unknown size (the batch) becomes -1."""
    if sum(d is None for d in shape) > 1:
        raise ValueError(f"kerax.ops.rearrange: at most one axis of unknown size can be split or merged, shape {shape}")
    return tuple(-1 if d is None else d for d in shape)
