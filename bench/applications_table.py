"""The applications table of one listing with 100,000 applications, as its partner pages it.

A throwaway PostgreSQL database gets ``count`` submitted applications on one listing
(``seed_lottery``, two preferences), drawn and published so the table can sort by rank. Each
row is then given a name (360 names, so many tie), an email address, a household size of 1 to
6, a yearly income (its preference claims are written by the seeding), and one in fifty an email shared with another
application (a possible duplicate); then ANALYZE. A partner assigned to the listing signs in
through the Flask test client, and each kind of page is fetched ``--repeat`` times after two
warm-up requests: the whole request (routing, session, queries, template) is timed.

Deep pages are reached the way the next and previous links reach them, by a cursor: the
cursor of the row at the middle and at the end of the order is made directly (following 1,000
next links would time the same request 1,000 times).

    .venv/bin/python bench/applications_table.py [--count 100000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from common import ROOT, bench_app, load_average, machine, median_and_percentile, postgres_database

SECRET = "bench"  # noqa: S105 - a throwaway benchmark database

FIRST_NAMES = ["Ana", "Ben", "Cai", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jia"]
FIRST_NAMES += ["Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tariq"]
LAST_NAMES = ["Abara", "Brown", "Chen", "Diaz", "Evans", "Fong", "Garcia", "Haddad", "Ito"]
LAST_NAMES += ["Jones", "Kim", "Lopez", "Mensah", "Nguyen", "Okafor", "Patel", "Quispe", "Rossi"]


def _seed(count: int) -> tuple[int, float]:
    """The listing id and the seconds it took: seed, draw, publish, fill in the table's columns."""
    from sqlalchemy import text

    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.lottery.models import Lottery
    from housing.lottery.publish import publish
    from housing.lottery.tasks import run_draw
    from tests.lottery.synthetic import seed_lottery

    started = time.perf_counter()
    lottery_id = seed_lottery(count, emails=True)
    run_draw(lottery_id)
    listing_id = db.session.get(Lottery, lottery_id).listing_id
    db.session.commit()
    publish(db.session, listing_id, None, utcnow())
    db.session.commit()
    statements = [
        # Spread by a hash of the id, so no column follows another or the preference claims.
        """UPDATE applications SET
            applicant_name = (CAST(:first AS text[]))[1 + abs(hashtext('f' || id)) % 20]
                || ' ' || (CAST(:last AS text[]))[1 + abs(hashtext('l' || id)) % 18],
            contact_email = 'w' || id || '@example.org',
            household_size = 1 + abs(hashtext('s' || id)) % 6,
            annual_income = 15000 + abs(hashtext('i' || id)) % 110000
            WHERE listing_id = :listing""",
        """INSERT INTO application_duplicate_keys (application_id, listing_id, rule, match_key)
            SELECT id, listing_id, 'email', 'shared' || (id / 2) FROM applications
            WHERE listing_id = :listing AND id % 100 < 2""",
    ]
    names = {"first": FIRST_NAMES, "last": LAST_NAMES}
    for statement in statements:
        wanted = {"listing": listing_id, **{k: v for k, v in names.items() if f":{k}" in statement}}
        db.session.execute(text(statement), wanted)
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    return listing_id, time.perf_counter() - started


def _partner(listing_id: int) -> Any:
    import pyotp

    from housing.accounts.models import PartnerAssignment, Role, User
    from housing.db_types import utcnow
    from housing.extensions import db
    from tests.factories import TEST_PASSWORD_HASH

    partner = User(
        email="partner@example.org",
        full_name="Partner",
        password_hash=TEST_PASSWORD_HASH,
        role=Role.PARTNER,
        email_confirmed_at=utcnow(),
        totp_secret=pyotp.random_base32(),
        totp_enabled_at=utcnow(),
    )
    db.session.add(partner)
    db.session.flush()
    db.session.add(PartnerAssignment(user_id=partner.id, listing_id=listing_id))
    db.session.commit()
    # What signing in needs, readable once the session is gone.
    return SimpleNamespace(email=partner.email, totp_secret=partner.totp_secret)


