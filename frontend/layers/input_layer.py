"""`Input()`: the start of a functional model."""
from __future__ import annotations

from .. import config
from ..keras_tensor import KerasTensor, Node
from .layer import Layer


class InputLayer(Layer):
    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("Input: pass `shape` or `batch_shape`, not both")
        if batch_shape is None:
            if shape is None:
                raise ValueError("Input: `shape` is required, e.g. Input(shape=(32,))")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size, *shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.sparse = bool(sparse)
        self.built = True
        tensor = KerasTensor(self.batch_shape, self.dtype if dtype is not None else config.floatx(),
                             name=self.name, history=(self, 0, 0))
        self._inbound_nodes.append(Node(self, (), {}, tensor))
        self.output_tensor = tensor

    def call(self, x):
        return x

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "sparse": self.sparse, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None, optional=False):
    """A symbolic input of a functional model.

    >>> x = Input(shape=(32,), name="features")
    >>> x.shape
    (None, 32)
    """
    if tensor is not None:
        raise ValueError("Input: `tensor=` is not supported; build the model from Input() and call it on the tensor")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape, name=name)
    return layer.output_tensor
