"""Hashing: values hashed into `num_bins` buckets with FarmHash Fingerprint64, as TensorFlow's
`to_hash_bucket_fast` does for Keras, so the buckets are Keras's. Runs on the host."""
from __future__ import annotations

import numpy as np

from .category_encoding import check_output_mode, encode_categorical
from .fingerprint import fingerprint64
from .host_layer import HostLayer

__all__ = ["Hashing"]


def hash_buckets(values: np.ndarray, num_buckets: int) -> np.ndarray:
    """Fingerprint64 of each value's text (integers as their decimal text) modulo `num_buckets`."""
    flat = [fingerprint64(str(v).encode("utf-8")) % num_buckets for v in values.ravel()]
    return np.asarray(flat, dtype="int64").reshape(values.shape)


class Hashing(HostLayer):
    """Hashes strings or integers into `num_bins` bins; with a `mask_value`, that value goes to
    bin 0 and the rest to bins 1..num_bins-1.

    >>> Hashing(num_bins=3)(np.array([["A"], ["B"], ["C"], ["D"], ["E"]])).ravel().tolist()
    [1, 0, 1, 1, 2]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(num_bins, int) or num_bins <= 0:
            raise ValueError(f"Layer Hashing: argument `num_bins` must be a positive integer, received {num_bins!r}")
        check_output_mode("Hashing", output_mode)
        if salt is not None:
            raise NotImplementedError("Layer Hashing: `salt` (TensorFlow's keyed SipHash) is not supported in kerax; "
                                      "leave it None for Keras's default FarmHash buckets")
        if sparse:
            raise ValueError("Layer Hashing: `sparse=True` is not supported with the JAX backend")
        self.num_bins, self.mask_value, self.salt = num_bins, mask_value, salt
        self.output_mode, self.sparse = output_mode, sparse

    def call(self, inputs):
        values = inputs if inputs.dtype.kind in "iuO" else inputs.astype(object)
        if self.mask_value is None:
            bins = hash_buckets(values, self.num_bins)
        else:
            masked = values == self.mask_value
            bins = np.where(masked, 0, hash_buckets(values, self.num_bins - 1) + 1)
        if self.output_mode == "int":
            return bins
        return np.asarray(encode_categorical(bins, self.output_mode, self.num_bins, "float32"))

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                "output_mode": self.output_mode, "sparse": self.sparse}
