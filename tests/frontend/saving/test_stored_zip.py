"""The stored-zip writer: byte for byte what Python's zipfile writes (as Keras 3 does), zip64 included."""
import io
import zipfile

import numpy as np
import pytest

from kerax.frontend.saving.stored_zip import write_stored_zip

WHEN = (2026, 11, 30, 12, 34, 56)


def _zipfile_bytes(members) -> bytes:
    """The archive as Keras 3 writes it: zipfile, stored, one member per writestr."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=WHEN), data)
    return out.getvalue()


def _ours(members, pieces=lambda data: [data]) -> bytes:
    out = io.BytesIO()
    write_stored_zip(out, [(name, pieces(data)) for name, data in members], date_time=WHEN)
    return out.getvalue()


def _members():
    rng = np.random.default_rng(0)
    return [("metadata.json", b'{"keras_version": "3.15.1"}'), ("config.json", b"{}" * 100),
            ("model.weights.h5", rng.integers(0, 256, 300_000, dtype=np.uint8).tobytes()),
            ("empty", b""), ("na\u00efve.json", b"utf-8 name")]


def test_bytes_equal_zipfiles_whatever_the_pieces():
    members = _members()
    expected = _zipfile_bytes(members)
    assert _ours(members) == expected
    # the same bytes handed over as many buffers of every kind
    split = lambda data: [data[:7], memoryview(data)[7:1000], bytearray(data[1000:1001]), data[1001:]]  # noqa: E731
    assert _ours(members, split) == expected
    with zipfile.ZipFile(io.BytesIO(expected)) as zf:
        assert zf.testzip() is None
        assert [zf.read(name) for name, _ in members] == [data for _, data in members]


def test_arrays_are_written_as_their_buffers():
    array = np.arange(1000, dtype=np.float32).reshape(10, 100)
    data = _ours([("w", array.tobytes())], pieces=lambda _: [memoryview(array)])
    assert zipfile.ZipFile(io.BytesIO(data)).read("w") == array.tobytes()


@pytest.mark.parametrize("limit", [1000, 100_000, 310_000])  # 310k: zip64 only by the 5% margin
def test_zip64_sizes_and_offsets_as_zipfile_writes_them(monkeypatch, limit):
    """Past zipfile's zip64 limit (2 GiB; lowered here so the test stays small), members get
    zip64 headers and the directory a zip64 end record, exactly as zipfile writes them."""
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", limit)
    members = _members()
    expected = _zipfile_bytes(members)
    assert b"\xff" * 8 in expected  # the case really is zip64: sizes moved to the zip64 extra
    assert _ours(members) == expected
    with zipfile.ZipFile(io.BytesIO(expected)) as zf:
        assert [zf.read(name) for name, _ in members] == [data for _, data in members]


def test_many_members_need_a_zip64_count(monkeypatch):
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 3)
    members = [(f"m{i}", bytes([i]) * i) for i in range(5)]
    assert _ours(members) == _zipfile_bytes(members)
