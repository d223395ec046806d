"""Language choice, right-to-left layout, locale formatting, and catalog completeness."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from flask import Flask

from housing.applications.rules import ListingRules, check_application
from housing.applications.wording import problem_text
from housing.i18n import LOCALE_CODES, format_money, locale_for_tag
from housing.translation_check import check_catalogs
from tests.applications.helpers import valid_answers
from tests.factories import UnitFactory


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("es-MX", "es"),
        ("zh-TW", "zh_Hant"),
        ("zh-Hant-HK", "zh_Hant"),
        ("zh", "zh_Hant"),
        ("tl", "fil"),
        ("fil-PH", "fil"),
        ("vi", "vi"),
        ("ar-EG", "ar"),
        ("en-GB", "en"),
        ("de", None),
        ("", None),
    ],
)
def test_browser_tags_map_to_shipped_locales(tag, expected):
    assert locale_for_tag(tag) == expected


def test_accept_language_picks_the_first_supported_language(client):
    html = client.get("/listings", headers={"Accept-Language": "de-DE, vi;q=0.8, es;q=0.5"}).text
    assert '<html lang="vi" dir="ltr">' in html


def test_no_preference_means_english(client):
    assert '<html lang="en" dir="ltr">' in client.get("/listings").text


def test_the_switcher_remembers_the_choice_over_the_browser(client):
    response = client.get("/language/ar?next=/listings%3Fphase%3Dopen")
    assert response.status_code == 302
    assert response.headers["Location"] == "/listings?phase=open"
    assert "language=ar" in response.headers["Set-Cookie"]

    html = client.get("/listings", headers={"Accept-Language": "es"}).text

    assert '<html lang="ar" dir="rtl">' in html


def test_switcher_refuses_unknown_languages_and_foreign_redirects(client):
    assert client.get("/language/klingon").status_code == 404
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = client.get("/language/es", query_string={"next": target})
        assert response.headers["Location"] == "/"


@pytest.mark.parametrize("code", LOCALE_CODES)
def test_every_page_renders_in_every_locale(client, code):
    unit = UnitFactory()
    client.set_cookie("language", code)
    expected_dir = "rtl" if code == "ar" else "ltr"
    for url in (
        "/listings",
        "/listings?household_size=2&income=5500&income_period=month",
        "/eligibility?household_size=2&income=5500&income_period=month",
        "/eligibility?household_size=0&income=-1&income_period=month",
        f"/listings/{unit.listing.id}?household_size=2&income=5500&income_period=month",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'lang="{code.replace("_", "-")}" dir="{expected_dir}"' in response.text


def test_pages_are_translated_not_just_labelled(client):
    unit = UnitFactory()
    client.set_cookie("language", "es")
    html = client.get(f"/listings/{unit.listing.id}").text
    assert "Key dates" not in html
    assert "Units" not in html.split("<main", 1)[1].split("<footer", 1)[0].replace("Unit", "")


@pytest.mark.parametrize(
    ("code", "expected"),
    [("en", "$5,255"), ("es", "5.255\xa0US$"), ("vi", "5.255\xa0US$"), ("zh_Hant", "US$5,255")],
)
def test_money_is_formatted_per_locale(app: Flask, code, expected):
    with app.test_request_context(headers={"Cookie": f"language={code}"}):
        assert format_money(Decimal("5255")) == expected


def copy_catalogs(project_root: Path, target: Path) -> Path:
    shutil.copytree(
        project_root / "housing", target / "housing", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(
        project_root / "translations",
        target / "translations",
        ignore=shutil.ignore_patterns("*.mo"),
    )
    shutil.copy(project_root / "babel.cfg", target / "babel.cfg")
    return target


def test_shipped_catalogs_are_complete_and_current(project_root):
    assert check_catalogs(project_root) == []


def test_the_check_catches_a_stale_template_and_an_untranslated_entry(project_root, tmp_path):
    root = copy_catalogs(project_root, tmp_path)
    template = root / "housing" / "templates" / "errors" / "error.html"
    template.write_text(template.read_text() + '{{ _("A sentence nobody has translated") }}\n')
    spanish = root / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    with spanish.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    catalog["Listings"].string = ""
    catalog["Check if you qualify"].flags.add("fuzzy")
    with spanish.open("wb") as handle:
        write_po(handle, catalog)

    problems = check_catalogs(root)

    assert any("messages.pot is stale" in problem for problem in problems)
    assert any("missing 'A sentence nobody has translated'" in problem for problem in problems)
    assert any(
        "es/LC_MESSAGES/messages.po: untranslated 'Listings'" in problem for problem in problems
    )
    assert any("fuzzy 'Check if you qualify'" in problem for problem in problems)


@pytest.mark.parametrize("state", ["CAL", "California"])
def test_a_state_that_is_not_a_code_gets_the_state_code_message_in_arabic(app: Flask, state):
    answers = valid_answers()
    answers["applicant"]["address"]["state"] = state
    problems = [
        problem
        for problem in check_application(answers, ListingRules(units=()), date(2026, 11, 25))
        if problem.field == "applicant.address.state"
    ]
    with app.test_request_context(headers={"Cookie": "language=ar"}):
        texts = [problem_text(problem) for problem in problems]

    assert texts == ["أدخل رمز الولاية المكون من حرفين، مثل CA."]


def test_a_templates_translations_take_variables_of_any_name(app: Flask) -> None:
    """The template's gettext is bound per render; its own parameters must not take the
    names a template gives its variables ("message", "num", "singular"...)."""
    source = (
        '{{ _("%(message)s: all %(count)s messages written.", message="Results", count=3) }}|'
        '{{ ngettext("%(num)s entrant", "%(num)s entrants", 2, singular="x", plural="y") }}|'
        '{{ _("Page %(page)s of %(pages)s", page="<b>", pages=2) }}'
    )
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        from flask import render_template_string
        from flask_babel import gettext

        rendered = render_template_string(source)
        expected_page = gettext("Page %(page)s of %(pages)s", page="&lt;b&gt;", pages=2)

    written, entrants, page = rendered.split("|")
    assert "Results" in written and "3" in written
    assert entrants.startswith("2 ")
    # Translated into the reader's language, with the variable escaped.
    assert page == expected_page and "<b>" not in page
