"""California housing prices: 8 features per district, its median house value as target."""
import numpy as np

from .arrays import check_test_split, shuffled_split
from .cache import KERAS_DATASETS, get_file


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """((x_train, y_train), (x_test, y_test)); version "small" keeps the first 600 districts.

    >>> (x_train, y_train), _ = kerax.datasets.california_housing.load_data("small")  # doctest: +SKIP
    """
    check_test_split("california_housing", test_split)
    path = get_file(path, origin=f"{KERAS_DATASETS}california_housing.npz",
                    file_hash="1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f")
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    elif version != "large":
        raise ValueError(f"kerax.datasets.california_housing.load_data: argument `version` must be 'small' or "
                         f"'large', received {version!r}")
    return shuffled_split(x, y, test_split, seed)
