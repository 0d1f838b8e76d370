"""MNIST digits: 60,000 + 10,000 grayscale 28x28 images (uint8) and their labels."""
import numpy as np

from .cache import KERAS_DATASETS, get_file


def load_data(path="mnist.npz"):
    """((x_train, y_train), (x_test, y_test)) from Keras's cached `mnist.npz`.

    >>> (x_train, y_train), (x_test, y_test) = kerax.datasets.mnist.load_data()  # doctest: +SKIP
    """
    path = get_file(path, origin=f"{KERAS_DATASETS}mnist.npz",
                    file_hash="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
