"""Reading the arrays of Keras's dataset files without running code from them: `.npz` archives
whose object arrays (lists of word ids) are unpickled by an unpickler that only rebuilds NumPy
arrays, and CIFAR's pickled batches read the same way; and the seeded train/test split of the
regression data sets."""
from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np

_ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                      ("numpy._core.multiarray", "_reconstruct")})


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and plain containers; refuses every other global."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"kerax.datasets: refusing to load `{module}.{name}` from a data set file; "
                                     "the file may be corrupted or malicious")


def _load_npy(buffer):
    try:
        return np.lib.format.read_array(buffer, allow_pickle=False)
    except ValueError:  # an object array: read its header, then the pickle behind it
        buffer.seek(0)
        version = np.lib.format.read_magic(buffer)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(buffer)
        elif version[0] in (2, 3):
            np.lib.format.read_array_header_2_0(buffer)
        else:
            raise ValueError(f"kerax.datasets: unsupported .npy version {version}")
        return RestrictedUnpickler(buffer).load()


def load_npz(path: str) -> dict:
    """The arrays of an `.npz` file by name."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[:-4]] = _load_npy(io.BytesIO(raw.read()))
    return arrays


def load_cifar_batch(path: str, label_key: str = "labels"):
    """(images (n, 3, 32, 32) uint8, labels) of one pickled CIFAR batch."""
    with open(path, "rb") as f:
        batch = {k.decode("utf8"): v for k, v in RestrictedUnpickler(f, encoding="bytes").load().items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def check_test_split(dataset: str, test_split) -> None:
    if not 0 <= test_split < 1:
        raise ValueError(f"kerax.datasets.{dataset}.load_data: argument `test_split` must be in [0, 1), "
                         f"received {test_split}")


def shuffled_split(x, y, test_split: float, seed: int):
    """Keras's split of the regression sets: shuffle with RandomState(seed), the last
    `test_split` for testing."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
