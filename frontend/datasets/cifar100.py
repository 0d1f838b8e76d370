"""CIFAR-100: 50,000 + 10,000 colour 32x32 images in 100 fine or 20 coarse classes."""
import os

import numpy as np

from .. import config
from .arrays import load_cifar_batch
from .cache import get_file


def load_data(label_mode="fine"):
    """((x_train, y_train), (x_test, y_test)) with `label_mode` "fine" or "coarse" labels.

    >>> (x_train, y_train), _ = kerax.datasets.cifar100.load_data("coarse")  # doctest: +SKIP
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"kerax.datasets.cifar100.load_data: argument `label_mode` must be 'fine' or 'coarse', "
                         f"received {label_mode!r}")
    folder = get_file("cifar-100-python-target", origin="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                      file_hash="85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7", extract=True)
    folder = os.path.join(folder, "cifar-100-python")
    out = []
    for part in ("train", "test"):
        x, y = load_cifar_batch(os.path.join(folder, part), label_key=f"{label_mode}_labels")
        if config.image_data_format() == "channels_last":
            x = x.transpose(0, 2, 3, 1)
        out.append((x, np.reshape(y, (len(y), 1))))
    return tuple(out)
