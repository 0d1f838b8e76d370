"""An uncompressed (ZIP_STORED) zip archive, byte for byte as Python's zipfile writes it (Keras 3
writes its `.keras` files with zipfile), from members given as pieces: buffers written as they
are, never joined into one bytes object.

The CRC-32 of a member runs on a second thread while its pieces are written (zlib.crc32 and
the file's write both release the GIL), and the member's header, written first with a zero
CRC as zipfile writes it, is rewritten with the CRC once the data is out, as zipfile does.
Sizes, offsets and the zip64 rules are zipfile's, read from its module so they cannot drift.
"""
from __future__ import annotations

import struct
import sys
import threading
import time
import zipfile
import zlib

_VERSION, _ZIP64_VERSION = 20, 45  # zipfile's DEFAULT_VERSION and ZIP64_VERSION
_SYSTEM = 0 if sys.platform == "win32" else 3  # the "made by" system zipfile records
_EXTERNAL_ATTR = 0o600 << 16  # ?rw-------, what zipfile gives a member written from bytes
_UTF8_NAME = 0x800


class _Member:
    """What the central directory needs to know about one written member."""

    __slots__ = ("name", "flags", "size", "crc", "offset", "version")

    def __init__(self, name: str, size: int, offset: int):
        try:
            self.name, self.flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            self.name, self.flags = name.encode("utf-8"), _UTF8_NAME
        self.size, self.offset, self.crc = size, offset, 0
        # zipfile gives a member zip64 sizes ahead of need (its "* 1.05" margin), and its
        # header then raises the member's versions to zip64's, in the central directory too
        self.version = _ZIP64_VERSION if self.zip64 else _VERSION

    @property
    def zip64(self) -> bool:
        return self.size * 1.05 > zipfile.ZIP64_LIMIT

    def local_header(self, dos: tuple) -> bytes:
        size, extra = self.size, b""
        if self.zip64:
            extra, size = struct.pack("<HHQQ", 1, 16, self.size, self.size), 0xFFFFFFFF
        return struct.pack(zipfile.structFileHeader, zipfile.stringFileHeader, self.version, 0, self.flags,
                           zipfile.ZIP_STORED, *dos, self.crc, size, size, len(self.name), len(extra)) + self.name + extra

    def central_header(self, dos: tuple) -> bytes:
        size, offset, extra = self.size, self.offset, []
        if self.size > zipfile.ZIP64_LIMIT:
            extra += [self.size, self.size]
            size = 0xFFFFFFFF
        if self.offset > zipfile.ZIP64_LIMIT:
            extra.append(self.offset)
            offset = 0xFFFFFFFF
        version = max(self.version, _ZIP64_VERSION if extra else 0)
        extra = struct.pack("<HH" + "Q" * len(extra), 1, 8 * len(extra), *extra) if extra else b""
        return struct.pack(zipfile.structCentralDir, zipfile.stringCentralDir, version, _SYSTEM, version, 0,
                           self.flags, zipfile.ZIP_STORED, *dos, self.crc, size, size, len(self.name), len(extra),
                           0, 0, 0, _EXTERNAL_ATTR, offset) + self.name + extra


class _Crc32(threading.Thread):
    """The CRC-32 of a sequence of buffers, computed on its own thread."""

    def __init__(self, pieces: list):
        super().__init__(name="kerax-zip-crc32", daemon=True)
        self._pieces, self.value = pieces, 0
        self.start()

    def run(self) -> None:
        value = 0
        for piece in self._pieces:
            value = zlib.crc32(piece, value)
        self.value = value


def write_stored_zip(f, members, date_time: tuple | None = None) -> None:
    """Write a zip of `members`, `[(name, pieces)]` with `pieces` a list of bytes-like objects,
    into the seekable binary file `f` at its current position.

    >>> import io
    >>> out = io.BytesIO()
    >>> write_stored_zip(out, [("a.txt", [b"hello ", memoryview(b"world")])])
    >>> zipfile.ZipFile(out).read("a.txt")
    b'hello world'
    """
    dt = date_time or time.localtime()[:6]
    dos = (dt[3] << 11 | dt[4] << 5 | dt[5] // 2, (dt[0] - 1980) << 9 | dt[1] << 5 | dt[2])  # (time, date)
    written = []
    for name, pieces in members:
        pieces = [memoryview(p).cast("B") for p in pieces]
        member = _Member(name, sum(len(p) for p in pieces), f.tell())
        crc = _Crc32(pieces)
        f.write(member.local_header(dos))  # with a zero CRC, as zipfile writes it before the data
        for piece in pieces:
            f.write(piece)
        crc.join()
        member.crc = crc.value
        end = f.tell()
        f.seek(member.offset)
        f.write(member.local_header(dos))
        f.seek(end)
        written.append(member)
    _write_directory(f, written, dos)


def _write_directory(f, members: list, dos: tuple) -> None:
    """The central directory and its end records, with zipfile's zip64 rules."""
    start = f.tell()
    for member in members:
        f.write(member.central_header(dos))
    end = f.tell()
    count, size, offset = len(members), end - start, start
    if count > zipfile.ZIP_FILECOUNT_LIMIT or offset > zipfile.ZIP64_LIMIT or size > zipfile.ZIP64_LIMIT:
        f.write(struct.pack(zipfile.structEndArchive64, zipfile.stringEndArchive64, 44, 45, 45, 0, 0, count, count,
                            size, offset))
        f.write(struct.pack(zipfile.structEndArchive64Locator, zipfile.stringEndArchive64Locator, 0, end, 1))
        count, size, offset = min(count, 0xFFFF), min(size, 0xFFFFFFFF), min(offset, 0xFFFFFFFF)
    f.write(struct.pack(zipfile.structEndArchive, zipfile.stringEndArchive, 0, 0, count, count, size, offset, 0))
