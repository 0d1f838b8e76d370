"""An H5 file whose structure h5py writes into memory and whose weights are never copied.

h5py lays out the file (superblock, groups, attributes, dataset headers) in a sparse in-memory
file; each dataset's space is allocated there but left unwritten, and the array that fills it
is only remembered. `pieces()` then yields the file's bytes in order — small metadata blocks
and the arrays' own buffers — so a writer streams them once into a file or a zip member: no
H5 image in a BytesIO, no second copy of every array.
"""
from __future__ import annotations

import bisect

import h5py
import numpy as np

# Kinds whose bytes in memory are the bytes HDF5 stores (native little-endian numbers, bools
# as 0/1 bytes); anything else is handed to h5py to convert and write.
_RAW_KINDS = frozenset("fiub")


class SparseFile:
    """The file object h5py writes into: written extents kept as bytearrays, holes read as zeros."""

    def __init__(self):
        self._starts: list[int] = []
        self._chunks: dict[int, bytearray] = {}
        self._pos = 0
        self.size = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = offset if whence == 0 else self._pos + offset if whence == 1 else self.size + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def truncate(self, size: int | None = None) -> int:
        self.size = self._pos if size is None else size
        return self.size

    def write(self, data) -> int:
        data = memoryview(data).cast("B")
        lo, hi = self._pos, self._pos + len(data)
        i = bisect.bisect_right(self._starts, lo)
        if i and lo <= self._starts[i - 1] + len(self._chunks[self._starts[i - 1]]) and (
                i == len(self._starts) or hi < self._starts[i]):
            # within, or growing, the extent it starts in (most of h5py's writes append): in place
            start = self._starts[i - 1]
            self._chunks[start][lo - start:hi - start] = data
            self._pos, self.size = hi, max(self.size, hi)
            return len(data)
        # merge with every extent this write overlaps or touches, so extents stay disjoint
        i = bisect.bisect_left(self._starts, lo)
        if i > 0 and self._starts[i - 1] + len(self._chunks[self._starts[i - 1]]) >= lo:
            i -= 1
        j, start, end = i, lo, hi
        while j < len(self._starts) and self._starts[j] <= hi:
            s = self._starts[j]
            start, end = min(start, s), max(end, s + len(self._chunks[s]))
            j += 1
        merged = bytearray(end - start)
        for s in self._starts[i:j]:
            chunk = self._chunks.pop(s)
            merged[s - start:s - start + len(chunk)] = chunk
        merged[lo - start:hi - start] = data
        self._starts[i:j] = [start]
        self._chunks[start] = merged
        self._pos, self.size = hi, max(self.size, hi)
        return len(data)

    def readinto(self, buffer) -> int:
        out = memoryview(buffer).cast("B")
        lo, hi = self._pos, self._pos + len(out)
        out[:] = bytes(len(out))
        for s in self._starts[max(0, bisect.bisect_right(self._starts, lo) - 1):]:
            if s >= hi:
                break
            chunk = self._chunks[s]
            a, b = max(lo, s), min(hi, s + len(chunk))
            if a < b:
                out[a - lo:b - lo] = chunk[a - s:b - s]
        self._pos = hi
        return len(out)

    def read(self, n: int = -1) -> bytes:
        buffer = bytearray(max(0, self.size - self._pos) if n < 0 else n)
        self.readinto(buffer)
        return bytes(buffer)

    def extents(self):
        return [(s, self._chunks[s]) for s in self._starts]


class H5Image:
    """Build an H5 file's layout with h5py (`.file`), placing arrays with `put`; after `close()`,
    `size` is the file's length and `pieces()` its bytes in order.

    >>> image = H5Image()
    >>> image.put(image.file.create_group("vars"), "0", np.ones(3, np.float32))
    >>> image.close()
    >>> len(b"".join(image.pieces())) == image.size
    True
    """

    def __init__(self):
        self._sparse = SparseFile()
        self._arrays: list[tuple[int, np.ndarray]] = []
        self.file = h5py.File(self._sparse, "w")
        self._dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        self._dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)  # place the data now ...
        self._dcpl.set_fill_time(h5py.h5d.FILL_TIME_NEVER)  # ... but never write it through h5py
        self._dcpl.set_obj_track_times(False)  # (as h5py's create_dataset sets it)

    def put(self, group, key: str, array: np.ndarray) -> None:
        """Create dataset `key` in `group` for `array` (bfloat16 is stored as float32 with a
        `dtype` attribute, as Keras does)."""
        if array.dtype.name == "bfloat16":
            group.create_dataset(key, data=array.astype(np.float32)).attrs["dtype"] = "bfloat16"
            return
        array = np.asarray(array, order="C")  # (not ascontiguousarray: it makes scalars 1-d)
        if (array.dtype.kind not in _RAW_KINDS or array.dtype.byteorder == ">" or array.nbytes == 0
                or array.ndim == 0 or not key.isascii() or "/" in key):
            group.create_dataset(key, data=array)  # h5py converts, lays out and writes these
            return
        # what group.create_dataset(key, shape, dtype, dcpl) does, less its per-call overhead
        # (a third of the time of a model of many small weights): the same HDF5 calls, so the
        # same bytes
        dataset = h5py.h5d.create(group.id, key.encode("ascii"), h5py.h5t.py_create(array.dtype, logical=1),
                                  h5py.h5s.create_simple(array.shape), dcpl=self._dcpl)
        offset = dataset.get_offset()
        if offset is None or dataset.get_storage_size() != array.nbytes:  # not laid out as one block
            dataset.write(h5py.h5s.ALL, h5py.h5s.ALL, array)
            return
        self._arrays.append((offset, array))

    def close(self) -> None:
        self.file.close()

    @property
    def size(self) -> int:
        return max([self._sparse.size] + [o + a.nbytes for o, a in self._arrays])

    def pieces(self):
        """The file's bytes in order: metadata extents, array buffers, zeros for the gaps."""
        blocks = sorted([(s, c) for s, c in self._sparse.extents()] +
                        [(o, memoryview(a.reshape(-1)).cast("B")) for o, a in self._arrays], key=lambda b: b[0])
        position = 0
        for offset, block in blocks:
            if offset < position:
                raise AssertionError(f"H5 layout overlaps at byte {offset}")  # h5py placed data over metadata
            if offset > position:
                yield bytes(offset - position)
            yield block
            position = offset + len(block)
        if self.size > position:
            yield bytes(self.size - position)

    def write_to(self, out) -> None:
        """Stream the file into a writable binary file object."""
        for piece in self.pieces():
            out.write(piece)
