"""Reuters newswires: 11,228 word-id sequences labelled with one of 46 topics."""
import numpy as np

from .arrays import check_test_split, load_npz
from .cache import KERAS_DATASETS, get_file
from .sequences import arrange, limit_vocabulary, read_word_index, remove_long

LABEL_NAMES = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
               "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
               "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
               "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
               "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3):
    """((x_train, y_train), (x_test, y_test)): object arrays of word-id lists and topic ids.

    >>> (x_train, y_train), _ = kerax.datasets.reuters.load_data(num_words=10000)  # doctest: +SKIP
    """
    check_test_split("reuters", test_split)
    path = get_file(path, origin=f"{KERAS_DATASETS}reuters.npz",
                    file_hash="d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916")
    f = load_npz(path)
    xs, labels = arrange(f["x"], f["y"], np.random.RandomState(seed), start_char, index_from)
    if maxlen:
        xs, labels = remove_long(maxlen, xs, labels)
    xs = limit_vocabulary(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:cut], dtype="object"), np.array(labels[:cut])),
            (np.array(xs[cut:], dtype="object"), np.array(labels[cut:])))


def get_word_index(path="reuters_word_index.json"):
    """The word -> id dictionary of the newswires (ids before `index_from` is added)."""
    return read_word_index(get_file(path, origin=f"{KERAS_DATASETS}reuters_word_index.json",
                    file_hash="4d44cc38712099c9e383dc6e5f11a921"))


def get_label_names():
    """The 46 topic names, by label id."""
    return LABEL_NAMES
