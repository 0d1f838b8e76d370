"""The STFT initializer, as Keras 3's `keras.initializers.STFT`: a Conv1D kernel whose
filters are the (windowed) real or imaginary DFT basis, so that a convolution computes a
short-time Fourier transform.

>>> STFT(window=None)((4, 2, 3)).shape  # one filter bank for every channel, as Keras's
(4, 1, 3)
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import config
from .initializers import Initializer

_WINDOWS = {"hann": (0.5, 0.5), "hamming": (0.54, 0.46)}  # a - b cos(2 pi n / M)


def _window(name: str, length: int, periodic: bool) -> np.ndarray:
    """scipy.signal.get_window for the cosine windows (kerax does not depend on SciPy)."""
    a, b = _WINDOWS[name]
    m = length if periodic else length - 1
    if m == 0:
        return np.ones(1)
    return a - b * np.cos(2 * np.pi * np.arange(length) / m)


class STFT(Initializer):
    """Real (`side="real"`, cosines) or imaginary (`"imag"`, sines) DFT filters for a kernel of
    shape (frame_length, input_channels, fft_length // 2 + 1), times `window` ("hann", "hamming",
    an array or None) and divided by its "density" or "spectrum" scaling.

    >>> float(STFT(window=None)((4, 1, 3))[0, 0, 0])
    1.0
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: `side` should be 'real' or 'imag', received side={side!r}")
        if isinstance(window, str) and window not in _WINDOWS:
            raise ValueError(f"STFT: window {window!r} is not built into kerax: expected one of {sorted(_WINDOWS)}, "
                             "or pass the window's values as an array")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"STFT: `scaling` is invalid, it must be None, 'density' or 'spectrum'; received "
                             f"scaling={scaling!r}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        frame_length, _, fft_length = shape
        freq = np.arange(fft_length).reshape(1, 1, fft_length) / ((fft_length - 1) * 2)
        time = np.arange(frame_length).reshape(frame_length, 1, 1)
        args = -2 * time * freq * np.pi
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is not None:
            win = self.window
            win = _window(win, frame_length, self.periodic) if isinstance(win, str) else np.asarray(win, "float64")
            if win.ndim != 1 or win.shape[-1] != frame_length:
                raise ValueError(f"STFT: the shape of `window` must be equal to [frame_length]; received window "
                                 f"shape={win.shape}")
            win = win.reshape(frame_length, 1, 1)
            scale = {"density": np.sqrt(np.sum(np.square(win))), "spectrum": np.sum(np.abs(win)), None: 1}
            kernel = kernel * win / scale[self.scaling]
        # (frame_length, 1, fft_length), broadcast over the input channels, as Keras returns it.
        return jnp.asarray(kernel, dtype)

    def get_config(self):
        window = self.window if self.window is None or isinstance(self.window, str) else list(np.asarray(self.window))
        return {"side": self.side, "window": window, "periodic": self.periodic, "scaling": self.scaling}
