"""StringLookup and IntegerLookup: vocabulary tables (see index_lookup.py) over strings and
over integers. Both run on the host, on NumPy arrays."""
from __future__ import annotations

import numpy as np

from .index_lookup import IndexLookup

__all__ = ["IntegerLookup", "StringLookup"]


class StringLookup(IndexLookup):
    """Maps strings to integer indices: 0 the mask (if `mask_token`), then OOV, then the vocabulary.

    >>> StringLookup(vocabulary=["a", "b", "c", "d"])(np.array([["a", "c", "d"], ["d", "z", "b"]])).tolist()
    [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        if salt is not None:
            raise NotImplementedError("Layer StringLookup: `salt` (TensorFlow's keyed SipHash) is not supported in "
                                      "kerax; leave it None")
        self.encoding = encoding
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, name=name, **kwargs)

    def _token(self, value):
        return value.decode(self.encoding) if isinstance(value, bytes) else str(value)

    def get_config(self):
        return {**super().get_config(), "encoding": self.encoding, "vocabulary_dtype": "string"}


class IntegerLookup(IndexLookup):
    """Maps integers to contiguous indices: 0 the mask (if `mask_token`), then OOV, then the vocabulary.

    >>> IntegerLookup(vocabulary=[12, 36, 1138, 42])(np.array([[12, 1138, 42], [42, 1000, 36]])).tolist()
    [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f"Layer IntegerLookup: argument `vocabulary_dtype` must be 'int64', received "
                             f"{vocabulary_dtype!r}")
        self.vocabulary_dtype = vocabulary_dtype
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary, idf_weights, invert,
                         output_mode, pad_to_max_tokens, sparse, name=name, **kwargs)

    def _token(self, value):
        return int(value)

    def oov_buckets(self, tokens):
        return np.mod(np.asarray(tokens, "int64"), self.num_oov_indices)  # Keras: floormod for integers

    def get_config(self):
        return {**super().get_config(), "vocabulary_dtype": self.vocabulary_dtype}
