"""The library on disk: workspaces with their saved datasets, models and maps (see library.py).

- library.py: Library, the API (workspaces, save/list/load/rename/delete/export, quotas, gc).
- records.py: DatasetRecord, ModelRecord, MapRecord, and the rules for names.
- schema.py: the SQLAlchemy Core tables and the database engine (SQLite in WAL mode, or any URL).
- rows.py: the queries, reading rows as records.
- store.py: the files by content hash, written whole or not at all.
"""

from .library import Library
from .records import DatasetRecord, MapRecord, ModelRecord

__all__ = ["DatasetRecord", "Library", "MapRecord", "ModelRecord"]
