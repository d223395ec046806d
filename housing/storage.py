"""Where uploaded and generated files live.

A small interface so that production can swap the local folder for an S3-compatible store.
Keys are random and carry no part of the uploader's file name.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import BinaryIO, Protocol


class StorageError(Exception):
    """A file could not be stored or found."""


class Storage(Protocol):
    def save(self, stream: BinaryIO, *, suffix: str = "") -> str: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in a folder outside the web root, under random names."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise StorageError(f"Invalid storage key {key!r}")
        return self.root / key[:2] / key

    def save(self, stream: BinaryIO, *, suffix: str = "") -> str:
        if suffix and not (suffix.startswith(".") and suffix[1:].isalnum()):
            raise StorageError(f"Invalid suffix {suffix!r}")
        key = secrets.token_hex(16) + suffix
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as target:
            shutil.copyfileobj(stream, target)
        partial.replace(path)
        return key

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise StorageError(f"No stored file {key!r}") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
