"""The printable results PDF: what a reader finds in it, page by page, in each script."""

from __future__ import annotations

import importlib.util
import random
import re
import time
from collections import Counter
from io import BytesIO
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection
from pypdf import PageObject, PdfReader

from housing import create_app
from housing.lottery.printable import PrintableList, PrintableText, results_pdf
from housing.pdf_fonts import FontChoice, font_for, site_font
from tests.conftest import make_config

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
NOTO_ARABIC = NOTO_DIR / "NotoSansArabic-Regular.ttf"
NOTO_SANS = NOTO_DIR / "NotoSans-Regular.ttf"
NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

ENGLISH = PrintableText(
    title="Lottery results: Maple Court",
    lines=[
        "Published 1 May 2024",
        "Result SHA-256: " + "3f9a" * 16,
        "Bundle: https://housing.example.org/listings/42/lottery/bundle.json?" + "q" * 160,
    ],
    rank_heading="Rank",
    number_heading="Lottery number",
    empty="Nobody holds this preference.",
    page="Page {page} of {pages}",
)


def numbers(count: int, seed: int) -> list[str]:
    return [f"{n:08d}" for n in random.Random(seed).sample(range(10_000_000, 100_000_000), count)]


def read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF-")
    return PdfReader(BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in read(pdf).pages]


def pieces(pdf: bytes) -> list[list[str]]:
    """The text each page shows, one piece per text operation, in the order it is drawn.

    NUL characters are dropped: pypdf reads the two-byte codes of an embedded CID CMap one
    byte at a time."""
    return [page_pieces(page) for page in read(pdf).pages]


def page_pieces(page: PageObject) -> list[str]:
    found: list[str] = []

    def visit(text: str, *_: object) -> None:
        text = text.replace("\x00", "").strip()
        if text:
            found.append(text)

    page.extract_text(visitor_text=visit)
    return found


def ranked(texts: list[str]) -> list[tuple[int, str]]:
    """(rank, lottery number) pairs: a rank drawn right before an eight-digit number."""
    found = []
    index = 0
    while index < len(texts) - 1:
        rank, number = texts[index], texts[index + 1]
        if rank.isdigit() and len(number) == 8 and number.isdigit():
            found.append((int(rank), number))
            index += 2
        else:
            index += 1
    return found


def everything(pdf: bytes) -> list[str]:
    return [piece for page in pieces(pdf) for piece in page]


def x_of(pdf: bytes, wanted: str) -> float:
    """Where, from the left edge in points, the first piece of text holding ``wanted`` starts."""
    found: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if wanted in text and not found:
            found.append(tm[4])

    read(pdf).pages[0].extract_text(visitor_text=visit)
    assert found, wanted
    return found[0]


def test_small_results_show_title_headings_and_ranked_numbers() -> None:
    lists = [
        PrintableList("Certificate of Preference", numbers(7, 1)),
        PrintableList("Displaced Tenant", []),
        PrintableList("General", numbers(30, 2)),
    ]
    pdf = results_pdf(ENGLISH, lists, font=None)
    (text,) = page_texts(pdf)

    places = [
        text.index(ENGLISH.title),
        text.index("Result SHA-256: " + "3f9a" * 16),
        text.index("Certificate of Preference"),
        text.index("Displaced Tenant"),
        text.index("Nobody holds this preference."),
        text.index("General"),
    ]
    assert places == sorted(places)
    assert "Page 1 of 1" in text
    assert "https://housing.example.org/listings/42/lottery/bundle.json?" in text
    assert "q" * 160 in text.replace("\n", "")  # the long address is wrapped, not cut
    assert text.count("Rank") == text.count("Lottery number") >= 2

    shown = everything(pdf)
    first, empty, general = (shown.index(entry.heading) for entry in lists)
    assert ranked(shown[first:empty]) == list(enumerate(lists[0].numbers, start=1))
    assert shown[empty:general] == ["Displaced Tenant", "Nobody holds this preference."]
    assert ranked(shown[general:]) == list(enumerate(lists[2].numbers, start=1))


def test_a_long_list_runs_over_pages_with_headers_repeated_and_every_number_once() -> None:
    drawn = numbers(1000, 3)
    pdf = results_pdf(
        ENGLISH,
        [PrintableList("Live/work in the city", numbers(5, 4)), PrintableList("General", drawn)],
        font=None,
    )
    texts = page_texts(pdf)
    pages = len(texts)

    assert pages >= 4
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {pages}" in text
        if number > 1:  # the list goes on: its heading and the column header are repeated
            assert "General" in text
            assert "Rank" in text and "Lottery number" in text

    shown = pieces(pdf)
    general = ranked(shown[0][shown[0].index("General") :])
    for page in shown[1:]:
        assert page[:3] == ["General", "Rank", "Lottery number"]
        general += ranked(page)
    assert general == list(enumerate(drawn, start=1))
    counts = Counter(piece for page in shown for piece in page)
    assert all(counts[number] == 1 for number in drawn)


