"""Boston housing prices: 13 features per house, its median value as target."""
import numpy as np

from .arrays import check_test_split, shuffled_split
from .cache import KERAS_DATASETS, get_file


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """((x_train, y_train), (x_test, y_test)), split as Keras splits it.

    >>> (x_train, y_train), _ = kerax.datasets.boston_housing.load_data()  # doctest: +SKIP
    """
    check_test_split("boston_housing", test_split)
    path = get_file(path, origin=f"{KERAS_DATASETS}boston_housing.npz",
                    file_hash="f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")
    with np.load(path, allow_pickle=False) as f:
        return shuffled_split(f["x"], f["y"], test_split, seed)
