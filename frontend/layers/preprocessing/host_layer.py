"""Layers that run on the host, on NumPy arrays, outside the compiled program: XLA has no
strings, so the string layers (StringLookup, TextVectorization, Hashing) and the lookup tables
run where Keras's JAX backend also runs them, in Python on the CPU. Apply them to the data
before `fit` (or in a data pipeline); inside a model they raise, naming the layer."""
from __future__ import annotations

import numpy as np

from ...keras_tensor import KerasTensor
from ...tracing import SymbolicTensor, current_trace
from ..layer import Layer


class HostLayer(Layer):
    """A layer whose `call` takes and returns NumPy arrays."""

    def __call__(self, inputs, *args, **kwargs):
        leaves = [inputs, *args, *kwargs.values()]
        if current_trace() is not None or any(isinstance(x, (KerasTensor, SymbolicTensor)) for x in leaves):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) runs on the host, on NumPy arrays, and cannot be part "
                "of a compiled model (XLA has no strings or hash tables); apply it to the data before fit or "
                "predict, e.g. `x = layer(x)`, or in the data pipeline")
        if not self.built:
            self.built = True
        return self.call(as_array(inputs), *args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) runs on the host and has no symbolic output")


def as_array(x) -> np.ndarray:
    """`x` as a NumPy array; strings as Python `str` objects (bytes are decoded as UTF-8)."""
    array = np.asarray(x)
    if array.dtype.kind == "S" or (array.dtype == object and array.size and isinstance(array.flat[0], bytes)):
        return np.vectorize(lambda s: s.decode("utf-8") if isinstance(s, bytes) else s, otypes=[object])(array)
    if array.dtype.kind == "U":
        return array.astype(object)
    return array
