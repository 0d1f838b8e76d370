"""kerax.datasets reads Keras's cache (tiny files written here in Keras's formats) and returns
what Keras 3's own loaders return from the same files; downloads go through an atomic write
and a hash check; offline, the error names the file and where to put it. No network."""
import gzip
import io
import os
import pickle
import shutil
import tarfile
import urllib.error
import urllib.request

import numpy as np
import pytest

import kerax
from kerax.frontend import file_utils
from parity import keras

RNG = np.random.default_rng(0)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty Keras home for kerax ($KERAS_HOME) and for Keras (its module-level folder), with
    the hash check of cached files off in both (the files here are not Keras's) and no network."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    from keras.src.backend import config as keras_config
    from keras.src.utils import file_utils as keras_file_utils

    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path))
    monkeypatch.setattr(keras_file_utils, "validate_file", lambda *a, **k: True)
    monkeypatch.setattr(file_utils, "_matches", lambda *a, **k: True)

    def no_network(url, *a, **k):
        raise urllib.error.URLError("no network in tests")

    monkeypatch.setattr(urllib.request, "urlretrieve", no_network)
    monkeypatch.setattr(keras_file_utils, "urlretrieve", no_network)
    os.makedirs(tmp_path / "datasets")
    return tmp_path / "datasets"


def assert_same(ours, theirs):
    for a, b in zip(_leaves(ours), _leaves(theirs), strict=True):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype
        if a.dtype == object:
            assert [list(x) for x in a] == [list(x) for x in b]
        else:
            np.testing.assert_array_equal(a, b)


def _leaves(x):
    if isinstance(x, tuple):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def test_mnist(home):
    arrays = {k: RNG.integers(0, 255, s, dtype="uint8") for k, s in
              [("x_train", (5, 28, 28)), ("x_test", (3, 28, 28))]}
    np.savez(home / "mnist.npz", y_train=np.arange(5, dtype="uint8"), y_test=np.arange(3, dtype="uint8"), **arrays)
    assert_same(kerax.datasets.mnist.load_data(), keras().datasets.mnist.load_data())


def test_fashion_mnist(home):
    folder = home / "fashion-mnist"
    folder.mkdir()
    for prefix, n in (("train", 4), ("t10k", 2)):
        with gzip.open(folder / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(b"\0" * 8 + bytes(range(n)))
        with gzip.open(folder / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(b"\0" * 16 + RNG.integers(0, 255, n * 784, dtype="uint8").tobytes())
    assert_same(kerax.datasets.fashion_mnist.load_data(), keras().datasets.fashion_mnist.load_data())


def _cifar_archive(path, top, batches):
    with tarfile.open(path, "w:gz") as tar:
        for name, content in batches.items():
            data = pickle.dumps(content)
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _cifar_batch(n, **labels):
    return {b"data": RNG.integers(0, 255, (n, 3072), dtype="uint8"), **{k.encode(): v for k, v in labels.items()}}


def test_cifar10(home):
    batches = {f"data_batch_{i}": _cifar_batch(2, labels=[i, i + 1]) for i in range(1, 6)}
    batches["test_batch"] = _cifar_batch(3, labels=[0, 1, 2])
    _cifar_archive(home / "cifar-10-batches-py-target_archive", "cifar-10-batches-py", batches)
    ours = kerax.datasets.cifar10.load_data()
    # Keras's loader insists on 10,000 images per batch; its arrangement, written out for 2:
    images = lambda name: batches[name][b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # noqa: E731
    labels = lambda name: np.asarray(batches[name][b"labels"], "uint8").reshape(-1, 1)  # noqa: E731
    train = [f"data_batch_{i}" for i in range(1, 6)]
    expected = ((np.concatenate([images(b) for b in train]), np.concatenate([labels(b) for b in train])),
                (images("test_batch"), labels("test_batch")))
    assert_same(ours, expected)


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100(home, label_mode):
    batches = {"train": _cifar_batch(3, fine_labels=[5, 6, 7], coarse_labels=[1, 1, 2]),
               "test": _cifar_batch(2, fine_labels=[8, 9], coarse_labels=[3, 3])}
    _cifar_archive(home / "cifar-100-python-target_archive", "cifar-100-python", batches)
    assert_same(kerax.datasets.cifar100.load_data(label_mode), keras().datasets.cifar100.load_data(label_mode))


def _sequences(n):
    out = np.empty(n, dtype=object)
    out[:] = [RNG.integers(1, 30, RNG.integers(2, 9)).tolist() for _ in range(n)]  # Python ints, as in the real files
    return out


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 12, "skip_top": 2, "maxlen": 8}, {"oov_char": None,
                                                                                        "num_words": 20}])
