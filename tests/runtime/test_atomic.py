"""atomic_write / atomic_path: the target is the old whole file or the new whole file."""
import os

import pytest

from kerax.runtime.atomic import atomic_path, atomic_write


def test_a_clean_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "m.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as f:
        f.write(b"new contents")
    assert target.read_bytes() == b"new contents"
    assert os.listdir(tmp_path) == ["m.bin"]


def test_an_error_mid_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "m.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk"):
        with atomic_write(target) as f:
            f.write(b"half")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["m.bin"]


def test_atomic_path_gives_a_writer_a_name_beside_the_target(tmp_path):
    target = tmp_path / "sub" / "w.h5"
    with atomic_path(target) as temp:
        assert os.path.dirname(temp) == str(tmp_path / "sub") and temp != str(target)
        with open(temp, "wb") as f:
            f.write(b"weights")
        assert not target.exists()
    assert target.read_bytes() == b"weights"
