from __future__ import annotations

import io

import pytest

from housing.storage import LocalStorage, StorageError


def test_files_round_trip_under_random_names(tmp_path):
    storage = LocalStorage(tmp_path)
    first = storage.save(io.BytesIO(b"one"), suffix=".pdf")
    second = storage.save(io.BytesIO(b"one"), suffix=".pdf")

    assert first != second and first.endswith(".pdf")
    with storage.open(first) as handle:
        assert handle.read() == b"one"
    assert not list(tmp_path.rglob("*.partial"))

    storage.delete(first)
    with pytest.raises(StorageError):
        storage.open(first)


@pytest.mark.parametrize("key", ["../secret", "a/b", "", ".hidden", "..\\x"])
def test_keys_cannot_escape_the_folder(tmp_path, key):
    with pytest.raises(StorageError):
        LocalStorage(tmp_path).open(key)


@pytest.mark.parametrize("suffix", ["../x", ".p/df", "pdf", ".pdf;rm"])
def test_suffixes_are_checked(tmp_path, suffix):
    with pytest.raises(StorageError):
        LocalStorage(tmp_path).save(io.BytesIO(b"x"), suffix=suffix)
