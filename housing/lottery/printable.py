"""Published lottery results as a printable PDF: lottery numbers only, in rank order, one
section per list, the way cities post them.

Pure: no Flask and no database. The caller passes text already translated, the ranked
numbers and the font (``housing.pdf_fonts.font_for`` picks one for the reader's language), and
``results_pdf`` returns the document's bytes, the same bytes for the same input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, WrapMode

from housing.pdf_fonts import FontChoice, clean_text, close_fonts, page_words, use_font


@dataclass(frozen=True)
class PrintableList:
    heading: str
    numbers: Sequence[str]


@dataclass(frozen=True)
class PrintableText:
    title: str
    lines: Sequence[str]
    rank_heading: str
    number_heading: str
    empty: str
    page: str


# Rendering ----------------------------------------------------------------------------------

_CREATED = datetime(2000, 1, 1, tzinfo=UTC)
_MARGIN = 15.0
_TOP = 15.0
_CONTENT_BOTTOM = 18.0  # distance from the bottom edge that content stays above
_FOOTER_TOP = 13.0  # distance from the bottom edge to the top of the footer line
_COLUMNS = 4
_TITLE_SIZE = 16.0
_LINE_SIZE = 9.0
_HEADING_SIZE = 12.5
_HEADER_SIZE = 8.0
_NUMBER_SIZE = 9.5
_FOOTER_SIZE = 8.0
_ROW = 4.3
_HEADER_ROW = 5.0
_GAP = 2.5
_MIN_ROWS = 3
_GREY = 90


def results_pdf(
    text: PrintableText,
    lists: Sequence[PrintableList],
    *,
    font: FontChoice | None,
    right_to_left: bool = False,
) -> bytes:
    """The results as a US Letter PDF.

    With ``font`` None the PDF uses the built-in Helvetica, which holds Latin-1 only: other
    characters are replaced by their nearest Latin-1 letters, or "?". ``right_to_left``
    aligns text to the right and mirrors the columns; ranks and numbers stay digits."""
    pdf = FPDF(orientation="portrait", unit="mm", format="letter")
    try:
        return _render(pdf, text, lists, font=font, right_to_left=right_to_left)
    finally:
        close_fonts(pdf)


def _render(
    pdf: FPDF,
    text: PrintableText,
    lists: Sequence[PrintableList],
    *,
    font: FontChoice | None,
    right_to_left: bool,
) -> bytes:
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN, _TOP, _MARGIN)
    pdf.c_margin = 0.0
    pdf.set_creation_date(_CREATED)
    pdf.set_title(clean_text(text.title, core=font is None))
    use_font(pdf, font, _LINE_SIZE)
    pdf.add_page()
    plain = font is None or (font.fallback is None and not font.shaping)
    layout = _Layout(pdf, text, lists, core=font is None, plain=plain, rtl=right_to_left)
    layout.run(layout.run(None))
    return bytes(pdf.output())


class _Layout:
    """Places everything on pages.

    ``run(None)`` only measures and returns the number of pages; ``run(pages)`` draws, with
    ``pages`` as the total that the footers give. Both runs make the same page breaks."""

    def __init__(
        self,
        pdf: FPDF,
        text: PrintableText,
        lists: Sequence[PrintableList],
        *,
        core: bool,
        plain: bool,
        rtl: bool,
    ) -> None:
        self.pdf = pdf
        self.core = core
        self.plain = plain
        self.widths: dict[tuple[str, float], float] = {}
        self.text = text
        self.lists = lists
        self.align = "R" if rtl else "L"
        self.rtl = rtl
        self.left = _MARGIN
        self.width = pdf.w - 2 * _MARGIN
        self.bottom = pdf.h - _CONTENT_BOTTOM
        self.pages: int | None = None
        self.page = 1
        self.y = _TOP
        self.pair = self.width / _COLUMNS

        pdf.set_font(size=_NUMBER_SIZE)
        widths = {pdf.get_string_width(digit) for digit in "0123456789"}
        self.digit = max(widths)
        self.tabular = len(widths) == 1
        longest = max((len(entry.numbers) for entry in lists), default=1)
        self.rank_width = max(self.digit * len(str(longest)), self.pair * 0.28)

        self.rank_label = clean_text(text.rank_heading, core=core)
        self.number_label = clean_text(text.number_heading, core=core)
        self.header_size = self._header_size()

    def run(self, pages: int | None) -> int:
        self.pages = pages
        self.page = 1
        self.y = _TOP
        self._block(self.text.title, _TITLE_SIZE, 7.0)
        self.y += 1.5
        for line in self.text.lines:
            self._block(line, _LINE_SIZE, 4.2, grey=True)
        self.y += 5.0
        for entry in self.lists:
            self._list(entry)
            self.y += 5.0
        self._footer()
        return self.page

    # Pages and text blocks

    @property
    def drawing(self) -> bool:
        return self.pages is not None

    def _new_page(self) -> None:
        if self.drawing:
            self._footer()
            self.pdf.add_page()
        self.page += 1
        self.y = _TOP

    def _footer(self) -> None:
        if self.pages is None:
            return
        words = clean_text(page_words(self.text.page, self.page, self.pages), core=self.core)
        self.pdf.set_font(size=_FOOTER_SIZE)
        self.pdf.set_text_color(_GREY)
        self._put(self.left, self.pdf.h - _FOOTER_TOP, self.width, 4.0, words, "C")
        self.pdf.set_text_color(0)

    def _put(
        self, x: float, top: float, width: float, height: float, words: str, align: str
    ) -> None:
        """One line of text in the box from ``x`` to ``x + width``: with ``text()`` where no
        shaping or fallback font is involved (much faster than a cell), else with a cell."""
        pdf = self.pdf
        if not self.plain:
            pdf.set_xy(x, top)
            pdf.cell(width, height, words, align=align)
            return
        key = (words, pdf.font_size_pt)
        if key not in self.widths:
            self.widths[key] = pdf.get_string_width(words)
        slack = width - self.widths[key]
        shift = slack if align == "R" else slack / 2 if align == "C" else 0.0
        pdf.text(x + shift, top + 0.5 * height + 0.3 * pdf.font_size, words)

    def _wrap(self, words: str, size: float, height: float) -> list[str]:
        words = clean_text(words, core=self.core)
        self.pdf.set_font(size=size)
        result = self.pdf.multi_cell(
            self.width,
            height,
            words,
            align=self.align,
            wrapmode=WrapMode.WORD,
            dry_run=True,
            output=MethodReturnValue.LINES,
        )
        return [str(line) for line in result] if isinstance(result, list) else [words]

    def _block(self, words: str, size: float, height: float, *, grey: bool = False) -> None:
        lines = self._wrap(words, size, height)
        self._lines(lines, size, height, grey=grey)

    def _lines(self, lines: Sequence[str], size: float, height: float, *, grey: bool) -> None:
        for line in lines:
            if self.y + height > self.bottom:
                self._new_page()
            if self.drawing:
                self.pdf.set_font(size=size)
                if grey:
                    self.pdf.set_text_color(_GREY)
                self._put(self.left, self.y, self.width, height, line, self.align)
                self.pdf.set_text_color(0)
            self.y += height

    # Lists

    def _list(self, entry: PrintableList) -> None:
        heading = self._wrap(entry.heading, _HEADING_SIZE, 6.0)
        heading_height = 6.0 * len(heading) + 1.0
        total = len(entry.numbers)
        if total == 0:
            empty = self._wrap(self.text.empty, _LINE_SIZE, 4.5)
            if self.y + heading_height + 4.5 * len(empty) > self.bottom:
                self._new_page()
            self._lines(heading, _HEADING_SIZE, 6.0, grey=False)
            self.y += 1.0
            self._lines(empty, _LINE_SIZE, 4.5, grey=True)
            return
        start = 0
        while start < total:
            remaining = total - start
            wanted = math.ceil(remaining / _COLUMNS)
            room = self._rows_below(self.y + heading_height + _HEADER_ROW)
            if room < min(_MIN_ROWS, wanted):
                self._new_page()
                room = self._rows_below(self.y + heading_height + _HEADER_ROW)
            self._lines(heading, _HEADING_SIZE, 6.0, grey=False)
            self.y += 1.0
            rows = max(1, min(room, wanted))
            count = min(remaining, rows * _COLUMNS)
            columns = math.ceil(count / rows)
            if self.drawing:
                self._draw_header(columns)
            self.y += _HEADER_ROW
            if self.drawing:
                self._draw_numbers(entry.numbers, start, count, rows)
            self.y += rows * _ROW
            start += count
            if start < total:
                self._new_page()

    def _rows_below(self, top: float) -> int:
        return max(0, math.floor((self.bottom - top) / _ROW + 1e-9))

    def _header_size(self) -> float:
        self.pdf.set_font(size=_HEADER_SIZE)
        rank = self.pdf.get_string_width(self.rank_label)
        number = self.pdf.get_string_width(self.number_label)
        room = self.pair - self.rank_width - _GAP - 1.0
        scale = min(
            1.0,
            self.rank_width / rank if rank else 1.0,
            room / number if number else 1.0,
        )
        return max(4.0, _HEADER_SIZE * scale)

    def _column_edges(self, column: int) -> tuple[float, float]:
        """Where the rank ends and the number starts (left to right), or where the rank ends
        and the number ends (right to left, both right edges)."""
        if self.rtl:
            right = self.left + (_COLUMNS - column) * self.pair
            return right, right - self.rank_width - _GAP
        left = self.left + column * self.pair
        return left + self.rank_width, left + self.rank_width + _GAP

    def _draw_header(self, columns: int) -> None:
        pdf = self.pdf
        pdf.set_font(size=self.header_size)
        pdf.set_text_color(_GREY)
        for column in range(columns):
            rank_edge, number_edge = self._column_edges(column)
            height = _HEADER_ROW - 1.0
            self._put(
                rank_edge - self.rank_width, self.y, self.rank_width, height, self.rank_label, "R"
            )
            room = self.pair - self.rank_width - _GAP - 1.0
            if self.rtl:
                self._put(number_edge - room, self.y, room, height, self.number_label, "R")
            else:
                self._put(number_edge, self.y, room, height, self.number_label, "L")
        pdf.set_text_color(0)
        pdf.set_draw_color(_GREY)
        pdf.set_line_width(0.2)
        if self.rtl:
            start = self.left + (_COLUMNS - columns) * self.pair
            pdf.line(
                start + 3.0,
                self.y + _HEADER_ROW - 0.6,
                self.left + self.width,
                self.y + _HEADER_ROW - 0.6,
            )
        else:
            end = self.left + columns * self.pair - 3.0
            pdf.line(self.left, self.y + _HEADER_ROW - 0.6, end, self.y + _HEADER_ROW - 0.6)

    def _width(self, digits: str) -> float:
        if self.tabular and digits.isdigit() and digits.isascii():
            return self.digit * len(digits)
        return self.pdf.get_string_width(digits)

    def _draw_numbers(self, numbers: Sequence[str], start: int, count: int, rows: int) -> None:
        pdf = self.pdf
        pdf.set_font(size=_NUMBER_SIZE)
        put = pdf.text
        width = self._width
        core = self.core
        baselines = [self.y + (row + 1) * _ROW - 1.1 for row in range(rows)]
        for column in range(math.ceil(count / rows)):
            rank_edge, number_edge = self._column_edges(column)
            first = column * rows
            for offset in range(first, min(count, first + rows)):
                baseline = baselines[offset - first]
                rank = str(start + offset + 1)
                put(rank_edge - width(rank), baseline, rank)
                number = numbers[start + offset]
                if not (number.isascii() and number.isprintable()):
                    number = clean_text(number, core=core)
                if self.rtl:
                    put(number_edge - width(number), baseline, number)
                else:
                    put(number_edge, baseline, number)
