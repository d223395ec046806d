"""The personal data of the households a listing did not house is erased a set number of days
after its lease-up closes, by a job that can be run again, run twice at once, or run after one
that crashed; the lottery's records stay, and the published draw still verifies."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from housing.applications.models import Application, ApplicationDocument, DuplicateKey
from housing.audit.models import ActivityEntry
from housing.config import Config
from housing.db_types import utcnow
from housing.extensions import db
from housing.leaseup.models import DocumentRequest, LeaseUpEntry, LeaseUpEvent
from housing.lottery.models import LotteryLogEntry
from housing.lottery.verify import verify_bundle
from housing.notifications.models import MessageState, OutboundMessage
from housing.privacy import services, tasks
from tests.privacy.conftest import DRAFT_NAME, NOTE, PAY_STUB, REASON, application_ids

YEAR = timedelta(days=365)


def erase(app, moment):  # type: ignore[no-untyped-def]
    with app.app_context():
        return tasks.erase_due(moment)


def due_moment(listing):  # type: ignore[no-untyped-def]
    return listing.lease_up_closed_at + YEAR + timedelta(minutes=1)


def stored_keys(db_session, application_ids):  # type: ignore[no-untyped-def]
    return set(
        db_session.scalars(
            select(ApplicationDocument.storage_key).where(
                ApplicationDocument.application_id.in_(application_ids)
            )
        )
    )


def exists(storage, key) -> bool:  # type: ignore[no-untyped-def]
    return storage._path(key).exists()


def everything_in_the_database(db_session) -> str:  # type: ignore[no-untyped-def]
    """Every row of every table, as text."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows += [repr(tuple(row)) for row in db_session.execute(select(table))]
    return "\n".join(rows)


def personal_facts(answers) -> list[str]:  # type: ignore[no-untyped-def]
    """The applicant's and the household members' names, the email and the street."""
    you = answers["applicant"]
    facts = [you["first_name"], you["last_name"], you["email"], you["address"]["street"]]
    return facts + [member["first_name"] for member in answers.get("household") or []]


def mentioned(fact: str, text: str) -> bool:
    """``fact`` in ``text`` as a whole ("7 Main Street" is not in "17 Main Street")."""
    return re.search(rf"(?<!\w){re.escape(fact)}(?!\w)", text) is not None


def erased_count(db_session) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(
        select(func.count()).select_from(Application).where(Application.erased_at.is_not(None))
    )


def audited(db_session) -> list[dict]:  # type: ignore[type-arg, no-untyped-def]
    return list(
        db_session.scalars(
            select(ActivityEntry.detail)
            .where(ActivityEntry.action == "privacy.erased")
            .order_by(ActivityEntry.id)
        )
    )


