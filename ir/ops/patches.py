"""Adaptive pooling and sliding blocks (unfold / fold), as keras.ops.nn has them."""
import jax
import jax.numpy as jnp
import numpy as np

from ..registry import COMPOSITE, register


def _windows(length: int, out: int) -> np.ndarray:
    """(out, length) membership of PyTorch's adaptive windows [floor(i L / out), ceil((i + 1) L / out))."""
    starts = (np.arange(out) * length) // out
    ends = -((-(np.arange(out) + 1) * length) // out)
    positions = np.arange(length)
    return (positions[None, :] >= starts[:, None]) & (positions[None, :] < ends[:, None])


@register("adaptive_pool", COMPOSITE, "average or max over adaptive windows giving output_size spatial sizes")
def _adaptive_pool(x, *, output_size, mode, data_format):
    first_spatial = 1 if data_format == "channels_last" else 2
    for i, out in enumerate(output_size):
        axis = first_spatial + i
        member = _windows(x.shape[axis], out)
        moved = jnp.moveaxis(x, axis, -1)
        if mode == "average":
            weights = jnp.asarray(member / member.sum(axis=1, keepdims=True), x.dtype)
            pooled = jnp.einsum("...l,ol->...o", moved, weights)
        else:
            low = jnp.finfo(x.dtype).min if jnp.issubdtype(x.dtype, jnp.floating) else jnp.iinfo(x.dtype).min
            pooled = jnp.max(jnp.where(jnp.asarray(member), moved[..., None, :], low), axis=-1)
        x = jnp.moveaxis(pooled, -1, axis)
    return x


@register("unfold", COMPOSITE, "sliding (kh, kw) blocks of NCHW x as columns: (N, C * kh * kw, blocks)")
def _unfold(x, *, kernel_size, dilation, padding, stride):
    if any(p > 0 for p in padding):
        x = jnp.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))
    patches = jax.lax.conv_general_dilated_patches(x, filter_shape=kernel_size, window_strides=stride,
                                                   padding="VALID", rhs_dilation=dilation,
                                                   dimension_numbers=("NCHW", "OIHW", "NCHW"))
    n, ckk, oh, ow = patches.shape
    return patches.reshape(n, ckk, oh * ow)


@register("fold", COMPOSITE, "columns of sliding blocks summed back into an (N, C, H, W) tensor (unfold's adjoint)")
def _fold(x, *, output_size, kernel_size, dilation, padding, stride):
    (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = output_size, kernel_size, dilation, padding, stride
    n, ckk, _ = x.shape
    c = ckk // (kh * kw)
    nh = (oh + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    nw = (ow + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    x = jnp.reshape(x, (n, ckk, nh, nw))
    kernel = jnp.eye(ckk, dtype=x.dtype).reshape(ckk, c, kh, kw).transpose(2, 3, 0, 1)
    kernel = jnp.flip(kernel, axis=(0, 1))  # conv_transpose flips the kernel: flip first to cancel it
    out = jax.lax.conv_transpose(x, kernel, strides=(sh, sw), padding="VALID", rhs_dilation=(dh, dw),
                                 dimension_numbers=("NCHW", "HWIO", "NCHW"))
    return out[:, :, ph:oh + ph, pw:ow + pw]
