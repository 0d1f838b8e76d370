"""kerax.ops.nn continued: more activations, normalizations, cross-entropies and pixel shuffles,
each one IR op (ir/ops/math.py) or a composition of existing ops, so models trace them.

>>> kerax.ops.glu(np.ones((2, 4))).shape
(2, 2)
"""
from __future__ import annotations

from .. import config
from . import numpy as knp
from .numpy_math import op

__all__ = ["celu", "glu", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "threshold", "squareplus",
           "sparse_plus", "sparse_sigmoid", "log_sigmoid", "sparsemax", "polar", "normalize", "layer_normalization",
           "rms_normalization", "batch_normalization", "binary_crossentropy", "categorical_crossentropy",
           "sparse_categorical_crossentropy", "multi_hot", "psnr", "depth_to_space", "space_to_depth",
           "adaptive_average_pool", "adaptive_max_pool", "unfold", "fold", "ctc_loss", "ctc_decode"]


def celu(x, alpha=1.0): return op("celu", x, alpha=float(alpha))
def hard_tanh(x): return op("hard_tanh", x)
def hard_shrink(x, threshold=0.5): return op("hard_shrink", x, threshold=float(threshold))
def soft_shrink(x, threshold=0.5): return op("soft_shrink", x, threshold=float(threshold))
def tanh_shrink(x): return op("tanh_shrink", x)
def squareplus(x, b=4): return op("squareplus", x, b=float(b))
def sparse_plus(x): return op("sparse_plus", x)
def sparse_sigmoid(x): return op("sparse_sigmoid", x)
def log_sigmoid(x): return op("log_sigmoid", x)
def polar(abs_, angle): return op("polar", abs_, angle)


def threshold(x, threshold, default_value):  # noqa: F811  (Keras's argument name)
    return op("threshold", x, threshold=float(threshold), default_value=float(default_value))


def glu(x, axis=-1):
    """Gated linear unit: the first half of `axis` times the sigmoid of the second half."""
    if x.shape[axis] is not None and x.shape[axis] % 2:
        raise ValueError(f"kerax.ops.glu: axis {axis} must have an even size, received shape {tuple(x.shape)}")
    a, b = knp.split(x, 2, axis=axis)
    return a * op("sigmoid", b)


def sparsemax(x, axis=-1):
    """Euclidean projection of x onto the probability simplex along `axis` (sparse softmax)."""
    from .numpy_arrays import sort

    sorted_ = -sort(-x, axis=axis)
    cumsum = knp.cumsum(sorted_, axis=axis)
    shape = [1] * len(x.shape)
    shape[axis] = -1
    r = knp.reshape(knp.arange(1, x.shape[axis] + 1, dtype=x.dtype), shape)
    support = sorted_ - (cumsum - 1) / r > 0
    k = knp.sum(knp.cast(support, x.dtype), axis=axis, keepdims=True)
    tau = (knp.sum(knp.where(support, cumsum, 0.0), axis=axis, keepdims=True) - 1) / k
    return knp.maximum(x - tau, 0.0)


def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its `order`-norm along `axis` (at least `epsilon`)."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"kerax.ops.normalize: argument `order` must be an int >= 1, received order={order!r}")
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        inv_norm = knp.rsqrt(knp.sum(knp.square(x), axis=axis, keepdims=True))
        return x * knp.minimum(inv_norm, 1.0 / epsilon)
    norm = op("norm", x, ord=order, axis=int(axis), keepdims=True)
    return x / knp.maximum(norm, epsilon)


def _compute_dtype(x):
    return "float32" if str(x.dtype) in ("float16", "bfloat16") or "int" in str(x.dtype) else str(x.dtype)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(var + epsilon) over `axis`, scaled by gamma and shifted by beta;
    computed in float32 at least."""
    from .nn import moments

    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"kerax.ops.layer_normalization: unexpected arguments {sorted(kwargs)}")
    epsilon = config.epsilon() if epsilon is None else epsilon
    original = str(x.dtype)
    x = knp.cast(x, _compute_dtype(x))
    axes = sorted([axis] if isinstance(axis, int) else axis)
    ndims = len(x.shape)
    broadcast = [1] * ndims
    for a in axes:
        broadcast[a] = x.shape[a]

    def expand(v):
        if v is None:
            return None
        v = knp.cast(v, x.dtype)
        return knp.reshape(v, broadcast) if len(v.shape) != ndims and axes != [ndims - 1] else v

    gamma, beta = expand(gamma), expand(beta)
    if rms_scaling:
        out = x * knp.rsqrt(knp.var(x, axis=axes, keepdims=True) + epsilon)
        return knp.cast(out if gamma is None else out * gamma, original)
    mean, variance = moments(x, axes, keepdims=True)
    return knp.cast(_normalized(x, mean, variance, gamma, beta, epsilon), original)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x**2) + epsilon) over `axis`, times `scale`."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    original = str(x.dtype)
    x = knp.cast(x, _compute_dtype(x))
    axis = sorted(axis) if isinstance(axis, (tuple, list)) else axis
    out = x * knp.rsqrt(knp.mean(knp.square(x), axis=axis, keepdims=True) + epsilon)
    if scale is not None:
        out = out * knp.cast(scale, x.dtype)
    return knp.cast(out, original)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics given along `axis`."""
    shape = [1] * len(x.shape)
    shape[axis] = mean.shape[0]
    scale, offset = (None if v is None else knp.reshape(v, shape) for v in (scale, offset))
    return _normalized(x, knp.reshape(mean, shape), knp.reshape(variance, shape), scale, offset, epsilon)