def test_the_same_results_give_the_same_bytes() -> None:
    lists = [PrintableList("General", numbers(500, 5)), PrintableList("Veterans", [])]
    first = results_pdf(ENGLISH, lists, font=None)
    time.sleep(1.1)  # a clock read while rendering would now show
    assert first == results_pdf(ENGLISH, lists, font=None)
    font = font_for("vi", [str(DEJAVU.parent)])
    first = results_pdf(ENGLISH, lists, font=font)
    assert first == results_pdf(ENGLISH, lists, font=font)
    assert first != results_pdf(ENGLISH, lists[:1], font=font)


def test_spanish_renders_with_the_built_in_font() -> None:
    spanish = PrintableText(
        title="Resultados del sorteo: Edificio Peñasco",
        lines=["Publicado el 1 de mayo de 2024", "Sí: ¿dónde? ¡Aquí! Ñandú, güero, «cita»"],
        rank_heading="Clasificación",
        number_heading="Número de sorteo",
        empty="Nadie tiene esta preferencia.",
        page="Página {page} de {pages}",
    )
    lists = [
        PrintableList("Certificado de preferencia", numbers(3, 6)),
        PrintableList("Inquilino desplazado", []),
    ]
    pdf = results_pdf(spanish, lists, font=None)
    (text,) = page_texts(pdf)

    for words in (
        spanish.title,
        spanish.lines[1],
        "Clasificación",
        "Número de sorteo",
        "Certificado de preferencia",
        "Nadie tiene esta preferencia.",
        "Página 1 de 1",
    ):
        assert words in text
    assert ranked(everything(pdf)) == list(enumerate(lists[0].numbers, start=1))


def test_the_built_in_font_takes_any_latin1_and_stands_in_for_the_rest() -> None:
    latin1 = "".join(map(chr, range(0x20, 0x100)))
    other = PrintableText(
        title=latin1,
        lines=["“Quoted” — dash… 10 €", "Đà Nẵng 楓樹苑", "tab\there\x00\x85"],
        rank_heading="Rank",
        number_heading="Number",
        empty="—",
        page="Page {page} of {pages} {unknown}",
    )
    (text,) = page_texts(
        results_pdf(other, [PrintableList("Ñ", ["00000001"]), PrintableList("x", [])], font=None)
    )

    joined = text.replace("\n", "")
    assert "abcdefghijklmnopqrstuvwxyz{|}~" in joined
    assert "¡¢£¤¥¦§¨©ª«¬" in joined  # the soft hyphen after these may break the line
    assert "".join(map(chr, range(0xAE, 0x100))) in joined
    assert '"Quoted" - dash... 10 EUR' in text
    assert "Dà Nang ???" in text
    assert "1 / 1" in text  # a page format with an unknown placeholder falls back


def test_right_to_left_aligns_text_right_and_keeps_ranks_in_order() -> None:
    lists = [PrintableList("General", numbers(9, 7))]
    left = results_pdf(ENGLISH, lists, font=None)
    right = results_pdf(ENGLISH, lists, font=None, right_to_left=True)

    width = float(read(right).pages[0].mediabox.width)
    assert x_of(left, ENGLISH.title) < width / 4
    assert x_of(right, ENGLISH.title) > width / 2
    assert x_of(right, "General") > width / 2
    assert x_of(right, lists[0].numbers[0]) > x_of(right, lists[0].numbers[-1])
    assert ranked(everything(right)) == list(enumerate(lists[0].numbers, start=1))


@pytest.mark.parametrize("locale", ["en", "es", "fil", "vi", "ar", "zh_Hant"])
def test_no_font_is_offered_from_an_empty_folder(locale: str, tmp_path: Path) -> None:
    assert font_for(locale, [str(tmp_path)]) is None
    assert font_for(locale, [str(tmp_path / "missing")]) is None


def test_an_unknown_script_gets_no_font() -> None:
    assert font_for("ru") is None
    assert font_for("ko") is None


