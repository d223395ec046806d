"""A printable copy of an application, like the paper form: its numbers, then every answer,
section by section, as label and answer.

Pure: no Flask and no database. The caller passes the text already translated (and the answers
already worded); the font comes from ``housing.pdf_fonts.font_for``, which picks one for the
reader's script. ``application_pdf`` returns the document's bytes, the same bytes for the
same input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, WrapMode

from housing.pdf_fonts import FontChoice, clean_text, close_fonts, page_words, use_font


@dataclass(frozen=True)
class PrintedAnswer:
    label: str
    answer: str


@dataclass(frozen=True)
class PrintedSection:
    heading: str
    answers: Sequence[PrintedAnswer]


@dataclass(frozen=True)
class PrintedApplication:
    title: str
    # The numbers and dates that identify it, shown first.
    summary: Sequence[PrintedAnswer]
    sections: Sequence[PrintedSection]
    # With the placeholders {page} and {pages}.
    page: str
    # A line under the title, such as when the copy was made.
    note: str = ""


# A fixed date: the same answers give the same bytes (the copy says itself when it was made).
_CREATED = datetime(2000, 1, 1, tzinfo=UTC)
_MARGIN = 18.0
_TOP = 16.0
_BOTTOM = 20.0  # content stays above this distance from the bottom edge
_FOOTER_TOP = 13.0
_TITLE_SIZE = 16.0
_HEADING_SIZE = 12.5
_TEXT_SIZE = 10.0
_NOTE_SIZE = 8.5
_LINE = 5.0
_HEADING_LINE = 6.5
_LABEL_SHARE = 0.4
_GAP = 4.0
_GREY = 90
_RULE_GREY = 160


def application_pdf(
    document: PrintedApplication, *, font: FontChoice | None, right_to_left: bool = False
) -> bytes:
    """The application as a US Letter PDF.

    With ``font`` None the PDF uses the built-in Helvetica, which holds Latin-1 only: other
    characters are replaced by their nearest Latin-1 letters, or "?". ``right_to_left`` puts
    the labels on the right and aligns everything to the right."""
    pdf = FPDF(orientation="portrait", unit="mm", format="letter")
    try:
        pdf.set_auto_page_break(False)
        pdf.set_margins(_MARGIN, _TOP, _MARGIN)
        pdf.c_margin = 0.0
        pdf.set_creation_date(_CREATED)
        pdf.set_title(clean_text(document.title, core=font is None))
        use_font(pdf, font, _TEXT_SIZE)
        pdf.add_page()
        layout = _Layout(pdf, document, core=font is None, rtl=right_to_left)
        layout.run(layout.run(None))
        return bytes(pdf.output())
    finally:
        close_fonts(pdf)


class _Layout:
    """Places everything on pages. ``run(None)`` only measures and returns the number of pages;
    ``run(pages)`` draws, with ``pages`` as the total the footers give. Both make the same
    page breaks."""

    def __init__(self, pdf: FPDF, document: PrintedApplication, *, core: bool, rtl: bool) -> None:
        self.pdf = pdf
        self.document = document
        self.core = core
        self.rtl = rtl
        self.align = "R" if rtl else "L"
        self.left = _MARGIN
        self.width = pdf.w - 2 * _MARGIN
        self.label_width = self.width * _LABEL_SHARE
        self.answer_width = self.width - self.label_width - _GAP
        self.bottom = pdf.h - _BOTTOM
        self.pages: int | None = None
        self.page = 1
        self.y = _TOP
        self.wrapped: dict[tuple[str, float, float], list[str]] = {}

    @property
    def drawing(self) -> bool:
        return self.pages is not None

    def run(self, pages: int | None) -> int:
        self.pages = pages
        self.page = 1
        self.y = _TOP
        self._block(self.document.title, _TITLE_SIZE, 7.5)
        if self.document.note:
            self._block(self.document.note, _NOTE_SIZE, 4.2, grey=True)
        self.y += 3.0
        self._answers(self.document.summary)
        for section in self.document.sections:
            self.y += 4.0
            self._section(section)
        self._footer()
        return self.page

    def _new_page(self) -> None:
        if self.drawing:
            self._footer()
            self.pdf.add_page()
        self.page += 1
        self.y = _TOP

    def _footer(self) -> None:
        if self.pages is None:
            return
        words = page_words(self.document.page, self.page, self.pages)
        self.pdf.set_font(size=_NOTE_SIZE)
        self.pdf.set_text_color(_GREY)
        self._put(self.left, self.pdf.h - _FOOTER_TOP, self.width, 4.0, words, "C")
        self.pdf.set_text_color(0)

    def _put(
        self, x: float, top: float, width: float, height: float, words: str, align: str
    ) -> None:
        self.pdf.set_xy(x, top)
        self.pdf.cell(width, height, clean_text(words, core=self.core), align=align)

    def _wrap(self, words: str, size: float, width: float) -> list[str]:
        # Each text is wrapped once: both runs, and the check that a row fits, ask again.
        key = (words, size, width)
        if key not in self.wrapped:
            self.wrapped[key] = self._wrap_now(words, size, width)
        return self.wrapped[key]

    def _wrap_now(self, words: str, size: float, width: float) -> list[str]:
        words = clean_text(words, core=self.core) or " "
        self.pdf.set_font(size=size)
        result = self.pdf.multi_cell(
            width,
            _LINE,
            words,
            align=self.align,
            wrapmode=WrapMode.WORD,
            dry_run=True,
            output=MethodReturnValue.LINES,
        )
        return [str(line) for line in result] if isinstance(result, list) else [words]

    def _block(self, words: str, size: float, height: float, *, grey: bool = False) -> None:
        for line in self._wrap(words, size, self.width):
            if self.y + height > self.bottom:
                self._new_page()
            if self.drawing:
                self.pdf.set_font(size=size)
                self.pdf.set_text_color(_GREY if grey else 0)
                self._put(self.left, self.y, self.width, height, line, self.align)
                self.pdf.set_text_color(0)
            self.y += height

    def _section(self, section: PrintedSection) -> None:
        heading = self._wrap(section.heading, _HEADING_SIZE, self.width)
        first = section.answers[0] if section.answers else None
        needed = _HEADING_LINE * len(heading) + 2.0 + (self._height(first) if first else 0.0)
        if self.y + needed > self.bottom:
            self._new_page()
        for line in heading:
            if self.drawing:
                self.pdf.set_font(size=_HEADING_SIZE)
                self._put(self.left, self.y, self.width, _HEADING_LINE, line, self.align)
            self.y += _HEADING_LINE
        if self.drawing:
            self.pdf.set_draw_color(_RULE_GREY)
            self.pdf.set_line_width(0.2)
            self.pdf.line(self.left, self.y + 0.5, self.left + self.width, self.y + 0.5)
        self.y += 2.0
        self._answers(section.answers)

    def _height(self, row: PrintedAnswer) -> float:
        label, answer = self._row_lines(row)
        return _LINE * max(len(label), len(answer))

    def _row_lines(self, row: PrintedAnswer) -> tuple[list[str], list[str]]:
        return (
            self._wrap(row.label, _TEXT_SIZE, self.label_width),
            self._wrap(row.answer, _TEXT_SIZE, self.answer_width),
        )

    def _answers(self, rows: Sequence[PrintedAnswer]) -> None:
        if self.rtl:
            label_x = self.left + self.width - self.label_width
            answer_x = self.left
        else:
            label_x = self.left
            answer_x = self.left + self.label_width + _GAP
        for row in rows:
            label, answer = self._row_lines(row)
            # A short answer stays on one page with its label.
            if len(label) + len(answer) <= 12 and self.y + self._height(row) > self.bottom:
                self._new_page()
            for index in range(max(len(label), len(answer))):
                if self.y + _LINE > self.bottom:
                    self._new_page()
                if self.drawing:
                    self.pdf.set_font(size=_TEXT_SIZE)
                    if index < len(label):
                        self.pdf.set_text_color(_GREY)
                        self._put(
                            label_x, self.y, self.label_width, _LINE, label[index], self.align
                        )
                        self.pdf.set_text_color(0)
                    if index < len(answer):
                        self._put(
                            answer_x, self.y, self.answer_width, _LINE, answer[index], self.align
                        )
                self.y += _LINE
            self.y += 1.2
