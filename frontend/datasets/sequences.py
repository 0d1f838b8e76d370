"""The word-id sequences of IMDB and Reuters, arranged as Keras arranges them: shuffled with
RandomState(seed), ids shifted by `index_from` behind a `start_char`, long sequences dropped,
rare and `skip_top` words replaced by `oov_char` (or dropped)."""
from __future__ import annotations

import json

import numpy as np


def arrange(x, labels, rng, start_char, index_from):
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x, labels = x[indices], labels[indices]
    if start_char is not None:
        x = [[start_char] + [w + index_from for w in seq] for seq in x]
    elif index_from:
        x = [[w + index_from for w in seq] for seq in x]
    else:
        x = [list(seq) for seq in x]
    return x, labels


def remove_long(maxlen, xs, labels):
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(xs, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def read_word_index(path: str) -> dict:
    with open(path) as f:
        return json.load(f)