def _cursor_at(listing_id: int, sort: str, position: int) -> str:
    """The cursor of the row at ``position`` in a sort's order, as a next link would carry it."""
    from sqlalchemy import select

    from housing.applications import table
    from housing.applications.models import Application
    from housing.extensions import db
    from housing.lottery.lookup import published_run

    run = published_run(db.session, listing_id)
    if sort == "rank":
        from housing.lottery.models import LotteryRank

        rank, row_id = db.session.execute(
            select(LotteryRank.master_rank, LotteryRank.application_id)
            .where(LotteryRank.run_id == run.id)
            .order_by(LotteryRank.master_rank)
            .offset(position)
            .limit(1)
        ).one()
        return table.encode_cursor("rank", True, rank, row_id)
    column = {
        "newest": Application.submitted_at.desc(),
        "name": Application.applicant_name.asc(),
    }[sort]
    tie = Application.id.desc() if sort == "newest" else Application.id.asc()
    key = Application.submitted_at if sort == "newest" else Application.applicant_name
    value, row_id = db.session.execute(
        select(key, Application.id)
        .where(Application.listing_id == listing_id)
        .order_by(column, tie)
        .offset(position)
        .limit(1)
    ).one()
    db.session.rollback()
    return table.encode_cursor(sort, True, value, row_id)


def _check(response: Any, url: str) -> None:
    assert response.status_code == 200, (url, response.status_code)
    # A page of rows, an empty match, or the lease-up pages' tables.
    assert any(
        mark in response.text for mark in ('scope="row"', "No applications match", "<tbody>")
    ), url


def _time_all(get: Callable[[str], Any], urls: list[str], repeat: int) -> list[list[float]]:
    """Milliseconds per request of each URL. The URLs take turns, so a burst of load from
    elsewhere on the machine falls on every kind of page alike."""
    for url in urls:
        for _ in range(2):
            _check(get(url), url)
    times: list[list[float]] = [[] for _ in urls]
    for _ in range(repeat):
        for index, url in enumerate(urls):
            started = time.perf_counter()
            response = get(url)
            times[index].append((time.perf_counter() - started) * 1000)
            _check(response, url)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    arguments = parser.parse_args()
    count = arguments.count

    from flask_migrate import upgrade

    with postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        app = bench_app(url, folder, secret_key=SECRET, rate_limits_enabled=False)
        from housing.extensions import db
        from tests.accounts.helpers import sign_in_as

        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            listing_id, seconds = _seed(count)
            partner = _partner(listing_id)
            cursors = {
                "newest, middle": ("newest", _cursor_at(listing_id, "newest", count // 2)),
                "newest, last page": ("newest", _cursor_at(listing_id, "newest", count - 30)),
                "name, middle": ("name", _cursor_at(listing_id, "name", count // 2)),
                "rank, middle": ("rank", _cursor_at(listing_id, "rank", count // 2)),
                "rank, last page": ("rank", _cursor_at(listing_id, "rank", count - 30)),
            }
            db.session.remove()
        print(
            f"{count:,} applications on one listing, published results: seeded in {seconds:.1f} s"
        )
        print(f"Machine: {machine()}")

        base = f"/partner/listings/{listing_id}/applications"
        client = app.test_client()
        sign_in_as(client, partner)
        kinds: list[tuple[str, str]] = [
            ("first page, newest first", base),
            ("first page, by lottery rank", f"{base}?sort=rank"),
            ("first page, by name", f"{base}?sort=name"),
            ("first page, largest household first", f"{base}?sort=largest"),
        ]
        for label, (sort, cursor) in cursors.items():
            kinds.append((f"deep page: {label}", f"{base}?sort={sort}&after={cursor}"))
        kinds.append(
            ("previous page from the middle", f"{base}?before={cursors['newest, middle'][1]}")
        )
        kinds += [
            (
                "filter: preference NRHP, size 3, online",
                f"{base}?preference=NRHP&size=3&channel=online",
            ),
            ("filter: income up to 80% AMI, by rank", f"{base}?income=ami-80&sort=rank"),
            ("filter: possible duplicates", f"{base}?flagged=1"),
            ("filter: withdrawn (none match)", f"{base}?status=withdrawn"),
            ("search: a surname (about 5% match)", f"{base}?q=okafor"),
            ("search: a lottery number (one match)", f"{base}?q={10_000_000 + count // 3}"),
            ("search: an email address (one match)", f"{base}?q=w{count // 2}@example.org"),
            # Lease-up reads every rank of the results to compute who is next.
            ("lease-up work list", f"/partner/listings/{listing_id}/lease-up"),
            (
                "lease-up waitlist, page 500",
                f"/partner/listings/{listing_id}/lease-up/waitlist?page=500",
            ),
        ]
        load_before = load_average()
        results = _time_all(client.get, [url_path for _, url_path in kinds], arguments.repeat)
        print(
            f"load average before {load_before}, after {load_average()} (2 cores: over 2 is contention)"
        )
        print(f"{'page':<48} {'median ms':>10} {'p95 ms':>8}")
        for (label, _url), times in zip(kinds, results, strict=True):
            median, p95 = median_and_percentile(times, 0.95)
            print(f"{label:<48} {median:>10.1f} {p95:>8.1f}", flush=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
