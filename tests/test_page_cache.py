"""Anonymous public pages are kept for a few seconds; nobody signed in gets a kept page."""

from __future__ import annotations

import pytest

from housing import create_app
from housing.listings.models import ListingStatus
from tests.accounts.helpers import sign_in_as
from tests.conftest import make_config
from tests.factories import ListingFactory, UnitFactory, UserFactory


@pytest.fixture
def cached_client(database_url, tmp_path, db_session):
    application = create_app(make_config(database_url, tmp_path, page_cache_seconds=20))
    return application.test_client()


def test_a_page_is_kept_per_language_and_expires(cached_client, db_session, monkeypatch):
    listing = ListingFactory(name="Before")
    UnitFactory(listing=listing)
    url = f"/listings/{listing.id}"
    clock = [1000.0]
    monkeypatch.setattr("housing.page_cache.time.monotonic", lambda: clock[0])

    assert "Before" in cached_client.get(url).text
    listing.name = "After"
    db_session.flush()

    assert "Before" in cached_client.get(url).text  # kept
    cached_client.set_cookie("language", "es")
    assert "After" in cached_client.get(url).text  # another language is another page
    cached_client.delete_cookie("language")
    clock[0] += 21
    assert "After" in cached_client.get(url).text  # expired


def test_signed_in_people_never_get_a_kept_page(cached_client, db_session):
    listing = ListingFactory(name="Before")
    UnitFactory(listing=listing)
    url = f"/listings/{listing.id}"
    assert "Before" in cached_client.get(url).text
    listing.name = "After"
    db_session.flush()

    sign_in_as(cached_client, UserFactory())
    page = cached_client.get(url)
    assert "After" in page.text
    assert "Sign out" in page.text


def test_not_found_pages_are_not_kept(cached_client, db_session):
    listing = ListingFactory(draft=True)
    UnitFactory(listing=listing)
    assert cached_client.get(f"/listings/{listing.id}").status_code == 404
    listing.status = ListingStatus.OPEN
    db_session.flush()
    assert cached_client.get(f"/listings/{listing.id}").status_code == 200
