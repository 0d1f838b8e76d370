"""Preprocessing-style layers: Rescaling and Lambda; GroupNormalization and UnitNormalization
(from normalization_extra) are re-exported here."""
from __future__ import annotations

import inspect

import numpy as np

from .. import config, ops
from .layer import Layer
from .normalization_extra import GroupNormalization, UnitNormalization

__all__ = ["GroupNormalization", "Lambda", "Rescaling", "UnitNormalization"]


class Rescaling(Layer):
    """`inputs * scale + offset`, computed in the layer's dtype; `scale` may be per channel.

    >>> Rescaling(1 / 255)(np.full((1, 2), 255, "uint8"))
    Array([[1., 1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = np.asarray(self.scale, dtype=dtype)
        offset = np.asarray(self.offset, dtype=dtype)
        if scale.ndim > 0 and config.image_data_format() == "channels_first":
            scale = scale.reshape(scale.shape + (1,) * (3 - scale.ndim))
        x = inputs if str(inputs.dtype) == dtype else ops.cast(inputs, dtype)
        return ops.add(ops.multiply(x, scale), offset)

    def get_config(self):
        def plain(v):
            return np.asarray(v).tolist() if isinstance(v, np.ndarray) else v

        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}


class Lambda(Layer):
    """Wraps a function of kerax ops as a layer: `function(inputs, **arguments)`, also given
    `mask`/`training` when it takes them. `mask` is the output mask (or a function of
    `(inputs, previous_mask)`); `output_shape` is kept for Keras compatibility (kerax infers
    shapes by tracing).

    >>> Lambda(lambda x: x * 2)(np.ones((1, 2), "float32"))
    Array([[2., 2.]], dtype=float32)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Layer Lambda: argument `function` must be callable, received {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_takes_mask = "mask" in params
        self._fn_takes_training = "training" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def get_config(self):
        # Functions are stored by name: rebuilding one from Python bytecode is not supported.
        config_ = {**super().get_config(), "function": _function_name(self.function), "arguments": self.arguments}
        if self._output_shape is not None:
            config_["output_shape"] = (_function_name(self._output_shape) if callable(self._output_shape)
                                       else self._output_shape)
        if self.mask is not None:
            config_["mask"] = _function_name(self.mask) if callable(self.mask) else self.mask
        return config_

    @classmethod
    def from_config(cls, config_):
        if not callable(config_.get("function")):
            raise NotImplementedError(f"Lambda.from_config: the config names function {config_.get('function')!r}; "
                                      "kerax does not rebuild functions from configs, pass the callable as "
                                      "config['function']")
        return cls(**config_)


def _function_name(fn) -> str:
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', getattr(fn, '__name__', repr(fn)))}"
