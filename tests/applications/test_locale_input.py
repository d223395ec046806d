"""The application form reads numbers and dates the reader's way: the income as the locale
writes money (kept as a machine number, said back as money), the date of birth in three boxes
in the locale's order, digits of any script in the phone and ZIP code."""

from __future__ import annotations

import html
import re

import pytest

from housing.applications.models import Application
from housing.db_types import utcnow
from tests.accounts.helpers import csrf_token
from tests.applications.helpers import (
    HOUSEHOLD_FORM,
    INCOME_FORM,
    YOU_FORM,
    open_listing,
    start,
    step,
)
from tests.applications.test_paper_and_duplicates import partner_of, start_paper

ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x660 + digit) for digit in range(10)))


def answers(db_session, public_id: str) -> dict:
    db_session.expire_all()
    found = db_session.query(Application).filter_by(public_id=public_id).one()
    return found.answers


def text_of(page: str) -> str:
    plain = html.unescape(re.sub(r"<[^>]+>", " ", page))
    return " ".join(plain.translate(dict.fromkeys(range(0x2066, 0x206A))).split())


def begin(client, language: str) -> str:
    client.set_cookie("language", language)
    public_id = start(client, open_listing().id)
    assert step(client, public_id, "you", YOU_FORM).status_code == 302
    return public_id


@pytest.mark.parametrize(
    ("language", "typed", "kept", "shown", "read_back"),
    [
        ("es", "20.000", "20000", "20.000", "20.000 US$"),
        ("es", "20.000,50 US$", "20000.50", "20.000,5", "20.000,50 US$"),
        ("vi", "20.000", "20000", "20.000", "20.000 US$"),
        ("en", "$20,000", "20000", "20,000", "$20,000"),
        ("zh_Hant", "US$20,000", "20000", "20,000", "US$20,000"),
        ("ar", "20000".translate(ARABIC_INDIC), "20000", "20,000", "20,000 US$"),
    ],
)
def test_the_income_is_read_the_readers_way_kept_as_a_number_and_said_back(
    client, db_session, language, typed, kept, shown, read_back
):
    public_id = begin(client, language)
    response = step(client, public_id, "income", {**INCOME_FORM, "amount": typed, "period": "year"})
    assert response.status_code in (302, 422), response.text
    assert answers(db_session, public_id)["income"]["amount"] == kept
    again = client.get(f"/applications/{public_id}/income")
    assert f'value="{shown}"' in again.text
    said = re.search(r'<p class="hint read-back" id="amount-read">(.*?)</p>', again.text, re.S)
    assert said, again.text
    assert read_back in text_of(said.group(1)).replace("\u00a0", " ")
    assert 'aria-describedby="amount-hint amount-read"' in again.text
    review = text_of(client.get(f"/applications/{public_id}/review").text).replace("\u00a0", " ")
    assert read_back in review


def test_twenty_point_zero_zero_zero_in_english_is_refused_with_both_readings(client, db_session):
    public_id = begin(client, "en")
    step(client, public_id, "income", INCOME_FORM)
    response = step(client, public_id, "income", {**INCOME_FORM, "amount": "20.000"})
    assert response.status_code == 400
    message = text_of(response.text.split('id="amount-error"', 1)[1].split("</p>", 1)[0])
    assert "could mean $20,000 or $20." in message
    assert 'value="20.000"' in response.text
    # Nothing changed: the amount kept is the one before.
    assert answers(db_session, public_id)["income"]["amount"] == "5500"


def test_the_date_of_birth_is_three_boxes_in_the_locales_order(client, db_session):
    for language, order in (
        ("en", ["month", "day", "year"]),
        ("es", ["day", "month", "year"]),
        ("zh_Hant", ["year", "month", "day"]),
    ):
        client.set_cookie("language", language)
        public_id = start(client, open_listing().id)
        page = client.get(f"/applications/{public_id}/you").text
        boxes = re.findall(r'id="date_of_birth-(day|month|year)"', page)
        assert boxes == order, language
        assert 'autocomplete="bday-day"' in page
        example = re.findall(r'<bdi dir="ltr" data-part="(\w+)">', page)
        assert example == order, language


def test_the_date_of_birth_parts_are_kept_as_one_date_and_given_back(client, db_session):
    public_id = begin(client, "ar")
    typed = {
        **{key: value for key, value in YOU_FORM.items() if key != "date_of_birth"},
        "date_of_birth-day": "3".translate(ARABIC_INDIC),
        "date_of_birth-month": "4",
        "date_of_birth-year": "1985",
        "phone": "555-234-5678".translate(ARABIC_INDIC),
        "postal_code": "94999".translate(ARABIC_INDIC),
    }
    assert step(client, public_id, "you", typed).status_code == 302
    applicant = answers(db_session, public_id)["applicant"]
    assert applicant["date_of_birth"] == "1985-04-03"
    assert applicant["phone"] == "555-234-5678"
    assert applicant["address"]["postal_code"] == "94999"
    page = client.get(f"/applications/{public_id}/you").text
    for part, value in (("day", "3"), ("month", "4"), ("year", "1985")):
        assert re.search(rf'id="date_of_birth-{part}"[^>]*value="{value}"', page), part
    member = {
        key: value for key, value in HOUSEHOLD_FORM.items() if not key.endswith("date_of_birth")
    }
    member.update(
        {
            "members-0-date_of_birth-day": "1",
            "members-0-date_of_birth-month": "6",
            "members-0-date_of_birth-year": "2012",
        }
    )
    assert step(client, public_id, "household", member).status_code == 302
    assert answers(db_session, public_id)["household"][0]["date_of_birth"] == "2012-06-01"


