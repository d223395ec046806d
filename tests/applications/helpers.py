"""Building applications for tests: complete answers, and a browser-like walk through the form."""

from __future__ import annotations

import copy
import re
from typing import Any

from flask.testing import FlaskClient

from tests import factories
from tests.accounts.helpers import csrf_token

# A household of two earning $5,500 a month qualifies for the factories' 1-bedroom unit at 80%
# AMI: the minimum is 2.5 x $2,102 x 12 = $63,060 a year, the limit for two is $68,900.
VALID_ANSWERS: dict[str, Any] = {
    "language": "en",
    "applicant": {
        "first_name": "Maria",
        "middle_name": None,
        "last_name": "Lopez",
        "date_of_birth": "1985-04-23",
        "email": "maria@example.org",
        "no_email": False,
        "phone": "555-234-5678",
        "no_phone": False,
        "phone_type": "cell",
        "address": {
            "street": "120 Harbor Way",
            "unit": "Apt 4",
            "city": "Port Alder",
            "state": "CA",
            "postal_code": "94999",
        },
        "mailing_address": None,
        "works_in_city": True,
    },
    "alternate_contact": {"kind": "none"},
    "household": [
        {
            "first_name": "Ana",
            "last_name": "Lopez",
            "date_of_birth": "2012-06-01",
            "relationship": "child",
        }
    ],
    "accessibility": {"mobility": False, "vision": False, "hearing": False},
    "income": {"has_voucher": False, "amount": "5500", "period": "month"},
    "preferences": {},
    "demographics": {},
    "terms_accepted": True,
}


def valid_answers(**changes: Any) -> dict[str, Any]:
    """Complete answers; ``changes`` replace whole top-level parts."""
    answers = copy.deepcopy(VALID_ANSWERS)
    answers.update(copy.deepcopy(changes))
    return answers


def with_applicant(**changes: Any) -> dict[str, Any]:
    answers = valid_answers()
    answers["applicant"].update(changes)
    return answers


def open_listing(**listing_fields: Any):  # type: ignore[no-untyped-def]
    """An open listing with one group of 1-bedroom units."""
    listing = factories.ListingFactory(**listing_fields)
    factories.UnitFactory(listing=listing)
    return listing


YOU_FORM = {
    "first_name": "Maria",
    "last_name": "Lopez",
    "date_of_birth": "1985-04-23",
    "email": "maria@example.org",
    "phone": "555-234-5678",
    "phone_type": "cell",
    "street": "120 Harbor Way",
    "unit": "Apt 4",
    "city": "Port Alder",
    "state": "CA",
    "postal_code": "94999",
    "works_in_city": "yes",
    "language": "en",
}
HOUSEHOLD_FORM = {
    "members-0-first_name": "Ana",
    "members-0-last_name": "Lopez",
    "members-0-date_of_birth": "2012-06-01",
    "members-0-relationship": "child",
}
INCOME_FORM = {"has_voucher": "no", "amount": "5500", "period": "month"}


def start(client: FlaskClient, listing_id: int) -> str:
    """Start an application without an account; returns its public id."""
    url = f"/listings/{listing_id}/apply"
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302, response.text
    match = re.search(r"/applications/([A-Z0-9]+)/you", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def step(
    client: FlaskClient, public_id: str, name: str, data: dict[str, Any], action: str = "continue"
):  # type: ignore[no-untyped-def]
    url = f"/applications/{public_id}/{name}"
    # The token belongs to the session, so any page's will do, even when this one redirects.
    token = csrf_token(client, "/account/sign-in")
    return client.post(url, data={"csrf_token": token, "action": action, **data})


def fill_all(client: FlaskClient, public_id: str, *, you: dict[str, Any] | None = None) -> None:
    """Answer every step up to the terms, asserting each one is accepted."""
    for name, data in (
        ("you", you or YOU_FORM),
        ("alternate", {"kind": "none"}),
        ("household", HOUSEHOLD_FORM),
        ("accessibility", {}),
        ("income", INCOME_FORM),
        ("preferences", {}),
        ("demographics", {}),
    ):
        response = step(client, public_id, name, data)
        assert response.status_code == 302, (name, response.text)


def submit(client: FlaskClient, public_id: str, accept: bool = True):  # type: ignore[no-untyped-def]
    return step(
        client, public_id, "terms", {"terms_accepted": "y"} if accept else {}, action="submit"
    )


def name_for(number: int) -> str:
    """A name of letters only, different for each number (0 -> "Aa", 27 -> "Bb Bb")."""
    if number < 0:
        raise ValueError(number)
    letters = []
    while True:
        number, digit = divmod(number, 26)
        letters.append(chr(ord("A") + digit) + chr(ord("a") + digit))
        if number == 0:
            return " ".join(reversed(letters))
