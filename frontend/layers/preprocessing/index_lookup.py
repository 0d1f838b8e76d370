"""The vocabulary table behind StringLookup, IntegerLookup and TextVectorization, laid out as
Keras lays it out: index 0 is the mask token (when there is one), then `num_oov_indices`
out-of-vocabulary buckets, then the vocabulary; `adapt` orders tokens by count, most frequent
first (ties: the larger token first). Runs on the host."""
from __future__ import annotations

import collections
import math

import numpy as np

from .adapt_data import batches
from .category_encoding import check_output_mode
from .hashing import hash_buckets
from .host_layer import HostLayer

MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(HostLayer):
    """Maps tokens to indices (or back, with `invert`)."""

    _token_kind = "token"

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False, **kwargs):
        layer = type(self).__name__
        kwargs.pop("vocabulary_dtype", None)
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        super().__init__(**kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"Layer {layer}: argument `max_tokens` must be None or greater than 1, received "
                             f"{max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"Layer {layer}: argument `num_oov_indices` must be >= 0, received {num_oov_indices}")
        check_output_mode(layer, output_mode, MODES)
        if invert and output_mode != "int":
            raise ValueError(f"Layer {layer}: `invert=True` needs output_mode='int', received {output_mode!r}")
        if sparse:
            raise ValueError(f"Layer {layer}: `sparse=True` is not supported with the JAX backend")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"Layer {layer}: `idf_weights` is only used with output_mode='tf_idf', received "
                             f"output_mode={output_mode!r}")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token, self.invert = mask_token, oov_token, invert
        self.output_mode, self.pad_to_max_tokens, self.sparse = output_mode, pad_to_max_tokens, sparse
        self.input_vocabulary, self.input_idf_weights = vocabulary, idf_weights
        self._tokens: list = []
        self._index: dict = {}
        self.idf_weights = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- the table ----------------------------------------------------------------------------
    def _oov_start(self) -> int:
        # The mask token has an index (0) only when indices are the output, as in Keras.
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        return len(self._tokens) + self._token_start()

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The tokens by index: mask, OOV tokens, then the vocabulary."""
        specials = [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices
        return (specials if include_special_tokens else []) + list(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        layer = type(self).__name__
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:  # one token per line, as Keras reads a file
                vocabulary = [line.rstrip("\n") for line in f]
        tokens = [self._token(t) for t in np.asarray(vocabulary, dtype=object).ravel()]
        if not tokens:
            raise ValueError(f"Layer {layer}: cannot set an empty vocabulary")
        specials = self.get_vocabulary()[:self._token_start()]
        if tokens[:len(specials)] == specials:
            tokens = tokens[len(specials):]
        repeated = sorted({str(t) for t, n in collections.Counter(tokens).items() if n > 1})
        if repeated:
            raise ValueError(f"Layer {layer}: the vocabulary repeats {repeated}; expected unique tokens")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(f"Layer {layer}: the mask token {self.mask_token!r} is in the vocabulary; leave it out "
                             "(it is index 0)")
        if self.max_tokens is not None and len(tokens) + self._token_start() > self.max_tokens:
            raise ValueError(f"Layer {layer}: a vocabulary of {len(tokens) + self._token_start()} tokens (with the "
                             f"special ones) is larger than max_tokens={self.max_tokens}")
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"Layer {layer}: output_mode='tf_idf' with a given vocabulary needs `idf_weights`")
            weights = np.asarray(idf_weights, "float32")
            if weights.shape != (len(tokens),):
                raise ValueError(f"Layer {layer}: `idf_weights` must have one weight per token ({len(tokens)}), "
                                 f"received shape {weights.shape}")
            self.idf_weights = np.concatenate([np.full(self._token_start(), weights.mean(), "float32"), weights])
        self._set_tokens(tokens)

    def _set_tokens(self, tokens) -> None:
        self._tokens = list(tokens)
        start = self._token_start()
        self._index = {t: i + start for i, t in enumerate(self._tokens)}

    def adapt(self, data, steps=None) -> None:
        """Build the vocabulary from `data`: tokens by descending count, up to `max_tokens`."""
        counts, documents, num_documents = collections.Counter(), collections.Counter(), 0
        for i, part in enumerate(batches(type(self).__name__, data)):
            if steps is not None and i >= steps:
                break
            rows = self._adapt_rows(part)
            for row in rows:
                counts.update(row)
                documents.update(set(row))
            num_documents += len(rows)
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        ordered = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            ordered = ordered[:self.max_tokens - self._token_start()]
        self._set_tokens(ordered)
        if self.output_mode == "tf_idf":
            idf = np.array([math.log(1 + num_documents / (1 + documents[t])) for t in ordered], "float32")
            self.idf_weights = np.concatenate([np.full(self._token_start(), idf.mean() if idf.size else 0.0), idf])
            self.idf_weights = self.idf_weights.astype("float32")

    def _adapt_rows(self, part) -> list:
        part = self.preprocess(part)
        if not isinstance(part, list):
            part = np.asarray(part, dtype=object)
            part = part.reshape(1, -1) if part.ndim <= 1 else part.reshape(part.shape[0], -1)
        return [[self._token(t) for t in row] for row in part]

    def preprocess(self, inputs):
        """Inputs as tokens (TextVectorization standardizes and splits here)."""
        return inputs

    def _token(self, value):
        return value

    # -- lookups ------------------------------------------------------------------------------
    def lookup(self, tokens: np.ndarray) -> np.ndarray:
        """Indices of an array of tokens (masked tokens -1 outside int mode: they encode as nothing)."""
        start = self._oov_start()
        flat = [self._index.get(self._token(t), -1) for t in tokens.ravel()]
        out = np.asarray(flat, "int64").reshape(tokens.shape)
        if self.num_oov_indices == 1:
            out = np.where(out == -1, start, out)
        elif self.num_oov_indices > 1:
            buckets = self.oov_buckets(tokens)
            out = np.where(out == -1, buckets + start, out)
        if self.mask_token is not None:
            masked = np.vectorize(lambda t: self._token(t) == self.mask_token, otypes=[bool])(tokens)
            out = np.where(masked, 0 if self.output_mode == "int" else -1, out)
        return out

    def oov_buckets(self, tokens):
        return hash_buckets(tokens, self.num_oov_indices)

    def call(self, inputs):
        if self.invert:
            vocabulary = self.get_vocabulary()
            lookup = np.vectorize(lambda i: vocabulary[i] if self._token_start() <= i < len(vocabulary) or
                                  (i == 0 and self._oov_start()) else self.oov_token, otypes=[object])
            return lookup(np.asarray(inputs))
        if isinstance(inputs, list):  # ragged rows of tokens (from TextVectorization)
            rows = [self.lookup(np.asarray(row, dtype=object)) for row in inputs]
            shape = (len(rows),)
        else:
            indices = self.lookup(inputs)
            if self.output_mode == "int":
                return indices
            rows, shape = self._rows(indices)
        depth = self.max_tokens if self.pad_to_max_tokens and self.max_tokens else self.vocabulary_size()
        out = np.zeros((len(rows), depth), "float32")
        for i, row in enumerate(rows):
            np.add.at(out[i], row[(row >= 0) & (row < depth)], 1.0)
        if self.output_mode in ("one_hot", "multi_hot"):
            out = np.minimum(out, 1.0)
        elif self.output_mode == "tf_idf":
            weights = np.zeros(depth, "float32")
            weights[:min(depth, len(self.idf_weights))] = self.idf_weights[:depth]
            out = out * weights
        return out.reshape(*shape, depth)

    def _rows(self, indices):
        """The samples to encode, as TensorFlow's bincount sees them: one_hot encodes each
        element (a last axis of 1 is dropped); the other modes count each row of a rank-2 input,
        or the whole of a rank-1 input."""
        if indices.ndim == 0:
            indices = indices[None]
        if self.output_mode == "one_hot":
            shape = indices.shape[:-1] if indices.shape[-1] == 1 else indices.shape
            return list(indices.reshape(-1, 1)), shape
        if indices.ndim > 2:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): output_mode={self.output_mode!r} encodes "
                             f"inputs of rank 1 or 2, received shape {indices.shape}")
        return list(indices.reshape(-1, indices.shape[-1])), indices.shape[:-1]

    def get_config(self):
        vocabulary = self.input_vocabulary
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token, "mask_token": self.mask_token,
                "output_mode": self.output_mode, "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary": np.asarray(vocabulary).tolist() if vocabulary is not None else None,
                "idf_weights": np.asarray(self.input_idf_weights).tolist() if self.input_idf_weights is not None
                else None}
