"""Tables written a row at a time to a file: CSV, or XLSX in openpyxl's write-only mode,
which keeps each sheet's rows on disk rather than in memory."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Sequence
from typing import IO, Any, Protocol

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from housing.exports.rows import Cell

# Excel refuses these in a sheet's name, and names longer than 31 characters.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LENGTH = 31


class TableWriter(Protocol):
    # True when every sheet goes into one table (CSV): a row then says which list it is on.
    one_table: bool

    def begin(self, title: str, headings: Sequence[str]) -> None: ...

    def row(self, values: Sequence[Cell]) -> None: ...

    def finish(self) -> None: ...


class CsvWriter:
    """One table; a byte-order mark first, so that Excel opens UTF-8 as UTF-8."""

    one_table = True

    def __init__(self, target: IO[bytes]) -> None:
        target.write(codecs.BOM_UTF8)
        self._text = codecs.getwriter("utf-8")(target)
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._started = False

    def begin(self, title: str, headings: Sequence[str]) -> None:
        if not self._started:
            self._csv.writerow(headings)
            self._started = True

    def row(self, values: Sequence[Cell]) -> None:
        self._csv.writerow(["" if value is None else value for value in values])

    def finish(self) -> None:
        self._text.flush()


class XlsxWriter:
    """A workbook with a sheet per ``begin``."""

    one_table = False

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self._book = Workbook(write_only=True)
        self._sheet: Any = None
        self._titles: set[str] = set()

    def begin(self, title: str, headings: Sequence[str]) -> None:
        self._sheet = self._book.create_sheet(self._unique_title(title))
        self._sheet.append(list(headings))

    def row(self, values: Sequence[Cell]) -> None:
        assert self._sheet is not None  # noqa: S101 - begin comes first
        # An empty cell is left out of the file (None), not written as an empty string.
        self._sheet.append(
            [
                (ILLEGAL_CHARACTERS_RE.sub("", v) or None) if v.__class__ is str else v
                for v in values
            ]
        )

    def finish(self) -> None:
        if self._sheet is None:  # a workbook needs a sheet
            self._book.create_sheet("-")
        self._book.save(self._target)

    def _unique_title(self, title: str) -> str:
        base = _SHEET_NAME_FORBIDDEN.sub(" ", title).strip().strip("'") or "-"
        candidate = base[:SHEET_NAME_LENGTH]
        number = 2
        while candidate.lower() in self._titles:
            suffix = f" ({number})"
            candidate = base[: SHEET_NAME_LENGTH - len(suffix)] + suffix
            number += 1
        self._titles.add(candidate.lower())
        return candidate


def table_writer(file_format: str, target: IO[bytes]) -> TableWriter:
    if file_format == "xlsx":
        return XlsxWriter(target)
    return CsvWriter(target)
