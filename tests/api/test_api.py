"""The JSON API: filters, detail, eligibility, errors, all checked against the OpenAPI document."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from housing.api.views import load_openapi
from housing.db_types import utcnow
from housing.listings.eligibility import UnitType
from housing.listings.models import AccessibilityPriority, ListingStatus, Tenure
from tests.factories import ListingFactory, ListingPreferenceFactory, PreferenceFactory, UnitFactory

DOCUMENT = load_openapi()
REGISTRY = Registry().with_resource(
    "urn:openapi", Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
)


def check(response, path: str, status: int):  # type: ignore[no-untyped-def]
    """Assert the status and that the body matches the documented schema for it."""
    assert response.status_code == status, response.text
    pointer = "/".join(
        [
            "#",
            "paths",
            path.replace("/", "~1"),
            "get",
            "responses",
            str(status),
            "content",
            "application~1json",
            "schema",
        ]
    )
    validator = Draft202012Validator({"$ref": "urn:openapi" + pointer}, registry=REGISTRY)
    errors = sorted(validator.iter_errors(response.json), key=str)
    assert errors == [], [error.message for error in errors]
    return response.json


def test_the_document_is_valid_openapi(client):
    validate_spec(DOCUMENT)
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert json.loads(served.data) == DOCUMENT


def test_listings_index_filters_and_pages(client):
    UnitFactory(
        listing=ListingFactory(name="Rent Two", neighborhood="Eastgate"),
        unit_type=UnitType.TWO_BEDROOM,
        accessibility=AccessibilityPriority.MOBILITY,
    )
    UnitFactory(
        listing=ListingFactory(name="Buy Studio", tenure=Tenure.SALE),
        unit_type=UnitType.STUDIO,
        monthly_rent=None,
        rent_multiple=None,
        sale_price=200000,
    )
    UnitFactory(listing=ListingFactory(name="Later", upcoming=True))
    ListingFactory(name="Hidden", draft=True)

    def names(query: str) -> list[str]:
        body = check(client.get(f"/api/v1/listings{query}"), "/api/v1/listings", 200)
        return [item["name"] for item in body["listings"]]

    assert sorted(names("")) == ["Buy Studio", "Later", "Rent Two"]
    assert names("?tenure=sale") == ["Buy Studio"]
    assert names("?unit_type=2br") == ["Rent Two"]
    assert names("?neighborhood=Eastgate") == ["Rent Two"]
    assert names("?accessible=true") == ["Rent Two"]
    assert names("?phase=upcoming") == ["Later"]
    assert names("?sort=name") == ["Buy Studio", "Later", "Rent Two"]
    body = check(
        client.get("/api/v1/listings?sort=name&per_page=2&page=2"), "/api/v1/listings", 200
    )
    assert (body["total"], body["page"], [item["name"] for item in body["listings"]]) == (
        3,
        2,
        ["Rent Two"],
    )
    sale = check(client.get("/api/v1/listings?tenure=sale"), "/api/v1/listings", 200)["listings"][0]
    assert sale["units"][0]["sale_price"] == "200000.00"
    assert sale["html_url"].endswith(f"/listings/{sale['id']}")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("tenure=castle", "tenure"),
        ("unit_type=9br", "unit_type"),
        ("accessible=maybe", "accessible"),
        ("page=0", "page"),
        ("per_page=10000", "per_page"),
        ("phase=soon", "phase"),
        ("page=-1", "page"),
    ],
)
def test_bad_filters_are_400_with_the_field_named(client, query, field):
    body = check(client.get(f"/api/v1/listings?{query}"), "/api/v1/listings", 400)
    assert field in body["error"]["fields"]
    assert body["error"]["message"]


def test_listing_detail_has_units_limits_and_preferences_in_order(client):
    listing = ListingFactory(name="Detail Place")
    UnitFactory(listing=listing, ami_percent=100, unit_type=UnitType.TWO_BEDROOM)
    ListingPreferenceFactory(
        listing=listing, rank=2, preference=PreferenceFactory(code="LW", name="Live or work")
    )
    ListingPreferenceFactory(
        listing=listing,
        rank=1,
        unit_share_percent=40,
        preference=PreferenceFactory(code="NRHP", name="Neighborhood"),
    )

    body = check(client.get(f"/api/v1/listings/{listing.id}"), "/api/v1/listings/{listing_id}", 200)

    unit = body["units"][0]
    assert unit["minimum_monthly_income"] == "5255.00"
    assert unit["occupancy"] == {"minimum": 2, "maximum": 5}
    assert {"household_size": 3, "ami_percent": 100, "annual_income": "96950.00"} in body[
        "income_limits"
    ]
    assert [p["code"] for p in body["preferences"]] == ["NRHP", "LW"]
    assert body["preferences"][0]["unit_share_percent"] == 40


def test_unknown_and_unpublished_listings_are_404(client):
    draft = ListingFactory(draft=True)
    for listing_id in (999999, draft.id):
        body = check(
            client.get(f"/api/v1/listings/{listing_id}"), "/api/v1/listings/{listing_id}", 404
        )
        assert body["error"]["code"] == "not_found"
    assert client.get("/api/v1/listings/abc").status_code == 404


def test_eligibility_names_reasons_per_unit(client):
    fits = ListingFactory(name="Fits")
    UnitFactory(listing=fits, ami_percent=80)
    rich = ListingFactory(name="Too Rich")
    UnitFactory(listing=rich, ami_percent=30)
    UnitFactory(listing=ListingFactory(name="Gone", closed=True))

    body = check(
        client.get("/api/v1/eligibility?household_size=2&income=5500&income_period=month"),
        "/api/v1/eligibility",
        200,
    )

    results = {item["name"]: item for item in body["results"]}
    assert set(results) == {"Fits", "Too Rich"}
    assert results["Fits"]["eligible"] is True
    assert results["Too Rich"]["eligible"] is False
    assert results["Too Rich"]["reasons"] == ["income_too_high"]
    assert body["household"]["annual_income"] == "66000.00"

    only = check(
        client.get(
            f"/api/v1/eligibility?household_size=2&income=66000&income_period=year&voucher=true&listing_id={rich.id}"
        ),
        "/api/v1/eligibility",
        200,
    )
    assert [item["name"] for item in only["results"]] == ["Too Rich"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("household_size=0&income=100&income_period=month", "household_size"),
        ("household_size=13&income=100&income_period=month", "household_size"),
        ("household_size=1e309&income=100&income_period=month", "household_size"),
        ("household_size=2&income=-5&income_period=month", "income"),
        ("household_size=2&income=abc&income_period=month", "income"),
        ("household_size=2&income=99999999999&income_period=year", "income"),
        ("household_size=2&income_period=month", "income"),
        ("household_size=2&income=100&income_period=week", "income_period"),
        (
            "household_size=2&income=100&income_period=month&children_under_six=2",
            "children_under_six",
        ),
        # A parameter given with no value is not a missing one: the document says a number.
        (
            "household_size=2&income=100&income_period=month&children_under_six=",
            "children_under_six",
        ),
        ("household_size=2&income=100&income_period=month&oldest_age=%20", "oldest_age"),
        ("household_size=&income=100&income_period=month", "household_size"),
        ("household_size=2&income=100&income_period=", "income_period"),
    ],
)
def test_eligibility_input_errors_are_422_and_name_the_field(client, query, field):
    body = check(client.get(f"/api/v1/eligibility?{query}"), "/api/v1/eligibility", 422)
    assert body["error"]["code"] == "invalid_input"
    assert body["error"]["fields"][field][0]


def test_eligibility_messages_follow_the_reader_language(client, app):
    from flask_babel import force_locale
    from flask_babel import gettext as _

    body = client.get(
        "/api/v1/eligibility?household_size=0&income=1&income_period=month",
        headers={"Accept-Language": "es"},
    ).json
    with app.test_request_context(), force_locale("es"):
        expected = _("Enter a number from %(minimum)s to %(maximum)s.", minimum=1, maximum=12)
    assert body["error"]["fields"]["household_size"] == [expected]


def test_eligibility_malformed_parameters_are_400_and_unknown_listing_404(client):
    check(
        client.get(
            "/api/v1/eligibility?household_size=2&income=1&income_period=month&voucher=perhaps"
        ),
        "/api/v1/eligibility",
        400,
    )
    check(
        client.get(
            "/api/v1/eligibility?household_size=2&income=1&income_period=month&listing_id=x"
        ),
        "/api/v1/eligibility",
        400,
    )
    check(
        client.get(
            "/api/v1/eligibility?household_size=2&income=1&income_period=month&listing_id=999999"
        ),
        "/api/v1/eligibility",
        404,
    )


def test_no_garbage_makes_a_server_error(client):
    UnitFactory()
    hostile = ["%00", "%FF%FE", "' OR 1=1 --", "9" * 400, "1e309", "NaN", "-0", "[]", "{}"]
    for value in hostile:
        for name in (
            "tenure",
            "unit_type",
            "neighborhood",
            "phase",
            "sort",
            "page",
            "per_page",
            "accessible",
        ):
            assert client.get(f"/api/v1/listings?{name}={value}").status_code in (200, 400)
        for name in (
            "household_size",
            "income",
            "income_period",
            "children_under_six",
            "oldest_age",
            "listing_id",
            "voucher",
        ):
            query = {"household_size": "2", "income": "100", "income_period": "month", name: value}
            assert client.get("/api/v1/eligibility", query_string=query).status_code in (
                200,
                400,
                404,
                422,
            )


def test_times_are_utc_and_money_is_decimal_text(client):
    listing = ListingFactory(application_due_at=utcnow() + timedelta(days=3))
    UnitFactory(listing=listing, monthly_rent=1212.5)
    body = client.get(f"/api/v1/listings/{listing.id}").json
    assert body["application_due_at"].endswith("Z")
    assert body["units"][0]["monthly_rent"] == "1212.50"
    assert ListingStatus.OPEN.value == "open"
