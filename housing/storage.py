"""Where uploaded and generated files live.

A small interface so that production can swap the local folder for an S3-compatible store
(``housing.storage_s3``). Keys are random and carry no part of the uploader's file name.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

if TYPE_CHECKING:
    from housing.config import Config


class StorageError(Exception):
    """A file could not be stored or found."""


class StorageUnavailable(Exception):
    """The store itself failed (unreachable, refusing, or its bucket missing): unlike a missing
    file, not something a request can answer with "not found"."""


class Storage(Protocol):
    def save(self, stream: BinaryIO, *, suffix: str = "") -> str: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...


def new_key(suffix: str) -> str:
    """A random key ending in a checked suffix such as ".pdf"."""
    if suffix and not (suffix.startswith(".") and suffix[1:].isalnum()):
        raise StorageError(f"Invalid suffix {suffix!r}")
    return secrets.token_hex(16) + suffix


def checked_key(key: str) -> str:
    """The key, if it is one this module could have made: no path in it."""
    if not key or "/" in key or "\\" in key or key.startswith("."):
        raise StorageError(f"Invalid storage key {key!r}")
    return key


def storage_for(config: Config) -> Storage:
    """The bucket when one is configured, otherwise the local folder."""
    if config.s3 is not None:
        from housing.storage_s3 import S3Storage

        return S3Storage.from_config(config.s3)
    return LocalStorage(config.storage_folder)


class LocalStorage:
    """Files in a folder outside the web root, under random names."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / checked_key(key)

    def save(self, stream: BinaryIO, *, suffix: str = "") -> str:
        key = new_key(suffix)
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
