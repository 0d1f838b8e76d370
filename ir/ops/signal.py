"""Fourier transforms and framing, on (real, imaginary) pairs of float tensors as Keras keeps them."""
import math

import jax
import jax.numpy as jnp

from ..registry import COMPOSITE, register


def _parts(z):
    return jnp.real(z), jnp.imag(z)


@register("fft", COMPOSITE, "discrete Fourier transform along the last axis of (real, imag)")
def _fft(real, imag):
    return _parts(jnp.fft.fft(jax.lax.complex(real, imag)))


@register("fft2", COMPOSITE, "2-D discrete Fourier transform over the last two axes of (real, imag)")
def _fft2(real, imag):
    return _parts(jnp.fft.fft2(jax.lax.complex(real, imag)))


@register("ifft2", COMPOSITE, "inverse 2-D discrete Fourier transform of (real, imag)")
def _ifft2(real, imag):
    return _parts(jnp.fft.ifft2(jax.lax.complex(real, imag)))


@register("rfft", COMPOSITE, "Fourier transform of a real signal along the last axis")
def _rfft(x, *, fft_length):
    return _parts(jnp.fft.rfft(x, n=fft_length, axis=-1, norm="backward"))


@register("irfft", COMPOSITE, "inverse of rfft: (real, imag) to a real signal")
def _irfft(real, imag, *, fft_length):
    return jnp.fft.irfft(jax.lax.complex(real, imag), n=fft_length, axis=-1, norm="backward")


@register("extract_sequences", COMPOSITE, "frames of sequence_length every sequence_stride along the last axis")
def _extract_sequences(x, *, sequence_length, sequence_stride):
    *batch, length = x.shape
    flat = jnp.reshape(x, (math.prod(batch), length, 1))
    frames = jax.lax.conv_general_dilated_patches(flat, (sequence_length,), (sequence_stride,), "VALID",
                                                  dimension_numbers=("NTC", "OIT", "NTC"))
    return jnp.reshape(frames, (*batch, *frames.shape[-2:]))


def window_array(window, length: int, l_pad: int, r_pad: int, dtype):
    """The analysis window: 'hann' / 'hamming' (periodic, as scipy.signal.get_window), the
    given values, or ones; zero-padded to the FFT length."""
    if window is None:
        return jnp.ones(length + l_pad + r_pad, dtype)
    if isinstance(window, str):
        n = jnp.arange(length, dtype="float32")
        a = {"hann": 0.5, "hamming": 0.54}[window]
        win = a - (1 - a) * jnp.cos(2 * jnp.pi * n / length)
    else:
        win = jnp.asarray(window)
    return jnp.pad(win.astype(dtype), [[l_pad, r_pad]])


@register("stft", COMPOSITE, "short-time Fourier transform: (real, imag) of shape (..., frames, fft bins)")
def _stft(x, *, sequence_length, sequence_stride, fft_length, window, center):
    if center:
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)], mode="reflect")
    l_pad = (fft_length - sequence_length) // 2
    win = window_array(window, sequence_length, l_pad, fft_length - sequence_length - l_pad, x.dtype)
    result = jax.scipy.signal.stft(x, fs=1.0, window=win, nperseg=fft_length, noverlap=fft_length - sequence_stride,
                                   nfft=fft_length, boundary=None, padded=False)[-1]
    result = jnp.swapaxes(result * win.sum(), -2, -1)
    return _parts(result)


@register("istft", COMPOSITE, "inverse short-time Fourier transform of (real, imag)")
def _istft(real, imag, *, sequence_length, sequence_stride, fft_length, length, window, center):
    l_pad = (fft_length - sequence_length) // 2
    win = window_array(window, sequence_length, l_pad, fft_length - sequence_length - l_pad, real.dtype)
    x = jax.scipy.signal.istft(jax.lax.complex(real, imag), fs=1.0, window=win, nperseg=fft_length,
                               noverlap=fft_length - sequence_stride, nfft=fft_length, boundary=False, time_axis=-2,
                               freq_axis=-1)[-1]
    x = x / win.sum() if window is not None else x / sequence_stride
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = -(fft_length // 2)
    else:
        end = fft_length + sequence_stride * (real.shape[-2] - 1)
    return x[..., start:end]
