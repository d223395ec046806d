"""The household typed in the estimator is kept for the visit in a signed cookie: the directory
marks listings on every page, the listing page checks it, and it can be forgotten. A cookie
that does not read back as a household is ignored, and no kept page carries one household's
marks to another reader."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from housing import create_app
from housing.listings import saved_household
from housing.listings.saved_household import SavedHousehold
from tests.accounts.helpers import csrf_token
from tests.conftest import make_config
from tests.factories import ListingFactory, UnitFactory
from tests.listings.test_estimator import card

# Two people earning $20,000 a year: enough for a $600 one-bedroom (2.5 x 600 x 12 = $18,000),
# not for a $2,102 one (2.5 x 2,102 x 12 = $63,060).
ANSWERS = "household_size=2&income=20000&income_period=year"
LINE = "Household: 2 people, $20,000 a year"


@pytest.fixture
def places(db_session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    cheap = UnitFactory(listing=ListingFactory(name="Cheap Place"), monthly_rent=Decimal(600))
    dear = UnitFactory(listing=ListingFactory(name="Dear Place"))
    return {"cheap": cheap.listing.id, "dear": dear.listing.id}


def household_cookie(response) -> str:  # type: ignore[no-untyped-def]
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("household=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return str(headers[0])


def marks(html: str) -> list[str]:
    return re.findall(r'class="verdict (verdict-match|verdict-nomatch)"', html)


def signed(app: Flask, payload: Any, secret: str | None = None) -> str:
    key = secret or app.config["SECRET_KEY"]
    return URLSafeTimedSerializer(key, salt="housing.saved-household").dumps(payload)


def test_the_estimator_keeps_the_household_in_a_signed_session_cookie(client, places):
    response = client.get(f"/eligibility?{ANSWERS}")

    header = household_cookie(response)
    assert "SameSite=Lax" in header
    assert "HttpOnly" in header
    assert "Path=/" in header
    assert "Expires" not in header and "Max-Age" not in header  # gone when the browser closes
    value = header.split(";", 1)[0].removeprefix("household=")
    assert "20000" not in value or "." in value  # signed, not a bare number
    assert LINE in response.text


def test_the_directory_marks_listings_for_the_saved_household(client, places):
    client.get(f"/eligibility?{ANSWERS}")

    html = client.get("/listings").text

    assert LINE in html
    assert 'class="verdict verdict-match"' in card(html, "Cheap Place")
    assert 'class="verdict verdict-nomatch"' in card(html, "Dear Place")
    assert 'name="household_size" type="text" value="2"' in html.replace("inputmode", "")


def test_the_marks_follow_every_page_of_the_directory(client, places, monkeypatch):
    monkeypatch.setattr("housing.listings.views.PER_PAGE", 1)
    client.get(f"/eligibility?{ANSWERS}")

    first = client.get("/listings").text
    second = client.get("/listings?page=2").text

    assert len(marks(first)) == 1 and len(marks(second)) == 1
    assert set(marks(first) + marks(second)) == {"verdict-match", "verdict-nomatch"}


def test_the_listing_page_checks_the_saved_household_without_asking_again(client, places):
    client.get(f"/eligibility?{ANSWERS}")

    html = client.get(f"/listings/{places['cheap']}").text

    assert LINE in html
    assert 'class="verdict verdict-match"' in html
    assert re.search(r'name="household_size"[^>]*value="2"', html)
    assert re.search(r'name="income"[^>]*value="20,000"', html)
    assert re.search(r'value="year"[^>]*checked|checked[^>]*value="year"', html)


def test_the_household_typed_on_a_page_wins_and_is_kept(client, places):
    client.get(f"/eligibility?{ANSWERS}")

    response = client.get("/listings?household_size=1&income=90000&income_period=year")

    assert "Household: 1 person, $90,000 a year" in response.text
    household_cookie(response)
    assert "Household: 1 person, $90,000 a year" in client.get("/eligibility").text


def test_wrong_answers_keep_the_saved_household_and_save_nothing(client, places):
    client.get(f"/eligibility?{ANSWERS}")

    response = client.get("/eligibility?household_size=0&income=20000")

    assert "Enter a number from 1 to 12." in response.text
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("household=")]
    assert LINE in client.get("/listings").text


def test_forget_clears_the_household_and_returns_without_its_answers(client, places):
    client.get(f"/eligibility?{ANSWERS}")
    token = csrf_token(client, "/listings")

    response = client.post(
        "/household/forget",
        data={"csrf_token": token, "next": f"/listings?tenure=rental&{ANSWERS}&page=1"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/listings?tenure=rental&page=1"
    assert "Expires=Thu, 01 Jan 1970" in household_cookie(response)
    html = client.get("/listings").text
    assert LINE not in html and marks(html) == []


def test_forget_sends_nobody_to_another_site(client, places):
    client.get(f"/eligibility?{ANSWERS}")
    token = csrf_token(client, "/listings")
    response = client.post(
        "/household/forget", data={"csrf_token": token, "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"


def test_forget_needs_the_form_token(client, places):
    client.get(f"/eligibility?{ANSWERS}")
    response = client.post("/household/forget", data={"next": "/listings"})
    assert response.status_code == 400
    assert LINE in client.get("/listings").text


def _bad_payloads() -> list[Any]:
    good = {"v": 1, "size": 2, "income": "20000", "children": 0, "voucher": False}
    return [
        {**good, "size": 0},
        {**good, "size": 13},
        {**good, "size": "2"},
        {**good, "size": True},
        {**good, "size": 2**70},
        {**good, "children": 2},
        {**good, "children": -1},
        {**good, "income": "-1"},
        {**good, "income": "NaN"},
        {**good, "income": "Infinity"},
        {**good, "income": "1e400"},
        {**good, "income": "5000001"},
        {**good, "income": 20000},
        {**good, "income": "twenty"},
        {**good, "voucher": "yes"},
        {**good, "veteran": "no"},
        {**good, "v": 2},
        {key: value for key, value in good.items() if key != "size"},
        ["a", "list"],
        "text",
        None,
    ]


@pytest.mark.parametrize("payload", _bad_payloads())
def test_a_signed_cookie_that_is_not_a_household_is_ignored(app, client, places, payload):
    client.set_cookie("household", signed(app, payload))
    for url in ("/listings", "/eligibility", f"/listings/{places['cheap']}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Household:" not in response.text and marks(response.text) == [], url


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "",
        "a.b.c",
        "eyJ2IjoxfQ.bad.signature",
        "x" * 3000,
        "\u00e9\u00e8",
    ],
    ids=["garbage", "empty", "dots", "bad-signature", "too-long", "not-ascii"],
)
def test_a_forged_or_broken_cookie_is_ignored(app, client, places, value):
    client.set_cookie("household", value)
    for url in ("/listings", "/eligibility", f"/listings/{places['cheap']}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Household:" not in response.text and marks(response.text) == [], url


def test_an_edited_or_foreign_signature_is_ignored(app, client, places):
    good = {"v": 1, "size": 2, "income": "20000", "children": 0, "voucher": False}
    genuine = signed(app, good)
    client.set_cookie("household", genuine)
    assert LINE in client.get("/listings").text

    edited = signed(app, {**good, "size": 3}).split(".")[0] + "." + genuine.split(".", 1)[1]
    for value in (edited, signed(app, good, secret="another site's secret")):
        client.set_cookie("household", value)
        html = client.get("/listings").text
        assert "Household:" not in html and marks(html) == []


def test_saved_households_read_back_as_they_were(app):
    saved = SavedHousehold(
        size=4, annual_income=Decimal("51234.50"), children_under_six=1, has_voucher=True
    )
    with app.test_request_context():
        response = app.make_response("")
        saved_household.remember(response, saved)
        value = household_cookie(response).split(";", 1)[0].removeprefix("household=")
    with app.test_request_context(headers={"Cookie": f"household={value}"}):
        from flask import request

        assert saved_household.recall(request) == saved


@pytest.fixture
def cached_client(database_url, tmp_path, db_session):  # type: ignore[no-untyped-def]
    application = create_app(make_config(database_url, tmp_path, page_cache_seconds=20))
    return application


def test_a_kept_page_never_carries_one_households_marks_to_another_reader(cached_client, places):
    resident = cached_client.test_client()
    stranger = cached_client.test_client()
    resident.get(f"/eligibility?{ANSWERS}")

    assert len(marks(resident.get("/listings").text)) == 2
    plain = stranger.get("/listings").text
    assert marks(plain) == [] and "Household:" not in plain
    assert len(marks(resident.get("/listings").text)) == 2  # the stranger's kept page is not theirs
    detail = f"/listings/{places['cheap']}"
    assert marks(stranger.get(detail).text) == []
    assert marks(resident.get(detail).text) == ["verdict-match"]
    assert marks(stranger.get(detail).text) == []


def test_a_page_that_saves_a_household_is_not_kept(cached_client, places):
    first = cached_client.test_client()
    second = cached_client.test_client()

    household_cookie(first.get(f"/eligibility?{ANSWERS}"))
    response = second.get(f"/eligibility?{ANSWERS}")

    household_cookie(response)  # served fresh, so it saves the household for this reader too
    assert LINE in second.get("/listings").text


def test_questions_kept_unanswered_never_stand_in_for_answers_or_another_language(client, places):
    """The unanswered questions are rendered once per language and kept: a Spanish reader
    gets them in Spanish after an English one, and a saved household sees its answers."""
    pages = ("/listings", f"/listings/{places['cheap']}", "/eligibility")
    for path in pages:
        assert "How many people live in your household" in client.get(path).text
        spanish = client.get(path, headers={"Accept-Language": "es"}).text
        assert "How many people live in your household" not in spanish
        assert 'lang="es"' in spanish

    client.get(f"/eligibility?{ANSWERS}")

    for path in pages:
        html = client.get(path).text
        assert re.search(r'name="household_size"[^>]*value="2"', html), path
        assert re.search(r'name="income"[^>]*value="20,000"', html), path
