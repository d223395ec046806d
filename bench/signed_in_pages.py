"""The signed-in pages at 100,000 applications: a resident's applications, the partner's
applications table, the lease-up work list and the staff dashboard.

A throwaway PostgreSQL database gets the seeding of ``applications_table.py``: ``count``
submitted applications on one listing, drawn and published, with names, emails, household
sizes, incomes and some possible duplicates. Three small listings are added (two drawn and
published, one past its deadline and not drawn yet), and a resident holds one application on
each of the four, so that their page shows four applications, three with lottery results.
Then VACUUM ANALYZE, as autovacuum would soon after such a load.
The resident, the listing's partner and a staff member sign in through the Flask test client,
each with a client of their own. Each page is fetched twice to warm up, then ``--repeat``
times, the pages taking turns; the whole request (routing, session, queries, template) is
timed, and the first request of each is printed apart: the lease-up work list is kept between
requests (``housing/leaseup/kept_work.py``), so its first request, like the first after any
change, computes it from every rank. The SQL statements of one more request of each page are
counted.

    .venv/bin/python bench/signed_in_pages.py [--count 100000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from applications_table import _partner, _seed
from common import ROOT, bench_app, load_average, machine, median_and_percentile, postgres_database
from sqlalchemy import event, text

SECRET = "bench"  # noqa: S105 - a throwaway benchmark database
# The resident's other listings: an id prefix each, and whether it is drawn and published.
SMALL_LISTINGS = (("A", True), ("B", True), ("C", False))
SMALL_ENTRANTS = 200


def _small_listing(prefix: str, published: bool) -> int:
    """A listing of ``SMALL_ENTRANTS`` applications, drawn and published or only past its
    deadline; its id."""
    from housing.db_types import utcnow
    from housing.extensions import db
    from housing.lottery.models import Lottery
    from housing.lottery.publish import publish
    from housing.lottery.tasks import run_draw
    from tests.lottery.synthetic import seed_lottery

    codes = (f"{prefix}NRHP", f"{prefix}LW")
    if not published:
        return seed_lottery(SMALL_ENTRANTS, codes, until="registered", id_prefix=prefix)
    lottery_id = seed_lottery(SMALL_ENTRANTS, codes, id_prefix=prefix)
    run_draw(lottery_id)
    listing_id = int(db.session.get(Lottery, lottery_id).listing_id)
    db.session.commit()
    publish(db.session, listing_id, None, utcnow())
    db.session.commit()
    return listing_id


def _user(email: str, role: Any, *, two_factor: bool) -> SimpleNamespace:
    import pyotp

    from housing.accounts.models import User
    from housing.db_types import utcnow
    from housing.extensions import db
    from tests.factories import TEST_PASSWORD_HASH

    user = User(
        email=email,
        full_name=email.split("@")[0].title(),
        password_hash=TEST_PASSWORD_HASH,
        role=role,
        email_confirmed_at=utcnow(),
        totp_secret=pyotp.random_base32() if two_factor else None,
        totp_enabled_at=utcnow() if two_factor else None,
    )
    db.session.add(user)
    db.session.commit()
    # What signing in needs, readable once the session is gone.
    return SimpleNamespace(id=user.id, email=user.email, totp_secret=user.totp_secret)


def _resident(listing_ids: list[int]) -> SimpleNamespace:
    """A resident who holds the first application of each listing."""
    from sqlalchemy import func, select, update

    from housing.accounts.models import Role
    from housing.applications.models import Application
    from housing.extensions import db

    resident = _user("resident@example.org", Role.APPLICANT, two_factor=False)
    for listing_id in listing_ids:
        first = select(func.min(Application.id)).where(Application.listing_id == listing_id)
        db.session.execute(
            update(Application)
            .where(Application.id == first.scalar_subquery())
            .values(user_id=resident.id)
        )
    db.session.commit()
    return resident


def _time_all(
    pages: list[tuple[str, Callable[[], Any]]], repeat: int
) -> tuple[list[float], list[list[float]], list[list[float]]]:
    """Milliseconds of each page's first request (nothing kept yet: the lease-up work list is
    computed from every rank then), and per request after the warm-up, wall clock and this
    process's CPU (the database server's work is not in the CPU time). The pages take turns,
    so that a burst of load from elsewhere on the machine falls on every page alike."""
    first: list[float] = []
    for label, get in pages:
        for attempt in range(2):
            started = time.perf_counter()
            response = get()
            if attempt == 0:
                first.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
    times: list[list[float]] = [[] for _ in pages]
    cpu: list[list[float]] = [[] for _ in pages]
    for _ in range(repeat):
        for index, (label, get) in enumerate(pages):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = get()
            times[index].append((time.perf_counter() - started) * 1000)
            cpu[index].append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
    return first, times, cpu


def _statements(engine: Any, pages: list[tuple[str, Callable[[], Any]]]) -> list[int]:
    """The SQL statements one request of each page sends."""
    sent: list[str] = []

    def count(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        counts = []
        for _label, get in pages:
            sent.clear()
            response = get()
            assert response.status_code == 200, (_label, response.status_code)
            counts.append(len(sent))
        return counts
    finally:
        event.remove(engine, "before_cursor_execute", count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    arguments = parser.parse_args()
    count = arguments.count

    from flask_migrate import upgrade

    # The app logs every request at INFO; the table is what this prints.
    logging.getLogger("housing.requests").setLevel(logging.WARNING)

    with postgres_database() as url, tempfile.TemporaryDirectory() as folder:
        app = bench_app(url, folder, secret_key=SECRET, rate_limits_enabled=False)
        from housing.accounts.models import Role
        from housing.extensions import db
        from tests.accounts.helpers import sign_in_as

        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            listing_id, seconds = _seed(count)
            partner = _partner(listing_id)
            others = [_small_listing(prefix, done) for prefix, done in SMALL_LISTINGS]
            resident = _resident([listing_id, *others])
            staff = _user("staff@example.org", Role.STAFF, two_factor=True)
            engine = db.engine
            db.session.remove()
            # What autovacuum does soon after a load like this one: with the visibility map
            # set, counts read an index alone instead of every row.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
            db.session.remove()
        print(
            f"{count:,} applications on one listing, published results, and "
            f"{len(others)} listings of {SMALL_ENTRANTS}: seeded in {seconds:.1f} s"
        )
        print(f"Machine: {machine()}")

        clients = {}
        for name, user in (("resident", resident), ("partner", partner), ("staff", staff)):
            clients[name] = app.test_client()
            sign_in_as(clients[name], user)

        def page(who: str, url: str) -> Callable[[], Any]:
            return lambda: clients[who].get(url)

        pages = [
            ("resident: your applications (4)", page("resident", "/account/applications")),
            (
                "partner: applications table, first page",
                page("partner", f"/partner/listings/{listing_id}/applications"),
            ),
            (
                "partner: lease-up work list",
                page("partner", f"/partner/listings/{listing_id}/lease-up"),
            ),
            ("staff: dashboard", page("staff", "/staff/dashboard")),
        ]
        load_before = load_average()
        first, results, cpu = _time_all(pages, arguments.repeat)
        load_after = load_average()
        # Outside any application context: each request must push its own, or the user
        # signed in for one client would stay in ``g`` for the next.
        counts = _statements(engine, pages)
        print(
            f"load average before {load_before}, after {load_after} (2 cores: over 2 is contention)"
        )
        print(
            f"{'page':<44} {'median ms':>10} {'p90 ms':>8} {'statements':>11}"
            f" {'CPU median ms':>14} {'first ms':>9}"
        )
        for (label, _get), times, cpu_times, statements, first_ms in zip(
            pages, results, cpu, counts, first, strict=True
        ):
            median, p90 = median_and_percentile(times, 0.9)
            print(
                f"{label:<44} {median:>10.1f} {p90:>8.1f} {statements:>11}"
                f" {statistics.median(cpu_times):>14.1f} {first_ms:>9.1f}",
                flush=True,
            )
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
