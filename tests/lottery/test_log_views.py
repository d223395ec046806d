"""The public check of the audit log against a published head, as a page and as JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from housing.extensions import limiter
from housing.lottery.log import head_and_length
from tests.lottery.test_log import _disable_protection, write_entries


def test_the_page_shows_the_log_as_it_is_now(client, db_session):
    entries = write_entries(db_session)
    _head, count = head_and_length(db_session)
    page = client.get("/lottery/audit-log")
    assert page.status_code == 200
    assert f"The log now has {count} entries" in page.text
    assert entries[-1].entry_hash in page.text
    assert "verdict" not in page.text


def test_a_held_head_is_confirmed(client, db_session):
    entries = write_entries(db_session)
    head, count = head_and_length(db_session)
    page = client.get("/lottery/audit-log", query_string={"head": head, "length": count})
    assert page.status_code == 200
    assert "The log holds this head." in page.text
    assert f"still holds this head as entry {count}" in page.text

    pasted = client.get("/lottery/audit-log", query_string={"head": f"{head.upper()}:{count}"})
    assert "The log holds this head." in pasted.text

    answer = client.get(
        "/lottery/audit-log.json", query_string={"head": entries[1].entry_hash, "length": count}
    ).get_json()
    assert answer["log"] == {"head": head, "length": count}
    assert answer["published"]["verdict"] == "moved"
    assert answer["published"]["held"] is False
    assert answer["published"]["position"] == count - 2
    assert answer["published"]["chain_intact"] is True


def test_malformed_input_is_named(client, db_session):
    page = client.get("/lottery/audit-log", query_string={"head": "abc", "length": "ten"})
    assert page.status_code == 400
    assert "Enter the head as 64 hexadecimal characters" in page.text
    assert "Enter the number of entries as a whole number" in page.text
    answer = client.get("/lottery/audit-log.json", query_string={"head": "abc"})
    assert answer.status_code == 400
    assert list(answer.get_json()["error"]["fields"]) == ["head"]


@pytest.fixture
def owner_client(app, owner_db_session) -> Iterator[FlaskClient]:  # type: ignore[no-untyped-def]
    """A reader of the site while the test, as the tables' owner, tampers with the log."""
    with app.app_context():
        limiter.reset()
    yield app.test_client()


def test_a_log_cut_short_or_changed_is_reported(owner_client, owner_db_session):
    entries = write_entries(owner_db_session)
    head, count = head_and_length(owner_db_session)
    _disable_protection(owner_db_session, "delete")
    owner_db_session.execute(text("DELETE FROM lottery_log WHERE id = :id"), {"id": entries[-1].id})
    owner_db_session.expire_all()

    page = owner_client.get("/lottery/audit-log", query_string={"head": head, "length": count})
    assert "The log does not match this head." in page.text
    assert "no longer holds an entry with this head" in page.text
    missing = owner_client.get(
        "/lottery/audit-log.json", query_string={"head": head, "length": count}
    ).get_json()["published"]
    assert (missing["verdict"], missing["held"], missing["position"]) == ("missing", False, None)

    _disable_protection(owner_db_session, "update")
    owner_db_session.execute(
        text("UPDATE lottery_log SET action = 'draw' WHERE id = :id"), {"id": entries[1].id}
    )
    owner_db_session.expire_all()
    broken = owner_client.get(
        "/lottery/audit-log.json", query_string={"head": entries[2].entry_hash}
    ).get_json()["published"]
    assert (broken["verdict"], broken["chain_intact"], broken["broken_at"]) == (
        "broken",
        False,
        entries[1].id,
    )


def test_checks_are_rate_limited(client, db_session):
    statuses = [client.get("/lottery/audit-log.json").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
