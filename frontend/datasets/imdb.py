"""IMDB movie reviews: 25,000 + 25,000 reviews as word-id sequences, labelled positive or negative."""
import numpy as np

from .arrays import load_npz
from .cache import KERAS_DATASETS, get_file
from .sequences import arrange, limit_vocabulary, read_word_index, remove_long


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """((x_train, y_train), (x_test, y_test)): object arrays of word-id lists and 0/1 labels,
    arranged as Keras arranges them (see `num_words`, `skip_top`, `maxlen`, `oov_char`).

    >>> (x_train, y_train), _ = kerax.datasets.imdb.load_data(num_words=10000)  # doctest: +SKIP
    """
    if kwargs:
        raise TypeError(f"kerax.datasets.imdb.load_data: unrecognized keyword arguments {sorted(kwargs)}")
    path = get_file(path, origin=f"{KERAS_DATASETS}imdb.npz",
                    file_hash="69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f")
    f = load_npz(path)
    rng = np.random.RandomState(seed)
    x_train, labels_train = arrange(f["x_train"], f["y_train"], rng, start_char, index_from)
    x_test, labels_test = arrange(f["x_test"], f["y_test"], rng, start_char, index_from)
    if maxlen:
        x_train, labels_train = remove_long(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"kerax.datasets.imdb.load_data: no sequence is shorter than maxlen={maxlen}; "
                             "increase maxlen")
    xs = limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    cut = len(x_train)
    return ((np.array(xs[:cut], dtype="object"), labels[:cut]),
            (np.array(xs[cut:], dtype="object"), labels[cut:]))


def get_word_index(path="imdb_word_index.json"):
    """The word -> id dictionary of the IMDB reviews (ids before `index_from` is added)."""
    return read_word_index(get_file(path, origin=f"{KERAS_DATASETS}imdb_word_index.json",
                    file_hash="bfafd718b763782e994055a2d397834f"))