def test_imdb(home, kwargs):
    np.savez(home / "imdb.npz", x_train=_sequences(6), y_train=RNG.integers(0, 2, 6), x_test=_sequences(4),
             y_test=RNG.integers(0, 2, 4))
    assert_same(kerax.datasets.imdb.load_data(**kwargs), keras().datasets.imdb.load_data(**kwargs))


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 15, "test_split": 0.5, "start_char": None}])
def test_reuters(home, kwargs):
    np.savez(home / "reuters.npz", x=_sequences(10), y=RNG.integers(0, 46, 10))
    assert_same(kerax.datasets.reuters.load_data(**kwargs), keras().datasets.reuters.load_data(**kwargs))
    assert kerax.datasets.reuters.get_label_names() == keras().datasets.reuters.get_label_names()


def test_import_paths_of_keras_code():
    import kerax.datasets.mnist as by_import
    from kerax.datasets import mnist as by_from

    assert by_import is by_from is kerax.datasets.mnist


def test_word_index(home):
    (home / "imdb_word_index.json").write_text('{"the": 1, "film": 2}')
    assert kerax.datasets.imdb.get_word_index() == {"the": 1, "film": 2}


def test_housing(home):
    np.savez(home / "boston_housing.npz", x=RNG.random((20, 13)), y=RNG.random(20))
    np.savez(home / "california_housing.npz", x=RNG.random((30, 8)), y=RNG.random(30))
    assert_same(kerax.datasets.boston_housing.load_data(test_split=0.25),
                keras().datasets.boston_housing.load_data(test_split=0.25))
    assert_same(kerax.datasets.california_housing.load_data("small", seed=7),
                keras().datasets.california_housing.load_data("small", seed=7))
    with pytest.raises(ValueError, match="test_split"):
        kerax.datasets.boston_housing.load_data(test_split=1.0)


def test_offline_error_names_the_file_and_the_folder(home):
    with pytest.raises(OSError, match=r"could not download .*mnist.npz.*place it at .*datasets/mnist.npz"):
        kerax.datasets.mnist.load_data()
    assert os.listdir(home) == []  # nothing half-written


def test_a_missing_file_is_downloaded_into_the_cache_once(home, tmp_path, monkeypatch):
    served = tmp_path / "served.npz"
    np.savez(served, x=RNG.random((10, 13)), y=RNG.random(10))
    calls = []

    def serve(url, target, *a):
        calls.append(url)
        shutil.copyfile(served, target)

    monkeypatch.setattr(urllib.request, "urlretrieve", serve)
    (x_train, _), _ = kerax.datasets.boston_housing.load_data()
    kerax.datasets.boston_housing.load_data()
    assert calls == ["https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"]
    assert sorted(os.listdir(home)) == ["boston_housing.npz"] and x_train.shape == (8, 13)


def test_files_do_not_run_code(home):
    import collections

    evil = np.empty(1, dtype=object)
    evil[0] = collections.OrderedDict(a=1)  # unpickling it needs a global other than NumPy's
    np.savez(home / "reuters.npz", x=evil, y=np.zeros(1))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        kerax.datasets.reuters.load_data()
