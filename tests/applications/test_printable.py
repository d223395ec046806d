"""The printable copy of an application: every answer is in it, in the reader's script."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from housing.applications.printable import (
    PrintedAnswer,
    PrintedApplication,
    PrintedSection,
    application_pdf,
)
from housing.pdf_fonts import font_for

FONT_DIRS = ["/usr/share/fonts"]


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def squeezed(pdf: bytes) -> str:
    return re.sub(r"[\s\x00]+", "", text_of(pdf))


def document(
    *, title: str, labels: tuple[str, str, str], answers: tuple[str, str], page: str
) -> PrintedApplication:
    return PrintedApplication(
        title=title,
        summary=[
            PrintedAnswer(labels[0], "K7M2Q9PX4R"),
            PrintedAnswer(labels[1], "48213377"),
        ],
        sections=[
            PrintedSection(labels[2], [PrintedAnswer(labels[2], answers[0])]),
            PrintedSection(answers[1], [PrintedAnswer(answers[1], "120 Harbor Way, Apt 4")]),
        ],
        page=page,
    )


def test_english_has_every_answer_and_the_same_input_gives_the_same_bytes() -> None:
    members = [
        PrintedAnswer(f"Household member {number}", f"Person {number} · 2012-06-01 · Child")
        for number in range(1, 9)
    ]
    printed = PrintedApplication(
        title="Application for Harbor Flats Commons",
        summary=[
            PrintedAnswer("Application number", "K7M2Q9PX4R"),
            PrintedAnswer("Lottery number", "48213377"),
        ],
        sections=[
            PrintedSection("Your household", members * 6),
            PrintedSection("Income and vouchers", [PrintedAnswer("Income", "$5,500 per month")]),
        ],
        page="Page {page} of {pages}",
    )
    pdf = application_pdf(printed, font=None)
    text = text_of(pdf)

    assert pdf == application_pdf(printed, font=None)
    for words in ("K7M2Q9PX4R", "48213377", "Income and vouchers", "$5,500 per month"):
        assert words in text
    pages = len(PdfReader(BytesIO(pdf)).pages)
    assert pages > 1  # 48 members run over a page
    assert f"Page {pages} of {pages}" in text
    assert text.count("Person 8") == 6


def test_spanish_with_the_built_in_font() -> None:
    printed = document(
        title="Solicitud para Harbor Flats Commons",
        labels=("Número de solicitud", "Número de lotería", "Su hogar"),
        answers=("Ana López · Niña", "Dirección de domicilio"),
        page="Página {page} de {pages}",
    )
    text = text_of(application_pdf(printed, font=None))
    for words in ("Número de solicitud", "Su hogar", "Ana López", "Página 1 de 1"):
        assert words in text


def test_arabic_is_shaped_right_to_left_with_latin_answers() -> None:
    font = font_for("ar", FONT_DIRS)
    if font is None:
        pytest.skip("no Arabic font or no HarfBuzz on this machine")
    printed = document(
        title="طلب لـ Harbor Flats Commons",
        labels=("رقم الطلب", "رقم القرعة", "أسرتك"),
        answers=("آنا لوبيز", "عنوان المنزل"),
        page="صفحة {page} من {pages}",
    )
    pdf = application_pdf(printed, font=font, right_to_left=True)
    text = text_of(pdf)

    for words in ("رقم الطلب", "رقم القرعة", "أسرتك", "آنا لوبيز", "عنوان المنزل"):
        assert words in text, words
    assert "K7M2Q9PX4R" in text  # Latin letters come from the fallback font
    assert "120 Harbor Way" in text


def test_traditional_chinese_uses_a_cjk_font() -> None:
    font = font_for("zh_Hant", FONT_DIRS)
    if font is None:
        pytest.skip("no Traditional Chinese font on this machine")
    printed = document(
        title="申請\uff1aHarbor Flats Commons",
        labels=("申請編號", "抽籤號碼", "您的家庭"),
        answers=("安娜 · 子女", "住家地址"),
        page="第 {page} 頁\uff0c共 {pages} 頁",
    )
    found = squeezed(application_pdf(printed, font=font))
    for words in ("申請編號", "抽籤號碼", "您的家庭", "安娜", "住家地址", "第1頁\uff0c共1頁"):
        assert words in found, words
    assert "K7M2Q9PX4R" in found
