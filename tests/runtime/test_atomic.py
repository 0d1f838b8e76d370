"""atomic_write / atomic_path: the target is the old whole file or the new whole file."""
import contextlib
import os
import signal
import subprocess
import sys

import pytest

from kerax.runtime import atomic
from kerax.runtime.atomic import atomic_path, atomic_write, remove_stale_temporaries


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


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_temporary_name_carries_the_writer_pid(tmp_path):
    with atomic_path(tmp_path / "m.keras") as temp:
        assert os.path.basename(temp).startswith(f".m.keras.{os.getpid()}.") and temp.endswith(".tmp")


def test_a_successful_write_removes_temporaries_of_dead_writers_only(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = tmp_path / f".m.keras.{_dead_pid()}.ab_12cd.tmp"  # a writer killed mid-write
        live = tmp_path / f".m.keras.{sleeper.pid}.ef34gh.tmp"  # a writer still writing
        other = tmp_path / f".m.keras.5.{_dead_pid()}.ij56kl.tmp"  # the target `m.keras.5`'s
        foreign = tmp_path / ".m.keras.notapid.tmp"
        for path in (dead, live, other, foreign):
            path.write_bytes(b"partial")
        with atomic_write(tmp_path / "m.keras") as f:
            f.write(b"new")
        assert sorted(os.listdir(tmp_path)) == sorted(["m.keras", live.name, other.name, foreign.name])
    finally:
        sleeper.kill()
        sleeper.wait()
    assert remove_stale_temporaries(tmp_path / "m.keras") == [live.name]


def test_a_sigkilled_writer_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, atomic.__file__, str(tmp_path / "m.keras")],
                              stdout=subprocess.PIPE)
    assert writer.stdout.readline().strip() == b"writing"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    leftovers = [n for n in os.listdir(tmp_path) if n.startswith(f".m.keras.{writer.pid}.")]
    assert len(leftovers) == 1
    with atomic_write(tmp_path / "m.keras") as f:
        f.write(b"new")
    assert os.listdir(tmp_path) == ["m.keras"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_permissions_are_those_a_plain_open_leaves(tmp_path):
    """A new file gets 0666 less the umask, as `open(path, "w")` (and so Keras) gives it; a
    rewritten file keeps its own."""
    mask = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "new.keras") as f:
            f.write(b"new")
    finally:
        os.umask(mask)
    assert (tmp_path / "new.keras").stat().st_mode & 0o777 == 0o640
    os.chmod(tmp_path / "new.keras", 0o604)
    with atomic_write(tmp_path / "new.keras") as f:
        f.write(b"newer")
    assert (tmp_path / "new.keras").stat().st_mode & 0o777 == 0o604


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_a_replaced_large_file_is_released_once_the_new_one_is_in_place(tmp_path):
    """The old file stays open while it is replaced (so that freeing it waits), then is closed."""
    target = tmp_path / "big.bin"
    target.write_bytes(b"o" * atomic._HOLD_BYTES)

    def holding():
        links = []
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):  # (the listing's own descriptor is gone by now)
                links.append(os.readlink(f"/proc/self/fd/{fd}"))
        return [link for link in links if link.startswith(str(target))]

    with atomic_write(target) as f:
        f.write(b"new")
        assert len(holding()) == 1
    atomic.wait_for_freeing()
    assert target.read_bytes() == b"new" and holding() == []
    target.write_bytes(b"o" * atomic._HOLD_BYTES)
    atomic.remove(target)  # removed at once, freed on a thread
    assert not target.exists()
    atomic.wait_for_freeing()
    assert holding() == []
    atomic.remove(target)  # (a missing file is no error)


# loads atomic.py alone (it needs only the standard library), so the writer starts in milliseconds
KILLED_WRITER = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("atomic", sys.argv[1])
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)
with atomic.atomic_write(sys.argv[2]) as f:
    f.write(b"half")
    print("writing", flush=True)
    time.sleep(60)
"""
