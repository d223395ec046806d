"""A submission through the API writes its rows in a few plain statements, and they read back
exactly as the unit of work would have written them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import event, inspect, select

from housing.api import application_views
from housing.applications import services
from housing.applications.duplicates import duplicate_keys
from housing.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    DuplicateKey,
    PreferenceClaim,
)
from housing.db_types import utcnow
from housing.extensions import db
from housing.notifications.models import Channel, OutboundMessage
from housing.notifications.services import queue_email
from tests import factories
from tests.applications.helpers import open_listing, valid_answers

# What the test's rolled-back transaction adds around each request.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


def submit(client, listing_id: int, answers: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/listings/{listing_id}/applications",
        data=json.dumps(answers),
        content_type="application/json",
    )


@pytest.fixture
def statements(app, db_session) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The SQL sent on the test's connection, without its transaction control."""
    seen: list[str] = []
    connection = db_session.connection()

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    yield seen
    event.remove(connection, "before_cursor_execute", record)


def test_a_submission_reads_its_listing_once_and_writes_each_kind_of_row_once(
    client, db_session, statements, monkeypatch
):
    # Without Redis the request would deliver its confirmation itself: not counted here.
    monkeypatch.setattr(application_views, "send_after_commit", lambda: None)
    listing = open_listing()
    # The first one reads the listing and its rules, which each process then keeps.
    assert submit(client, listing.id, valid_answers()).status_code == 201
    statements.clear()
    answers = valid_answers()
    answers["applicant"]["email"] = "second@example.org"
    response = submit(client, listing.id, answers)
    assert response.status_code == 201, response.text
    kinds = [" ".join(statement.split()[:3]).upper() for statement in statements]
    assert not any("FROM applications" in statement for statement in statements)
    if db_session.connection().dialect.name == "postgresql":
        # The application (its lottery number drawn, and the listing's row checked, in the
        # same statement) with its first version and its duplicate keys; its confirmation.
        assert len(statements) == 2, kinds
        assert kinds[0].startswith("WITH WRITTEN AS"), kinds
        assert kinds[1].startswith("INSERT INTO OUTBOUND_MESSAGES"), kinds
    else:
        # The listing's row, the application (its lottery number drawn in the same
        # statement), its first version, its duplicate keys and its confirmation.
        assert len(statements) == 5, kinds
        assert kinds[0].startswith("SELECT")
        assert all(kind.startswith("INSERT INTO") for kind in kinds[1:]), kinds


def test_a_lottery_number_already_taken_in_the_listing_is_drawn_again(
    client, db_session, monkeypatch
):
    listing = open_listing()
    first = submit(client, listing.id, valid_answers())
    assert first.status_code == 201, first.text
    taken = first.json["lottery_number"]
    draws = iter([taken, taken, "12345678"])
    monkeypatch.setattr(services, "_lottery_number", lambda: next(draws))
    second_answers = valid_answers()
    second_answers["applicant"]["email"] = "second@example.org"
    second = submit(client, listing.id, second_answers)
    assert second.status_code == 201, second.text
    assert second.json["lottery_number"] == "12345678"
    numbers = db_session.scalars(
        select(Application.lottery_number).where(Application.listing_id == listing.id)
    ).all()
    assert sorted(numbers) == sorted([taken, "12345678"])
    # The attempts that drew a taken number wrote nothing that refers to an application: each
    # application has one first version and its own duplicate keys, once each.
    versions = db_session.execute(
        select(ApplicationVersion.application_id, ApplicationVersion.number)
        .join(Application, Application.id == ApplicationVersion.application_id)
        .where(Application.listing_id == listing.id)
    ).all()
    assert sorted(number for _id, number in versions) == [1, 1]
    assert len({application_id for application_id, _number in versions}) == 2
    second_id = db_session.scalar(
        select(Application.id).where(Application.lottery_number == "12345678")
    )
    keys = db_session.execute(
        select(DuplicateKey.rule, DuplicateKey.match_key, DuplicateKey.listing_id).where(
            DuplicateKey.application_id == second_id
        )
    ).all()
    assert sorted((rule, key) for rule, key, _listing in keys) == sorted(
        duplicate_keys(second_answers)
    )
    assert {listing_id for _rule, _key, listing_id in keys} == {listing.id}