def _normalized(x, mean, variance, gamma, beta, epsilon):
    """The arithmetic the normalization layers share (x * inv + (beta - mean * inv))."""
    from ..layers.normalization import normalize as arithmetic

    return arithmetic(x, mean, variance, gamma, beta, epsilon)


def _same_shape(name, target, output):
    if tuple(target.shape) != tuple(output.shape):
        raise ValueError(f"kerax.ops.{name}: arguments `target` and `output` must have the same shape, received "
                         f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}")


def _log_probabilities(output, from_logits, axis):
    from .nn import log_softmax

    if from_logits:
        return log_softmax(output, axis=axis)
    output = output / knp.sum(output, axis=axis, keepdims=True)
    eps = config.epsilon()
    return knp.log(knp.clip(output, eps, 1.0 - eps))


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (no reduction), as keras.ops.binary_crossentropy."""
    target, output = knp.convert_to_tensor(target), knp.convert_to_tensor(output)
    _same_shape("binary_crossentropy", target, output)
    if from_logits:
        return -1.0 * target * log_sigmoid(output) - (1.0 - target) * log_sigmoid(-output)
    eps = config.epsilon()
    output = knp.clip(output, eps, 1.0 - eps)
    return -(target * knp.log(output) + (1.0 - target) * knp.log(1.0 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and class scores along `axis`."""
    target, output = knp.convert_to_tensor(target), knp.convert_to_tensor(output)
    _same_shape("categorical_crossentropy", target, output)
    return -knp.sum(target * _log_probabilities(output, from_logits, axis), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer class labels and class scores along `axis`."""
    target, output = knp.convert_to_tensor(target), knp.convert_to_tensor(output)
    if len(target.shape) == len(output.shape) and target.shape[-1] == 1:
        target = knp.squeeze(target, -1)
    if tuple(target.shape) != tuple(output.shape[:-1]):
        raise ValueError("kerax.ops.sparse_categorical_crossentropy: `target` must have the shape of `output` up to "
                         f"its last axis, received target.shape={tuple(target.shape)}, "
                         f"output.shape={tuple(output.shape)}")
    labels = knp.one_hot(knp.cast(target, "int32"), output.shape[axis], dtype=output.dtype)
    return -knp.sum(labels * _log_probabilities(output, from_logits, axis), axis=axis)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Integer class ids (a batch of lists) as multi-hot rows: 1 where a class occurs."""
    num_classes = kwargs.pop("num_tokens", num_classes)
    if kwargs or num_classes is None:
        raise ValueError("kerax.ops.multi_hot: argument `num_classes` is required (an int)"
                         + (f"; unexpected arguments {sorted(kwargs)}" if kwargs else ""))
    if sparse:
        raise ValueError("kerax.ops.multi_hot: `sparse=True` is not supported (kerax has no sparse tensors)")
    inputs = knp.convert_to_tensor(inputs)
    hot = knp.one_hot(knp.cast(inputs, "int32"), int(num_classes), dtype=dtype or config.floatx())
    return knp.max(hot, axis=1 if len(inputs.shape) > 1 else 0)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio, in dB, of x2 against x1."""
    if tuple(x1.shape) != tuple(x2.shape):
        raise ValueError(f"kerax.ops.psnr: input shapes {tuple(x1.shape)} and {tuple(x2.shape)} must match")
    mse = knp.mean(knp.square(x1 - x2))
    return 20.0 * op("log10", knp.convert_to_tensor(max_val, x2.dtype)) - 10.0 * op("log10", mse)


def _spatial_block_check(name, x, data_format):
    if len(x.shape) != 4:
        raise ValueError(f"kerax.ops.{name}: expected a 4-D tensor, received shape {tuple(x.shape)}")
    return config.standardize_data_format(data_format)


def depth_to_space(x, block_size, data_format="channels_last"):
    """Pixel shuffle: channels moved into block_size x block_size spatial blocks."""
    data_format = _spatial_block_check("depth_to_space", x, data_format)
    b = int(block_size)
    if data_format == "channels_last":
        _, h, w, c = x.shape
        x = knp.transpose(knp.reshape(x, (-1, h, w, b, b, c // b**2)), (0, 1, 3, 2, 4, 5))
        return knp.reshape(x, (-1, h * b, w * b, c // b**2))
    _, c, h, w = x.shape
    x = knp.transpose(knp.reshape(x, (-1, c // b**2, b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return knp.reshape(x, (-1, c // b**2, h * b, w * b))


def space_to_depth(x, block_size, data_format="channels_last"):
    """Pixel unshuffle: block_size x block_size spatial blocks moved into channels."""
    data_format = _spatial_block_check("space_to_depth", x, data_format)
    b = int(block_size)
    if data_format == "channels_last":
        _, h, w, c = x.shape
        x = knp.transpose(knp.reshape(x, (-1, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5))
        return knp.reshape(x, (-1, h // b, w // b, c * b * b))
    _, c, h, w = x.shape
    x = knp.transpose(knp.reshape(x, (-1, c, h // b, b, w // b, b)), (0, 1, 3, 5, 2, 4))
    return knp.reshape(x, (-1, c * b * b, h // b, w // b))


def _adaptive(name, inputs, output_size, data_format, mode):
    rank = len(inputs.shape) - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"kerax.ops.{name}: expected 1-D, 2-D or 3-D inputs (rank 3 to 5 with batch and channels), "
                         f"received shape {tuple(inputs.shape)}")
    sizes = (output_size,) * rank if isinstance(output_size, int) else tuple(int(s) for s in output_size)
    if len(sizes) != rank:
        raise ValueError(f"kerax.ops.{name}: `output_size` must be an int or {rank} ints, received {output_size!r}")
    return op("adaptive_pool", inputs, output_size=sizes, mode=mode,
              data_format=config.standardize_data_format(data_format))


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average over windows chosen so the spatial sizes become `output_size` (PyTorch's windows)."""
    return _adaptive("adaptive_average_pool", inputs, output_size, data_format, "average")


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Maximum over windows chosen so the spatial sizes become `output_size`."""
    return _adaptive("adaptive_max_pool", inputs, output_size, data_format, "max")


def _pair(value):
    return (int(value), int(value)) if isinstance(value, int) else tuple(int(v) for v in value)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of an (N, C, H, W) tensor as columns (N, C * kh * kw, blocks) (im2col)."""
    if len(x.shape) != 4:
        raise ValueError(f"kerax.ops.unfold: expected a 4-D (N, C, H, W) tensor, received shape {tuple(x.shape)}")
    return op("unfold", x, kernel_size=_pair(kernel_size), dilation=_pair(dilation), padding=_pair(padding),
              stride=_pair(stride))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns of sliding blocks (N, C * kh * kw, blocks) summed back into (N, C, H, W) (col2im)."""
    if len(x.shape) != 3:
        raise ValueError(f"kerax.ops.fold: expected a 3-D (N, C * kh * kw, blocks) tensor, received shape "
                         f"{tuple(x.shape)}")
    return op("fold", x, output_size=_pair(output_size), kernel_size=_pair(kernel_size), dilation=_pair(dilation),
              padding=_pair(padding), stride=_pair(stride))


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Per-sequence CTC loss of logits `output` (batch, time, classes) for integer `target`
    (batch, max label length) padded beyond `target_length`; `mask_index` is the blank class."""
    target, output = knp.convert_to_tensor(target), knp.convert_to_tensor(output)
    if len(output.shape) != 3 or len(target.shape) != 2:
        raise ValueError("kerax.ops.ctc_loss: expected `output` (batch, time, classes) and `target` (batch, labels), "
                         f"received shapes {tuple(output.shape)} and {tuple(target.shape)}")
    return op("ctc_loss", knp.cast(target, "int32"), output, knp.cast(knp.convert_to_tensor(target_length), "int32"),
              knp.cast(knp.convert_to_tensor(output_length), "int32"), mask_index=int(mask_index))


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """(decoded (1, batch, time) class ids padded with -1, negative summed scores (batch, 1)).
    kerax decodes greedily; strategy='beam_search' is not implemented yet."""
    if strategy == "beam_search":
        raise NotImplementedError("kerax.ops.ctc_decode: strategy='beam_search' is not supported yet; use "
                                  "strategy='greedy'")
    if strategy != "greedy":
        raise ValueError(f"kerax.ops.ctc_decode: `strategy` must be 'greedy' or 'beam_search', received {strategy!r}")
    inputs = knp.convert_to_tensor(inputs)
    return op("ctc_greedy_decode", inputs, knp.cast(knp.convert_to_tensor(sequence_lengths), "int32"),
              merge_repeated=bool(merge_repeated), mask_index=int(mask_index))
