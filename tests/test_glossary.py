"""The glossary check: one term per concept per locale, in the shipped catalogs and in
catalogs built here to break it."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from housing.glossary import check_glossary, load_glossary
from housing.i18n import DEFAULT_LOCALE, LOCALE_CODES
from housing.translation_check import check_catalogs
from tests.test_i18n import copy_catalogs


@pytest.fixture
def glossary(project_root: Path):
    return load_glossary(project_root / "translations" / "glossary.toml")


def catalog_of(code: str, *messages: tuple[str, str]) -> Catalog:
    catalog = Catalog(locale=code)
    for msgid, msgstr in messages:
        catalog.add(msgid, msgstr)
    return catalog


def shipped_catalogs(project_root: Path) -> dict[str, Catalog]:
    catalogs = {}
    for code in LOCALE_CODES:
        if code == DEFAULT_LOCALE:
            continue
        path = project_root / "translations" / code / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalogs[code] = read_po(handle, locale=code)
    return catalogs


def test_the_shipped_catalogs_use_one_term_per_concept(glossary, project_root):
    assert check_glossary(glossary, shipped_catalogs(project_root)) == []


def test_the_glossary_covers_every_shipped_locale_for_the_named_concepts(glossary):
    names = {concept.name for concept in glossary}
    assert {
        "lottery",
        "leasing_agent",
        "mobility",
        "ami",
        "application",
        "household",
        "preference",
        "waitlist",
        "listing",
        "deadline",
    } <= names
    for concept in glossary:
        assert set(concept.locales) == set(LOCALE_CODES) - {DEFAULT_LOCALE}, concept.name


def test_a_forbidden_term_fails_naming_the_locale_the_msgid_and_the_term(glossary):
    catalogs = {
        "es": catalog_of(
            "es",
            ("Lottery results", "Resultados de la lotería"),
            ("Lottery date", "Fecha del sorteo"),
        )
    }

    problems = check_glossary(glossary, catalogs)

    assert any(
        problem.startswith("es: 'Lottery results' uses 'lotería' for lottery")
        and "'sorteo'" in problem
        for problem in problems
    ), problems
    assert not any("'Lottery date'" in problem for problem in problems)


def test_a_forbidden_term_is_caught_even_where_the_english_does_not_name_the_concept(glossary):
    catalogs = {"zh_Hant": catalog_of("zh_Hant", ("Contact us", "請聯絡租賃代理人。"))}

    problems = check_glossary(glossary, catalogs)

    assert problems == [
        "zh_Hant: 'Contact us' uses '租賃代理人' for leasing_agent; the glossary term is '租賃經紀人'"
    ]


def test_a_message_about_the_concept_must_use_the_term(glossary):
    catalogs = {
        "ar": catalog_of("ar", ("Mobility", "التنقل")),
        "vi": catalog_of("vi", ("Waitlist", "Danh sách chờ")),
    }

    problems = check_glossary(glossary, catalogs)

    assert problems == [
        "ar: 'Mobility' does not use the glossary term 'الحركة' for mobility",
    ]


def test_placeholders_and_ignored_msgids_do_not_name_the_concept(glossary):
    catalogs = {
        "fil": catalog_of(
            "fil",
            ("Rules of %(listing)s", "Mga patakaran ng %(listing)s"),
        ),
        "es": catalog_of(
            "es",
            (
                "Send the body as JSON, with the header Content-Type: application/json.",
                "Envíe el cuerpo en formato JSON, con el encabezado Content-Type: "
                "application/json.",
            ),
        ),
    }

    assert check_glossary(glossary, catalogs) == []


def test_plural_forms_are_all_checked(glossary):
    catalog = Catalog(locale="es")
    catalog.add(
        ("%(num)s lottery", "%(num)s lotteries"),
        ("%(num)s sorteo", "%(num)s loterías"),
    )

    problems = check_glossary(glossary, {"es": catalog})

    assert any("uses 'loterías'" in problem for problem in problems), problems


def test_translations_check_fails_on_a_forbidden_term(project_root, tmp_path):
    root = copy_catalogs(project_root, tmp_path)
    spanish = root / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    with spanish.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog["Lottery date"].string = "Fecha de la lotería"
    with spanish.open("wb") as handle:
        write_po(handle, catalog)

    problems = check_catalogs(root)

    assert any(
        "glossary.toml: es: 'Lottery date' uses 'lotería' for lottery" in problem
        for problem in problems
    ), problems
