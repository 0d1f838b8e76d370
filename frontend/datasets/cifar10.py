"""CIFAR-10: 50,000 + 10,000 colour 32x32 images (uint8) in 10 classes."""
import os

import numpy as np

from .. import config
from .arrays import load_cifar_batch
from .cache import get_file


def load_data():
    """((x_train, y_train), (x_test, y_test)), images channels-last unless the image data
    format is channels_first; labels of shape (n, 1).

    >>> (x_train, y_train), _ = kerax.datasets.cifar10.load_data()  # doctest: +SKIP
    """
    folder = get_file("cifar-10-batches-py-target", origin="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                      file_hash="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", extract=True)
    folder = os.path.join(folder, "cifar-10-batches-py")
    parts = [load_cifar_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in parts]).astype("uint8").reshape(-1, 1)
    x_test, y_test = load_cifar_batch(os.path.join(folder, "test_batch"))
    x_test, y_test = x_test.astype("uint8"), np.asarray(y_test).astype("uint8").reshape(-1, 1)
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
