"""The end record of a zip file, parsed from its documented layout (PKWARE APPNOTE.TXT, sections 4.3.14-4.3.16).

A zip file ends with a 22-byte end-of-central-directory record, followed by a comment of up to
65,535 bytes. A zip64 archive puts a 20-byte locator right before that record, and a 56-byte
zip64 record right before the locator, holding 64-bit counts. The record is looked for as
Python's zipfile looks for it (first as the last 22 bytes, then as the last signature in the
tail), so the entry count read here is the one zipfile's directory parser will meet.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

# signature, this disk, disk with the directory, entries on this disk, entries in all, directory size, its offset,
# comment length
END = struct.Struct("<4s4H2LH")
END_SIGNATURE = b"PK\x05\x06"
# signature, disk with the zip64 record, the record's offset, number of disks
LOCATOR = struct.Struct("<4sLQL")
LOCATOR_SIGNATURE = b"PK\x06\x07"
# signature, record size, version made by, version needed, this disk, disk with the directory,
# entries on this disk, entries in all, directory size, directory offset
END64 = struct.Struct("<4sQ2H2L4Q")
END64_SIGNATURE = b"PK\x06\x06"
MAX_COMMENT_BYTES = 2**16 - 1


@dataclass(frozen=True)
class EndRecord:
    """What the end record declares: the number of entries, where the central directory lies and how long it is."""

    entries: int
    directory_size: int
    directory_offset: int
    comment: bytes
    zip64: bool = False


def read_end_record(f: BinaryIO) -> EndRecord | None:
    """The end record of the open binary file `f`, or None when it has none (then it is not a zip file).

    Counts come from the zip64 record when a single-disk locator points to one; a locator for a
    multi-disk archive is ignored here, and zipfile refuses such an archive when it opens it.
    """
    size = f.seek(0, 2)
    if size < END.size:
        return None
    start = max(size - END.size - MAX_COMMENT_BYTES, 0)
    f.seek(start)
    tail = f.read()
    if tail[-END.size :].startswith(END_SIGNATURE) and tail[-2:] == b"\0\0":
        found = len(tail) - END.size
    else:
        found = tail.rfind(END_SIGNATURE)
        if found < 0 or len(tail) - found < END.size:
            return None
    _, _, _, _, entries, dir_size, dir_offset, comment_size = END.unpack_from(tail, found)
    comment = tail[found + END.size : found + END.size + comment_size]
    record = EndRecord(entries, dir_size, dir_offset, comment)
    return zip64_record(f, start + found, record) or record


def zip64_record(f: BinaryIO, end_offset: int, record: EndRecord) -> EndRecord | None:
    """The zip64 counts stored before the end record at `end_offset`, or None when there are none to use."""
    if end_offset < LOCATOR.size + END64.size:
        return None
    f.seek(end_offset - LOCATOR.size - END64.size)
    data = f.read(END64.size + LOCATOR.size)
    signature, disk, _, disks = LOCATOR.unpack_from(data, END64.size)
    if signature != LOCATOR_SIGNATURE or disk != 0 or disks > 1:
        return None
    signature, _, _, _, _, _, _, entries, dir_size, dir_offset = END64.unpack_from(data)
    if signature != END64_SIGNATURE:
        return None
    return EndRecord(entries, dir_size, dir_offset, record.comment, zip64=True)