def test_the_rows_read_back_as_the_answer_says(client, db_session):
    listing = open_listing()
    answers = valid_answers()
    response = submit(client, listing.id, answers)
    assert response.status_code == 201, response.text
    db_session.expire_all()
    application = db_session.scalars(
        select(Application).where(Application.public_id == response.json["application_number"])
    ).one()
    assert application.listing_id == listing.id
    assert application.lottery_number == response.json["lottery_number"]
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.answers == application.submitted_answers == answers
    assert application.created_at is not None and application.updated_at is not None
    assert application.submitted_at is not None
    assert application.submitted_at.isoformat() == response.json["submitted_at"]
    assert application.applicant_name == "Maria Lopez"
    assert application.household_size == 1 + len(answers["household"])
    assert application.user_id is None and application.withdrawn_at is None
    [version] = db_session.scalars(
        select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
    ).all()
    assert (version.number, version.action, version.answers) == (1, "submitted", answers)
    assert version.actor_id is None and version.at == application.submitted_at
    written_keys = db_session.scalars(
        select(DuplicateKey).where(DuplicateKey.application_id == application.id)
    ).all()
    assert sorted((key.rule, key.match_key) for key in written_keys) == sorted(
        duplicate_keys(answers)
    )
    assert all(key.listing_id == listing.id for key in written_keys)
    assert not db_session.scalars(
        select(PreferenceClaim).where(PreferenceClaim.application_id == application.id)
    ).all()
    [message] = db_session.scalars(
        select(OutboundMessage).where(OutboundMessage.application_id == application.id)
    ).all()
    assert message.template == "application_submitted"
    assert message.recipient == answers["applicant"]["email"]
    assert message.listing_id == listing.id
    assert message.failure_reason == ""
    assert message.created_at is not None and message.next_attempt_at is not None


def test_a_new_application_writes_its_preference_claims_with_its_row(app, db_session, monkeypatch):
    # Claims through the API name uploaded proofs, which take the path of an application
    # written before its files; here the proofs are taken as checked, so the claims are
    # written with a new application's row, as a future claim without a proof would be.
    monkeypatch.setattr(services, "_document_problems", lambda *_args: [])
    monkeypatch.setattr(services.proofs, "named_documents", lambda _answers: [])
    listing = open_listing()
    for rank, code in enumerate(("COP", "LW"), start=1):
        factories.ListingPreferenceFactory(
            listing=listing,
            rank=rank,
            preference=factories.PreferenceFactory(code=code, proof_types=["Certificate"]),
            veterans_first=code == "COP",
        )
    claim = {"claimed": True, "member": 0, "proof_type": "Certificate", "document": "d" * 32}
    veteran = {
        **claim,
        "veteran": True,
        "veteran_proof_type": "dd214",
        "veteran_document": "v" * 32,
    }
    answers = valid_answers(preferences={"COP": veteran, "LW": claim})
    with app.app_context():
        submission = services.submit_answers(db.session, listing.id, answers, utcnow())
        application_id = submission.application.id
        db.session.commit()
    claims = db_session.execute(
        select(PreferenceClaim.preference_code, PreferenceClaim.veteran, PreferenceClaim.listing_id)
        .where(PreferenceClaim.application_id == application_id)
        .order_by(PreferenceClaim.preference_code)
    ).all()
    assert [tuple(row) for row in claims] == [("COP", True, listing.id), ("LW", False, listing.id)]
    [version] = db_session.scalars(
        select(ApplicationVersion).where(ApplicationVersion.application_id == application_id)
    ).all()
    assert version.answers == answers


def test_a_queued_message_is_kept_by_the_session_with_every_attribute_loaded(app, db_session):
    with app.app_context():
        message = queue_email(
            db.session,
            to="someone@example.org",
            template="confirm_email",
            language="en",
            context={"link": "https://example.org/confirm"},
        )
        state = inspect(message)
        assert state.persistent
        assert message.id is not None
        assert not state.expired_attributes
        assert db.session.get(OutboundMessage, message.id) is message
        # A change made afterwards is written by the next flush, as for any loaded object.
        message.failure_reason = "changed"
        db.session.flush()
        db.session.expire(message)
        assert message.failure_reason == "changed"
        assert message.channel is Channel.EMAIL
        assert message.recipient == "someone@example.org"
        db.session.rollback()
