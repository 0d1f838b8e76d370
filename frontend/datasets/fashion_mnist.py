"""Fashion-MNIST: 60,000 + 10,000 grayscale 28x28 images of clothing (uint8) and their labels."""
import gzip
import os

import numpy as np

from .cache import KERAS_DATASETS, get_file

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz")


def _read(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """((x_train, y_train), (x_test, y_test)) from Keras's cached `fashion-mnist/*.gz` IDX files.

    >>> (x_train, y_train), _ = kerax.datasets.fashion_mnist.load_data()  # doctest: +SKIP
    """
    paths = [get_file(name, origin=KERAS_DATASETS + name, cache_subdir=os.path.join("datasets", "fashion-mnist"))
             for name in FILES]
    y_train, y_test = _read(paths[0], 8), _read(paths[2], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
