"""Staff decisions on possible duplicates in a listing with 100,000 applications.

A throwaway PostgreSQL database gets ``count`` submitted applications on one listing past its
deadline, its lottery registered (``seed_lottery``). Each application gets the three kinds of
duplicate key a submission writes (a household member's name and date of birth, an email
address, a home address), each its own; then 1,000 groups of possible duplicates are made by
sharing keys: 700 pairs sharing an email address, 100 threes sharing a household member, and
100 chains of three applications in which the middle one shares its email address with the
first and its home address with the last (two groups that overlap). The applications in groups
get complete answers; in one group in ten the earliest of them lacks the terms (incomplete).
Then ANALYZE.

Timed, with a staff member:

* one decision, as the view makes it: the service, then the commit (``--single`` of them, each
  on another group);
* a bulk decision on all 1,000 groups ("keep the earliest complete application"), the
  service and the commit;
* the duplicates page (50 groups a page), through the Flask test client signed in as the
  staff member: the first page and the last, before the decisions and after them.

    .venv/bin/python bench/duplicate_decisions.py [--count 100000] [--single 30] [--repeat 10]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from common import ROOT, bench_app, load_average, machine, median_and_percentile, postgres_database

SECRET = "bench"  # noqa: S105 - a throwaway benchmark database
EMAIL_PAIRS = 700
MEMBER_THREES = 100
CHAINS = 100
REASON = "Checked against the paper files"


@dataclass(frozen=True)
class Seeded:
    listing_id: int
    staff_email: str
    staff_secret: str
    groups: list[tuple[str, str]]  # (rule, key) of every group
    pairs: list[tuple[str, str, str]]  # (rule, key, earlier member) of the email pairs
    seconds: float


def _complete_answers(position: int) -> dict[str, Any]:
    from tests.applications.helpers import name_for, valid_answers

    answers = valid_answers()
    answers["applicant"].update(
        first_name=name_for(position),
        email=f"dup{position}@example.org",
        address={
            "street": f"{position} Bench Street",
            "city": "Port Alder",
            "state": "CA",
            "postal_code": "94999",
        },
    )
    answers["preferences"] = {"NRHP": {"claimed": False}, "LW": {"claimed": False}}
    return answers


def _seed(count: int) -> Seeded:
    import pyotp
    from sqlalchemy import bindparam, select, text, update

    from housing.accounts.models import Role, User
    from housing.applications.models import Application, DuplicateKey
    from housing.applications.rules import check_application
    from housing.applications.services import listing_rules, local_date
    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.listings.models import Listing
    from tests.applications.helpers import name_for
    from tests.factories import TEST_PASSWORD_HASH
    from tests.lottery.synthetic import seed_lottery

    started = time.perf_counter()
    listing_id = seed_lottery(count, until="registered")
    session = db.session
    # Every application's own keys, as a submission writes them: none shared yet.
    for rule, prefix, suffix in (
        ("name_dob", "w", " person|1980-01-01"),
        ("email", "w", "@example.org"),
        ("address", "", " main st # 94999"),
    ):
        session.execute(
            text(
                "INSERT INTO application_duplicate_keys (application_id, listing_id, rule, "
                "match_key) SELECT id, listing_id, :rule, :prefix || id || :suffix "
                "FROM applications WHERE listing_id = :listing"
            ),
            {"listing": listing_id, "rule": rule, "prefix": prefix, "suffix": suffix},
        )
    ids = list(
        session.scalars(
            select(Application.id)
            .where(Application.listing_id == listing_id)
            .order_by(Application.submitted_at, Application.id)
        )
    )
    public_ids = dict(
        session.execute(
            select(Application.id, Application.public_id).where(
                Application.listing_id == listing_id
            )
        ).all()
    )
    sizes = [2] * EMAIL_PAIRS + [3] * MEMBER_THREES + [3] * CHAINS
    in_groups = sum(sizes)
    spacing = len(ids) // in_groups
    # Members of a group are spread out in submission order: a duplicate comes days later.
    members = iter(ids[position * spacing] for position in range(in_groups))
    shared: list[tuple[int, str, str]] = []  # (application id, rule, shared key)
    groups: list[tuple[str, str]] = []
    pairs: list[tuple[str, str, str]] = []
    grouped: list[list[int]] = []
    for number, size in enumerate(sizes):
        ids_of_group = [next(members) for _ in range(size)]
        grouped.append(ids_of_group)
        if number < EMAIL_PAIRS:
            key = f"shared{number}@example.org"
            shared += [(member, "email", key) for member in ids_of_group]
            groups.append(("email", key))
            pairs.append(("email", key, public_ids[ids_of_group[0]]))
        elif number < EMAIL_PAIRS + MEMBER_THREES:
            key = f"shared person {number}|1990-02-03"
            shared += [(member, "name_dob", key) for member in ids_of_group]
            groups.append(("name_dob", key))
        else:
            first, middle, last = ids_of_group
            email, address = f"chain{number}@example.org", f"{number} chain st # 94999"
            shared += [(first, "email", email), (middle, "email", email)]
            shared += [(middle, "address", address), (last, "address", address)]
            groups += [("email", email), ("address", address)]
    keys = DuplicateKey.__table__
    session.execute(
        update(keys)
        .where(keys.c.application_id == bindparam("member"), keys.c.rule == bindparam("kind"))
        .values(match_key=bindparam("shared_key")),
        [{"member": member, "kind": rule, "shared_key": key} for member, rule, key in shared],
    )
    listing = session.get(Listing, listing_id)
    rules, today = listing_rules(listing), local_date(listing, utcnow())
    rows = []
    for number, ids_of_group in enumerate(grouped):
        for place, member in enumerate(ids_of_group):
            answers = _complete_answers(member)
            if number % 10 == 0 and place == 0:
                answers["terms_accepted"] = False
            else:
                problems = check_application(answers, rules, today)
                assert not problems, problems
            rows.append(
                {
                    "member": member,
                    "new_answers": answers,
                    "new_name": f"{name_for(member)} Lopez",
                    "new_email": f"dup{member}@example.org",
                }
            )
    table = Application.__table__
    session.execute(
        update(table)
        .where(table.c.id == bindparam("member"))
        .values(
            submitted_answers=bindparam("new_answers", type_=table.c.submitted_answers.type),
            applicant_name=bindparam("new_name"),
            contact_email=bindparam("new_email"),
        ),
        rows,
    )
    staff = User(
        email="staff@example.org",
        full_name="Staff",
        password_hash=TEST_PASSWORD_HASH,
        role=Role.STAFF,
        email_confirmed_at=utcnow(),
        totp_secret=pyotp.random_base32(),
        totp_enabled_at=utcnow(),
    )
    session.add(staff)
    session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    return Seeded(
        listing_id,
        staff.email,
        staff.totp_secret or "",
        groups,
        pairs,
        time.perf_counter() - started,
    )


def _figures(times: list[float]) -> str:
    median, p95 = median_and_percentile(times, 0.95)
    return f"median {median:8.1f} ms, p95 {p95:8.1f} ms, slowest {max(times):8.1f} ms"


def _single_decisions(app: Any, seeded: Seeded, how_many: int) -> list[float]:
    """Each of ``how_many`` email pairs decided on its own, as the view does: the earlier
    application stays in."""
    from sqlalchemy import select

    from housing.accounts.models import User
    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.lottery import duplicate_decisions

    times = []
    with app.app_context():
        for rule, key, earlier in seeded.pairs[:how_many]:
            staff = db.session.scalars(select(User).where(User.email == seeded.staff_email)).one()
            started = time.perf_counter()
            duplicate_decisions.decide_duplicates(
                db.session,
                seeded.listing_id,
                rule,
                key,
                staff,
                utcnow(),
                kept=earlier,
                reason=REASON,
            )
            db.session.commit()
            times.append((time.perf_counter() - started) * 1000)
            db.session.remove()
    return times


def _bulk_decision(app: Any, seeded: Seeded) -> tuple[float, str]:
    """Every group decided at once ("keep the earliest complete application"): milliseconds,
    and what came of it."""
    from sqlalchemy import select

    from housing.accounts.models import User
    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.lottery import duplicate_bulk

    with app.app_context():
        staff = db.session.scalars(select(User).where(User.email == seeded.staff_email)).one()
        started = time.perf_counter()
        outcome = duplicate_bulk.decide_duplicate_groups(
            db.session,
            seeded.listing_id,
            [f"{rule}:{key}" for rule, key in seeded.groups],
            staff,
            utcnow(),
            action=duplicate_bulk.BulkAction.KEEP_EARLIEST_COMPLETE,
            reason=REASON,
        )
        db.session.commit()
        elapsed = (time.perf_counter() - started) * 1000
        db.session.remove()
    later = sum(1 for group, chosen in outcome.decided if chosen != group.members[0].public_id)
    return elapsed, (
        f"{len(outcome.decided)} groups decided, {later} of them keeping a later application "
        "(the earliest incomplete, or left out by an overlapping group)"
    )


def _signed_in(app: Any, seeded: Seeded) -> Any:
    """A test client signed in as the staff member (once: the site takes each code once)."""
    from types import SimpleNamespace

    from tests.accounts.helpers import sign_in_as

    client = app.test_client()
    sign_in_as(client, SimpleNamespace(email=seeded.staff_email, totp_secret=seeded.staff_secret))
    return client


def _page_times(client: Any, seeded: Seeded, repeat: int) -> list[tuple[str, list[float]]]:
    from housing.lottery.duplicate_review import page_count

    base = f"/partner/listings/{seeded.listing_id}/duplicates"
    last = page_count(len(seeded.groups))
    kinds = [
        ("duplicates page, first page", base),
        (f"duplicates page, last page ({last})", f"{base}?page={last}"),
    ]
    results = []
    for label, url in kinds:
        for _ in range(2):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and "<table>" in response.text, url
        results.append((label, times))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=30, help="single decisions to time")
    parser.add_argument("--repeat", type=int, default=10, help="requests of each page")
    arguments = parser.parse_args()
    members = 2 * EMAIL_PAIRS + 3 * (MEMBER_THREES + CHAINS)
    if arguments.count < 2 * members:
        parser.error(f"--count must be at least {2 * members} to spread the groups out")

    from flask_migrate import upgrade

    print(f"machine: {machine()}; load average {load_average()}")
    with postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        app = bench_app(url, folder, secret_key=SECRET, rate_limits_enabled=False)
        logging.getLogger("housing.requests").setLevel(logging.WARNING)  # a line per request
        from housing.extensions import db

        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            seeded = _seed(arguments.count)
            db.session.remove()
        print(
            f"{arguments.count:,} applications, {len(seeded.groups):,} groups of possible "
            f"duplicates ({CHAINS} pairs of them overlapping): seeded in {seeded.seconds:.1f} s"
        )
        client = _signed_in(app, seeded)
        pages_before = _page_times(client, seeded, arguments.repeat)
        single = _single_decisions(app, seeded, arguments.single)
        print(f"one decision (service + commit), {len(single)} groups: {_figures(single)}")
        bulk, outcome = _bulk_decision(app, seeded)
        print(
            f"bulk decision on {len(seeded.groups):,} groups (service + commit): "
            f"{bulk:.0f} ms; {outcome}"
        )
        pages_after = _page_times(client, seeded, arguments.repeat)
        for when, pages in (("undecided", pages_before), ("after the bulk decision", pages_after)):
            for label, times in pages:
                print(f"{label} ({when}), {len(times)} requests: {_figures(times)}")
        print(f"load average after the runs: {load_average()}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
