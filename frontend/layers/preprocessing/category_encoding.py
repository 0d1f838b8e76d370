"""CategoryEncoding, and the encoding of integer indices that Discretization and the lookup
layers share (Keras's `encode_categorical_inputs`): int, one_hot, multi_hot or count."""
from __future__ import annotations

from ... import ops
from ..layer import Layer

__all__ = ["CategoryEncoding"]

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def encode_categorical(indices, output_mode, depth, dtype, count_weights=None):
    """Integer `indices` as Keras encodes them; out-of-range indices encode as all zeros."""
    if output_mode == "int":
        return ops.cast(indices, dtype)
    if len(indices.shape) == 0:
        indices = ops.expand_dims(indices, -1)
    indices = ops.cast(indices, "int32")
    if output_mode == "one_hot":
        if len(indices.shape) > 1 and indices.shape[-1] == 1:
            indices = ops.squeeze(indices, -1)
        return ops.one_hot(indices, depth, dtype=dtype)
    axis = 1 if len(indices.shape) > 1 else 0
    if output_mode == "multi_hot":
        return ops.max(ops.one_hot(indices, depth, dtype=dtype), axis=axis)
    encoded = ops.one_hot(indices, depth, dtype=dtype if count_weights is None else str(count_weights.dtype))
    if count_weights is not None:
        encoded = encoded * ops.expand_dims(count_weights, -1)
    return ops.sum(encoded, axis=axis)


def check_output_mode(layer: str, output_mode, allowed=OUTPUT_MODES) -> str:
    if output_mode not in allowed:
        raise ValueError(f"Layer {layer}: argument `output_mode` must be one of {allowed}, received {output_mode!r}")
    return output_mode


class CategoryEncoding(Layer):
    """Encodes integer category ids below `num_tokens` as multi-hot, one-hot or count vectors.

    >>> CategoryEncoding(4, output_mode="one_hot")(np.array([3, 0])).tolist()
    [[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        output_mode = "multi_hot" if output_mode == "binary" else output_mode
        check_output_mode("CategoryEncoding", output_mode, OUTPUT_MODES[1:])
        if num_tokens is None:
            raise ValueError("Layer CategoryEncoding: argument `num_tokens` must be set; when the number of tokens "
                             "is not known beforehand, use IntegerLookup")
        if num_tokens < 1:
            raise ValueError(f"Layer CategoryEncoding: argument `num_tokens` must be >= 1, received {num_tokens}")
        if sparse:
            raise ValueError("Layer CategoryEncoding: `sparse=True` is not supported with the JAX backend")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"Layer '{self.name}' (CategoryEncoding): `count_weights` is only used when "
                                 f"`output_mode` is 'count', received output_mode={self.output_mode!r}")
            count_weights = ops.cast(count_weights, self.compute_dtype)
        return encode_categorical(inputs, self.output_mode, self.num_tokens, self.compute_dtype,
                                  count_weights)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode,
                "sparse": self.sparse}