def test_the_sites_font_folder_is_searched_first(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    (fonts / "deep").mkdir(parents=True)
    app = create_app(make_config("sqlite://", tmp_path, pdf_fonts_folder=fonts))
    with app.app_context():
        if DEJAVU.exists():
            (fonts / "deep" / DEJAVU.name).symlink_to(DEJAVU)
            assert site_font("vi") == FontChoice(path=fonts / "deep" / DEJAVU.name)
        else:
            assert site_font("vi") is None


def test_vietnamese_renders_with_a_unicode_font() -> None:
    font = font_for("vi", [str(DEJAVU.parent)])
    if not DEJAVU.exists():
        assert font is None
        return
    assert font == FontChoice(path=DEJAVU)
    vietnamese = PrintableText(
        title="Kết quả xổ số: Tòa nhà Maple Court",
        lines=["Ngày công bố: 01/05/2024"],
        rank_heading="Thứ hạng",
        number_heading="Số xổ số",
        empty="Không ai có quyền ưu tiên này.",
        page="Trang {page} / {pages}",
    )
    lists = [
        PrintableList("Giấy chứng nhận ưu tiên", numbers(6, 8)),
        PrintableList("Người thuê nhà bị di dời", []),
    ]
    pdf = results_pdf(vietnamese, lists, font=font)
    (text,) = page_texts(pdf)

    for words in (
        vietnamese.title,
        "Thứ hạng",
        "Số xổ số",
        "Giấy chứng nhận ưu tiên",
        "Người thuê nhà bị di dời",
        "Không ai có quyền ưu tiên này.",
        "Trang 1 / 1",
    ):
        assert words in text
    assert ranked(everything(pdf)) == list(enumerate(lists[0].numbers, start=1))


def test_arabic_is_shaped_with_a_latin_fallback() -> None:
    font = font_for("ar", [str(NOTO_DIR)])
    if not (NOTO_ARABIC.exists() and NOTO_SANS.exists() and importlib.util.find_spec("uharfbuzz")):
        assert font is None
        return
    assert font == FontChoice(path=NOTO_ARABIC, fallback=NOTO_SANS, shaping=True)
    arabic = PrintableText(
        title="نتائج القرعة",
        lines=[
            "https://housing.example.org/42/bundle.json",
            "بصمة النتائج SHA-256: " + "3f9a" * 16,
        ],
        rank_heading="الترتيب",
        number_heading="رقم القرعة",
        empty="لا أحد",
        page="صفحة {page} من {pages}",
    )
    lists = [PrintableList("القائمة العامة", numbers(300, 9))]
    pdf = results_pdf(arabic, lists, font=font, right_to_left=True)
    texts = page_texts(pdf)

    assert pdf == results_pdf(arabic, lists, font=font, right_to_left=True)
    assert arabic.title in texts[0]
    assert "3f9a" * 16 in texts[0]  # Latin letters come from the fallback font
    assert "بصمة النتائج" in texts[0]  # on the same line as Latin ones, after a Latin line
    width = float(read(pdf).pages[0].mediabox.width)
    assert x_of(pdf, lists[0].numbers[0]) > width / 2
    assert ranked(everything(pdf)) == list(enumerate(lists[0].numbers, start=1))


def test_traditional_chinese_uses_the_tc_face_of_the_collection() -> None:
    font = font_for("zh_Hant", [str(NOTO_CJK.parent)])
    if not NOTO_CJK.exists():
        assert font is None
        return
    assert font is not None and font.path == NOTO_CJK
    with TTCollection(str(NOTO_CJK), lazy=True) as collection:
        assert collection.fonts[font.index]["name"].getDebugName(1) == "Noto Sans CJK TC"
    chinese = PrintableText(
        title="抽籤結果\uff1a楓樹苑",
        lines=["公布日期\uff1a2024年5月1日"],
        rank_heading="排名",
        number_heading="抽籤號碼",
        empty="沒有人持有此優先權。",
        page="第 {page} 頁\uff0c共 {pages} 頁",
    )
    lists = [PrintableList("優先權證書", numbers(4, 10)), PrintableList("一般名單", [])]
    pdf = results_pdf(chinese, lists, font=font)
    squeezed = re.sub(r"[\s\x00]+", "", "".join(page_texts(pdf)))

    for words in (
        "抽籤結果\uff1a楓樹苑",
        "排名",
        "抽籤號碼",
        "優先權證書",
        "沒有人持有此優先權。",
        "第1頁\uff0c共1頁",
    ):
        assert words in squeezed
    assert ranked(everything(pdf)) == list(enumerate(lists[0].numbers, start=1))