def test_the_households_not_housed_lose_their_personal_data_and_the_draw_still_verifies(
    app, client, db_session, closed, storage
):
    listing = closed.listing
    everyone = application_ids(db_session, listing)
    housed = {application.id for application in closed.housed}
    others = [application_id for application_id in everyone if application_id not in housed]
    kept_facts = {
        fact for application in closed.housed for fact in personal_facts(application.answers)
    }
    # Less what a housed household also says, whole or in part: a family name two households
    # share, or a name within a longer one.
    erased_facts = {
        fact
        for application in db_session.scalars(select(Application).where(Application.id.in_(others)))
        for fact in personal_facts(application.answers)
        if not any(mentioned(fact, kept) or mentioned(kept, fact) for kept in kept_facts)
    }
    housed_keys, other_keys = stored_keys(db_session, housed), stored_keys(db_session, others)
    assert other_keys and all(exists(storage, key) for key in other_keys | housed_keys)
    housed_before = {
        application.id: (application.submitted_answers, application.applicant_name)
        for application in closed.housed
    }
    bundle_before = client.get(f"/listings/{listing.id}/lottery/results.json").get_data()
    log_before = db_session.scalar(select(func.count()).select_from(LotteryLogEntry))

    # Before: the scan finds them all.
    held = everything_in_the_database(db_session)
    for text in (DRAFT_NAME, "dorotea@example.org", REASON, NOTE, PAY_STUB, "Harbor Bakery"):
        assert text in held
    assert len(erased_facts) > 100 and all(mentioned(fact, held) for fact in erased_facts)

    assert erase(app, due_moment(listing) - timedelta(days=1)).total == 0
    done = erase(app, due_moment(listing))

    assert done.applications == {listing.id: len(others)}
    db_session.expire_all()
    for application in db_session.scalars(select(Application).where(Application.id.in_(others))):
        assert application.answers == {}
        assert application.submitted_answers in ({}, None)
        assert (application.applicant_name, application.contact_email) == ("", "")
        assert application.household_size is None and application.annual_income is None
        assert application.erased_at is not None
        assert application.public_id and (application.lottery_number or application is closed.draft)
        assert all(version.answers == {} for version in application.versions)
    assert closed.draft.erased_at is not None and closed.draft.submitted_answers is None
    # The proofs: files and rows gone, those of the housed households kept.
    assert not any(exists(storage, key) for key in other_keys)
    assert all(exists(storage, key) for key in housed_keys)
    assert done.files == len(other_keys)
    assert stored_keys(db_session, others) == set()
    assert not db_session.scalars(
        select(DuplicateKey).where(DuplicateKey.application_id.in_(others))
    ).all()
    # What lease-up wrote about them, and what the households were told.
    assert closed.disqualified.erased_at is not None
    entry = db_session.scalars(
        select(LeaseUpEntry).where(LeaseUpEntry.application_id == closed.disqualified.id)
    ).one()
    assert entry.status.value == "disqualified" and entry.reason == ""
    for event in db_session.scalars(
        select(LeaseUpEvent).where(LeaseUpEvent.application_id.in_(others))
    ):
        assert (event.reason, event.comment) == ("", "")
    (request,) = db_session.scalars(
        select(DocumentRequest).where(DocumentRequest.application_id == closed.answered.id)
    ).all()
    assert request.message == "" and request.response == {}
    assert request.responded_at is not None
    messages = db_session.scalars(
        select(OutboundMessage).where(OutboundMessage.application_id.in_(others))
    ).all()
    assert messages
    for message in messages:
        assert (message.recipient, message.subject, message.body_text, message.body_html) == (
            "",
            "",
            "",
            "",
        )
        assert message.context is None
        assert message.state in (MessageState.SENT, MessageState.SUPPRESSED)
    # Nowhere in the database: the names, addresses, emails, notes and files of those erased.
    held = everything_in_the_database(db_session)
    assert {fact for fact in erased_facts if mentioned(fact, held)} == set()
    for text in (DRAFT_NAME, "dorotea@example.org", REASON, NOTE, PAY_STUB, "Harbor Bakery"):
        assert text not in held
    # The housed households keep everything.
    for application in closed.housed:
        assert application.erased_at is None
        assert (application.submitted_answers, application.applicant_name) == housed_before[
            application.id
        ]
    # The activity log says how many, and nothing more.
    (entry_detail,) = audited(db_session)
    assert entry_detail["applications"] == len(others)
    assert entry_detail["documents"] == len(other_keys)
    assert all(isinstance(value, int) for value in entry_detail.values())
    # The lottery's records: the same bundle, which still verifies, and the log untouched.
    bundle_after = client.get(f"/listings/{listing.id}/lottery/results.json").get_data()
    assert bundle_after == bundle_before
    assert verify_bundle(json.loads(bundle_after)).startswith("OK:")
    assert db_session.scalar(select(func.count()).select_from(LotteryLogEntry)) == log_before
    # An erased household still finds its rank by its lottery number, with no account.
    erased = db_session.get(Application, others[0])
    found = client.application.test_client().get(
        f"/listings/{listing.id}/lottery/lookup", query_string={"number": erased.lottery_number}
    )
    assert found.status_code == 200 and "rank" in found.text
    # The partners' pages still open on an erased application.
    page = client.get(f"/partner/listings/{listing.id}/applications/{erased.public_id}")
    assert page.status_code == 200


def test_nothing_is_erased_while_lease_up_is_open_nor_when_erasure_is_off(
    app, db_session, worked, closed, monkeypatch
):
    long_after = utcnow() + 10 * YEAR
    off = dataclasses.replace(app.config["HOUSING"], privacy_erase_after_days=None)
    monkeypatch.setitem(app.config, "HOUSING", off)
    assert erase(app, long_after).total == 0
    monkeypatch.undo()
    assert erased_count(db_session) == 0

    closed.listing.lease_up_closed_at = None  # as if staff had not closed it
    db_session.flush()
    assert erase(app, long_after).total == 0
    assert erased_count(db_session) == 0