def test_a_date_with_a_part_missing_is_kept_as_typed_and_named_at_the_field(client, db_session):
    public_id = begin(client, "en")
    typed = {
        **{key: value for key, value in YOU_FORM.items() if key != "date_of_birth"},
        "date_of_birth-day": "23",
        "date_of_birth-month": "4",
        "date_of_birth-year": "",
    }
    response = step(client, public_id, "you", typed)
    assert response.status_code == 422
    assert 'href="#date_of_birth"' in response.text
    assert "Enter a real date: check the day, the month and the year." in response.text
    assert re.search(r'id="date_of_birth-day"[^>]*value="23"', response.text)
    assert re.search(r'id="date_of_birth-month"[^>]*value="4"', response.text)


def test_a_date_part_that_is_not_a_number_is_refused_and_nothing_changes(client, db_session):
    public_id = begin(client, "en")
    typed = {
        **{key: value for key, value in YOU_FORM.items() if key != "date_of_birth"},
        "date_of_birth-day": "23",
        "date_of_birth-month": "April",
        "date_of_birth-year": "1985",
    }
    response = step(client, public_id, "you", typed)
    assert response.status_code == 400
    assert "Use numbers only" in response.text
    assert re.search(r'id="date_of_birth-month"[^>]*value="April"', response.text)
    assert answers(db_session, public_id)["applicant"]["date_of_birth"] == "1985-04-23"


def test_the_phone_example_keeps_its_digits_in_order_in_arabic(client, db_session):
    public_id = begin(client, "ar")
    response = step(client, public_id, "you", {**YOU_FORM, "phone": "123"})
    assert response.status_code == 422
    assert "\u2066555-123-4567\u2069" in response.text
    page = client.get(f"/applications/{public_id}/you").text
    assert '<bdi dir="ltr">555-123-4567</bdi>' in page
    assert re.search(r'id="phone"[^>]*dir="ltr"|dir="ltr"[^>]*id="phone"', page)


@pytest.mark.parametrize(
    ("language", "query"),
    [
        ("es", "income=20.000"),
        ("en", "income=20%2C000"),
        ("ar", "income=%D9%A2%D9%A0%D9%AC%D9%A0%D9%A0%D9%A0"),
    ],
)
def test_the_estimator_and_the_directory_read_the_income_the_readers_way(
    client, db_session, language, query
):
    open_listing()
    client.set_cookie("language", language)
    for path in ("/eligibility", "/listings"):
        page = client.get(f"{path}?household_size=2&{query}&income_period=year").text
        assert 'id="income-error"' not in page, path
        said = re.search(r'id="income-read">(.*?)</p>', page, re.S)
        assert said, path
        assert "20" in text_of(said.group(1)) and "000" in text_of(said.group(1))


def test_the_estimator_refuses_an_english_twenty_point_zero_zero_zero(client, db_session):
    page = client.get("/eligibility?household_size=2&income=20.000&income_period=year").text
    error = text_of(page.split('id="income-error"', 1)[1].split("</p>", 1)[0])
    assert "20.000 could mean $20,000 or $20." in error
    assert 'id="income-read"' not in page


def test_a_household_size_in_arabic_digits_is_read(client, db_session):
    client.set_cookie("language", "ar")
    size = "2".translate(ARABIC_INDIC)
    page = client.get(f"/eligibility?household_size={size}&income=3000&income_period=month").text
    assert 'id="household_size-error"' not in page
    assert 'id="income-read"' in page


def test_a_paper_application_takes_the_dates_of_birth_in_boxes_too(client, db_session):
    listing = open_listing()
    partner_of(listing, db_session, client)
    client.set_cookie("language", "es")
    response = start_paper(client, listing, utcnow().date().isoformat())
    assert response.status_code == 302
    url = response.headers["Location"]
    public_id = url.rsplit("/", 1)[-1]
    # The one page a clerk types the paper form into: the applicant's boxes, then the rows'.
    page = client.get(url).text
    assert re.findall(r'id="you-date_of_birth-(day|month|year)"', page) == ["day", "month", "year"]
    typed = {
        "csrf_token": csrf_token(client, url),
        "action": "save",
        "you-date_of_birth-day": "23",
        "you-date_of_birth-month": "4",
        "you-date_of_birth-year": "1985",
    }
    assert client.post(url, data=typed).status_code == 302
    assert answers(db_session, public_id)["applicant"]["date_of_birth"] == "1985-04-23"
    household = client.get(url).text
    assert re.findall(r'id="household-members-0-date_of_birth-(day|month|year)"', household) == [
        "day",
        "month",
        "year",
    ]
