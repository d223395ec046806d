"""The draw's self-check, counted by the database on the ranking the rank rows are written
from: the same figures as the pure check over the same entrants, equal submission times taken
in rank order as the pure check takes them, and a ranking that follows submission order (what
a dishonest operator might swap in) is stopped before it can be published."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from housing.applications.models import Application, ApplicationChannel
from housing.db_types import utcnow
from housing.lottery.bundle import build_bundle
from housing.lottery.draw import draw_inputs, record_run, request_draw
from housing.lottery.freeze import freeze
from housing.lottery.self_check import self_check
from tests.lottery.conftest import lottery_of, record_beacon


def entrant_facts(db_session, listing_id: int) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    """When each application of the listing was submitted, and its channel, for ``self_check``."""
    channels = {channel: index for index, channel in enumerate(ApplicationChannel)}
    rows = db_session.execute(
        select(Application.public_id, Application.submitted_at, Application.channel).where(
            Application.listing_id == listing_id
        )
    ).all()
    return SimpleNamespace(
        submitted={public_id: at.timestamp() for public_id, at, _ in rows},
        channel={public_id: channels[channel] for public_id, _, channel in rows},
    )


def _drawn(db_session, listing, staff, *, ranking_of=None):  # type: ignore[no-untyped-def]
    freeze(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    bundle = build_bundle(entrants=lottery.manifest, **draw_inputs(db_session, lottery))
    if ranking_of is not None:
        bundle["ranking"] = ranking_of(bundle["ranking"])
        bundle["lists"][-1]["entrants"] = list(bundle["ranking"])
    record_run(db_session, lottery, bundle, utcnow())
    return lottery_of(db_session, listing), bundle


def test_the_database_counts_what_the_pure_check_counts(db_session, lottery_listing, staff):
    lottery, bundle = _drawn(db_session, lottery_listing, staff)
    expected = self_check(entrant_facts(db_session, lottery_listing.id), bundle["ranking"])  # type: ignore[arg-type]
    assert lottery.self_check == expected
    assert lottery.self_check["passed"] is True


def test_equal_submission_times_are_taken_in_rank_order_as_the_pure_check_takes_them(
    db_session, lottery_listing, staff
):
    applications = db_session.scalars(
        select(Application)
        .where(Application.listing_id == lottery_listing.id)
        .order_by(Application.id)
    ).all()
    # Four moments, ten applications each: most decile boundaries fall inside a tie.
    start = min(application.submitted_at for application in applications)
    for number, application in enumerate(applications):
        application.submitted_at = start + timedelta(seconds=number % 4)
    db_session.flush()
    lottery, bundle = _drawn(db_session, lottery_listing, staff)
    expected = self_check(entrant_facts(db_session, lottery_listing.id), bundle["ranking"])  # type: ignore[arg-type]
    assert lottery.self_check == expected


def test_a_ranking_in_submission_order_fails_the_check_and_cannot_be_published(
    client, db_session, lottery_listing, staff
):
    facts = entrant_facts(db_session, lottery_listing.id)

    def first_come_first_ranked(ranking: list[str]) -> list[str]:
        return sorted(ranking, key=lambda public_id: facts.submitted[public_id])

    lottery, bundle = _drawn(db_session, lottery_listing, staff, ranking_of=first_come_first_ranked)
    assert lottery.self_check == self_check(facts, bundle["ranking"])  # type: ignore[arg-type]
    time_test = lottery.self_check["tests"][0]
    assert time_test["name"] == "submission_time_decile" and time_test["p_value"] < 1e-6
    assert lottery.self_check["passed"] is False
    from tests.accounts.helpers import post_form

    base = f"/staff/lottery/{lottery_listing.id}"
    post_form(client, f"{base}/publish", {}, token_from=base)
    assert lottery_of(db_session, lottery_listing).published_at is None
