"""kerax.datasets: Keras's small data sets, read from Keras's cache folder with Keras's file
names and formats (see cache.py); downloaded there when missing and online.

>>> (x_train, y_train), (x_test, y_test) = kerax.datasets.mnist.load_data()  # doctest: +SKIP
"""
from . import (boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist,  # noqa: F401
               reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters"]
