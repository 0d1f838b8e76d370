"""H5Image: the file h5py reads back holds every array exactly, whatever its dtype or shape."""
import h5py
import ml_dtypes
import numpy as np
import pytest

from kerax.frontend.saving.h5_image import H5Image, SparseFile

ARRAYS = {
    "scalar": np.float32(3.5),
    "matrix": np.arange(12, dtype=np.float32).reshape(3, 4),
    "transposed": np.arange(12, dtype=np.float64).reshape(3, 4).T,  # not C-contiguous in memory
    "int": np.arange(5, dtype=np.int64),
    "uint8": np.arange(7, dtype=np.uint8),
    "bool": np.array([True, False, True]),
    "half": np.linspace(0, 1, 9, dtype=np.float16),
    "big_endian": np.arange(4, dtype=">f4"),
    "empty": np.zeros((0, 3), np.float32),
}


def _streamed(tmp_path, arrays):
    image = H5Image()
    group = image.file.create_group("layers/dense/vars")
    group.attrs["name"] = "dense"
    for key, array in arrays.items():
        image.put(group, key, np.asarray(array))
    image.close()
    path = tmp_path / "w.h5"
    with open(path, "wb") as f:
        image.write_to(f)
    assert path.stat().st_size == image.size
    return path


def test_every_dtype_and_shape_reads_back_exactly(tmp_path):
    with h5py.File(_streamed(tmp_path, ARRAYS), "r") as f:
        group = f["layers/dense/vars"]
        assert group.attrs["name"] == "dense"
        for key, array in ARRAYS.items():
            got = group[key][()]
            assert got.shape == np.shape(array) and got.dtype.str[1:] == np.asarray(array).dtype.str[1:]
            np.testing.assert_array_equal(got, array)


def test_bfloat16_is_stored_as_float32_with_a_dtype_attribute_as_keras_does(tmp_path):
    value = np.array([1.5, -2.0, 3.25], ml_dtypes.bfloat16)
    with h5py.File(_streamed(tmp_path, {"0": value}), "r") as f:
        dataset = f["layers/dense/vars/0"]
        assert dataset.dtype == np.float32 and dataset.attrs["dtype"] == "bfloat16"
        np.testing.assert_array_equal(dataset[()], value.astype(np.float32))


def test_large_arrays_are_not_copied_into_the_image():
    image = H5Image()
    big = np.ones((512, 512), np.float32)  # 1 MiB
    image.put(image.file.create_group("vars"), "0", big)
    image.close()
    pieces = [np.frombuffer(p, np.uint8) for p in image.pieces()]
    own = [p for p in pieces if np.shares_memory(p, big)]
    assert len(own) == 1 and len(own[0]) == big.nbytes  # the array's own buffer, streamed as it is
    assert sum(len(p) for p in pieces) - big.nbytes < 64 << 10


def test_sparse_file_merges_overlapping_writes_and_reads_holes_as_zeros():
    f = SparseFile()
    f.seek(10)
    f.write(b"abcd")
    f.seek(20)
    f.write(b"xy")
    f.seek(12)
    f.write(b"ZZZZZZZZZ")  # bytes 12-20: over the end of the first extent and the start of the second
    f.seek(8)
    assert f.read(16) == b"\0\0abZZZZZZZZZy\0\0"
    assert [(s, bytes(c)) for s, c in f.extents()] == [(10, b"abZZZZZZZZZy")]


def test_sparse_file_holds_what_a_plain_file_would_after_random_writes():
    """Appends, writes inside an extent, across several, touching or between: as a bytearray."""
    rng = np.random.default_rng(0)
    f, plain = SparseFile(), bytearray()
    for _ in range(2000):
        if rng.random() < 0.5 and f.extents():  # most of h5py's writes continue where the last ended
            lo = f.tell()
        else:
            lo = int(rng.integers(0, 4000))
        data = rng.integers(1, 256, int(rng.integers(1, 80)), dtype=np.uint8).tobytes()
        f.seek(lo)
        f.write(data)
        plain[len(plain):] = bytes(max(0, lo + len(data) - len(plain)))
        plain[lo:lo + len(data)] = data
    f.seek(0)
    assert f.size == len(plain) and f.read() == bytes(plain)
    extents = f.extents()
    assert all(s + len(c) <= t for (s, c), (t, _) in zip(extents, extents[1:]))  # disjoint, in order
