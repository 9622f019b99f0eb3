"""General file reading shared by datasets and checkpoints, none of it specific to one format.

- archive.py: SafeZip, a checked read-only view of a zip file (entries: name, parts, size, head(), read()).
- zipend.py: the zip end-of-central-directory record, parsed from its documented layout.
- files.py: files of a folder as entries with the same interface as zip entries.
- sniff.py: what a file holds, judged by its first bytes, and whether its name claims something else.
"""

from .archive import SafeZip
from .files import FileEntry, file_entry, folder_entries
from .sniff import HEAD_BYTES, check_name, describe, sniff, sniff_file

__all__ = [
    "HEAD_BYTES",
    "FileEntry",
    "SafeZip",
    "check_name",
    "describe",
    "file_entry",
    "folder_entries",
    "sniff",
    "sniff_file",
]