def test_a_run_that_crashes_midway_is_finished_by_the_next_one_and_nothing_twice(
    app, db_session, closed, monkeypatch
):
    listing = closed.listing
    to_erase = len(application_ids(db_session, listing)) - len(closed.housed)
    monkeypatch.setattr(tasks, "ERASE_BATCH", 5)
    real = services.erase_batch
    seen = {"erased": 0}

    def crashing_after_twelve(*args, **kwargs):  # type: ignore[no-untyped-def]
        erased = real(*args, **kwargs)
        seen["erased"] += erased
        if seen["erased"] >= 12:
            raise RuntimeError("the worker's machine went away")
        return erased

    monkeypatch.setattr(services, "erase_batch", crashing_after_twelve)
    first_moment = due_moment(listing)
    with pytest.raises(RuntimeError):
        erase(app, first_moment)
    monkeypatch.setattr(services, "erase_batch", real)
    db_session.expire_all()
    # Two batches committed; the third, in progress, was rolled back whole.
    assert erased_count(db_session) == 10
    assert sum(detail["applications"] for detail in audited(db_session)) == 10
    first_ones = set(
        db_session.scalars(select(Application.id).where(Application.erased_at == first_moment))
    )

    done = erase(app, first_moment + timedelta(hours=1))
    db_session.expire_all()
    assert done.total == to_erase - 10
    assert erased_count(db_session) == to_erase
    assert sum(detail["applications"] for detail in audited(db_session)) == to_erase
    # Those erased before the crash were not taken again.
    assert first_ones == set(
        db_session.scalars(select(Application.id).where(Application.erased_at == first_moment))
    )
    entries = len(audited(db_session))
    assert erase(app, first_moment + timedelta(days=1)).total == 0
    assert len(audited(db_session)) == entries


def test_files_a_stopped_run_left_are_deleted_by_the_next_one(
    app, db_session, closed, storage, monkeypatch
):
    others = [
        application_id
        for application_id in application_ids(db_session, closed.listing)
        if application_id not in {application.id for application in closed.housed}
    ]
    keys = stored_keys(db_session, others)

    def storage_down(key: str) -> None:
        raise OSError("the storage did not answer")

    monkeypatch.setattr(storage, "delete", storage_down)
    with pytest.raises(OSError):
        erase(app, due_moment(closed.listing))
    monkeypatch.undo()
    db_session.expire_all()
    # The erasure is committed; the files, and the rows that find them, are still there.
    assert erased_count(db_session) > 0
    assert all(exists(storage, key) for key in keys)
    assert stored_keys(db_session, others) == keys

    with app.app_context():
        found = tasks.pending(due_moment(closed.listing))
    assert found.files == len(keys)
    done = erase(app, due_moment(closed.listing))
    assert done.files == len(keys)
    assert not any(exists(storage, key) for key in keys)
    assert stored_keys(db_session, others) == set()


def test_the_command_counts_first_with_dry_run_then_erases(app, db_session, runner, worked):
    to_erase = len(application_ids(db_session, worked.listing)) - len(worked.housed)
    worked.listing.lease_up_closed_at = utcnow() - timedelta(days=400)
    db_session.flush()

    counted = runner.invoke(args=["privacy", "erase", "--dry-run"])
    assert counted.exit_code == 0, counted.output
    assert f"Listing {worked.listing.id}: {to_erase} application(s)." in counted.output
    assert f"would erase the personal data of {to_erase} application(s) in 1 listing(s)" in (
        counted.output
    )
    assert erased_count(db_session) == 0

    erased = runner.invoke(args=["privacy", "erase"])
    assert erased.exit_code == 0, erased.output
    assert f"erased the personal data of {to_erase} application(s)" in erased.output
    assert erased_count(db_session) == to_erase

    again = runner.invoke(args=["privacy", "erase"])
    assert "erased the personal data of 0 application(s)" in again.output


def test_the_command_says_when_erasure_is_off(app, runner, db_session, monkeypatch):
    off = dataclasses.replace(app.config["HOUSING"], privacy_erase_after_days=None)
    monkeypatch.setitem(app.config, "HOUSING", off)
    result = runner.invoke(args=["privacy", "erase"])
    assert result.exit_code == 0
    assert "Erasure is off" in result.output


@pytest.mark.parametrize(
    ("value", "days"), [(None, 365), ("30", 30), ("0", 0), ("off", None), ("OFF", None)]
)
def test_the_days_before_erasure_come_from_the_environment(value, days, tmp_path):
    environment = {"HOUSING_INSTANCE_FOLDER": str(tmp_path), "SECRET_KEY": "x"}
    if value is not None:
        environment["PRIVACY_ERASE_AFTER_DAYS"] = value
    assert Config.from_env(environment).privacy_erase_after_days == days


@pytest.mark.parametrize("value", ["-1", "a year"])
def test_days_before_erasure_that_make_no_sense_stop_the_start(value, tmp_path):
    environment = {
        "HOUSING_INSTANCE_FOLDER": str(tmp_path),
        "SECRET_KEY": "x",
        "PRIVACY_ERASE_AFTER_DAYS": value,
    }
    with pytest.raises(ValueError):
        Config.from_env(environment)
