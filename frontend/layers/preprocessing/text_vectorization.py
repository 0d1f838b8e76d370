"""TextVectorization: strings standardized, split into words (and n-grams), and looked up in a
vocabulary (index 0 the padding "", 1 "[UNK]"), as Keras does; on the host."""
from __future__ import annotations

import re
import string

import numpy as np

from .host_layer import HostLayer, as_array
from .lookup import StringLookup

__all__ = ["TextVectorization"]

_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # tf.strings.lower's default
_STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = (None, "whitespace", "character")


class TextVectorization(HostLayer):
    """Turns strings into sequences of token indices (or multi-hot, count, tf-idf vectors).

    >>> layer = TextVectorization(vocabulary=["the", "cat", "sat"], output_sequence_length=4)
    >>> layer(np.array(["The cat sat!", "a dog"])).tolist()
    [[2, 3, 4, 0], [1, 1, 0, 0]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, **kwargs):
        kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        super().__init__(name=name, **kwargs)
        if standardize not in _STANDARDIZE and not callable(standardize):
            raise ValueError(f"Layer TextVectorization: argument `standardize` must be one of {_STANDARDIZE} or a "
                             f"callable, received {standardize!r}")
        if split not in _SPLIT and not callable(split):
            raise ValueError(f"Layer TextVectorization: argument `split` must be one of {_SPLIT} or a callable, "
                             f"received {split!r}")
        if not (ngrams is None or isinstance(ngrams, int) or
                isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"Layer TextVectorization: argument `ngrams` must be None, an integer or a tuple of "
                             f"integers, received {ngrams!r}")
        if output_sequence_length is not None and (output_mode != "int" or not isinstance(output_sequence_length,
                                                                                           int)):
            raise ValueError("Layer TextVectorization: `output_sequence_length` must be None or an integer, and is "
                             f"only used with output_mode='int'; received {output_sequence_length!r} with "
                             f"output_mode={output_mode!r}")
        if ragged:
            raise ValueError("Layer TextVectorization: `ragged=True` needs tf.RaggedTensor; kerax returns padded "
                             "NumPy arrays (ragged=False)")
        self.standardize, self.split, self.ngrams = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.ragged, self.encoding = ragged, encoding
        self._lookup = StringLookup(max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
                                    pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
                                    sparse=sparse, encoding=encoding, name=f"{self.name}_lookup")
        self._lookup.preprocess = self._tokens

    # -- the Keras API of the inner table ------------------------------------------------------
    def adapt(self, data, steps=None) -> None:
        """Build the vocabulary from texts (an array or an iterable of batches)."""
        self._lookup.adapt(data, steps)

    def get_vocabulary(self, include_special_tokens=True) -> list:
        return self._lookup.get_vocabulary(include_special_tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    def vocabulary_size(self) -> int:
        return self._lookup.vocabulary_size()

    # -- text to tokens -----------------------------------------------------------------------
    def _standardize(self, text: str) -> str:
        if callable(self.standardize):
            return self.standardize(text)
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            text = text.translate(_ASCII_LOWER)
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = _PUNCTUATION.sub("", text)
        return text

    def _split_words(self, text: str) -> list:
        if self.split is None:
            return [text]
        if self.split == "whitespace":
            return text.split()
        if self.split == "character":
            return list(text)
        return list(self.split(text))

    def _with_ngrams(self, words: list) -> list:
        if self._ngrams is None:
            return words
        return [" ".join(words[i:i + n]) for n in self._ngrams for i in range(len(words) - n + 1)]

    def _tokens(self, inputs) -> list:
        """One list of tokens per text (the input is (n,) or (n, 1) strings, or one string)."""
        texts = as_array(inputs)
        if texts.ndim == 2 and texts.shape[-1] == 1:
            texts = texts[:, 0]
        elif texts.ndim > 1 and self.split is not None:
            raise ValueError(f"Layer '{self.name}' (TextVectorization): to split strings into words the input must "
                             f"have rank 1 or a last axis of size 1, received shape {texts.shape}")
        texts = texts.reshape(-1) if texts.ndim == 0 else texts
        return [self._with_ngrams(self._split_words(self._standardize(str(t)))) for t in texts]

    def call(self, inputs):
        rows = self._tokens(inputs)
        if self.output_mode != "int":
            return self._lookup.call(rows)
        indices = [self._lookup.lookup(np.asarray(row, dtype=object)) for row in rows]
        length = self.output_sequence_length or max((len(r) for r in indices), default=0)
        out = np.zeros((len(indices), length), "int64")
        for i, row in enumerate(indices):
            out[i, :min(len(row), length)] = row[:length]
        return out

    def get_config(self):
        return {**super().get_config(), "max_tokens": self._lookup.max_tokens, "standardize": self.standardize,
                "split": self.split, "ngrams": self.ngrams, "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": self._lookup.pad_to_max_tokens, "sparse": self._lookup.sparse,
                "ragged": self.ragged, "vocabulary": self._lookup.get_config()["vocabulary"],
                "idf_weights": self._lookup.get_config()["idf_weights"], "encoding": self.encoding}
