"""The paths that must hold at any size, checked on small data: the manifest read from the
claims table, the draw job's bundle written from the manifest's stored text, results pages
read a page at a time, the published files made once by a job and served from storage, and a
draw claimed before it is computed."""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import event, select, text

from housing.applications.models import Application, PreferenceClaim, PreferenceDecision
from housing.db_types import utcnow
from housing.extensions import db
from housing.lottery import result_files, results_pages
from housing.lottery.bundle import build_bundle
from housing.lottery.draw import draw_inputs, request_draw
from housing.lottery.freeze import entrants_of, freeze
from housing.lottery.models import LotteryRank, LotteryRun, LotteryStatus
from housing.lottery.publish import publish
from housing.lottery.tasks import DRAW_LOCK, resume_draws, run_draw, write_result_files
from tests import factories
from tests.lottery.conftest import lottery_of, record_beacon

pytestmark = pytest.mark.postgresql_only


def claims_of(db_session, listing, code):  # type: ignore[no-untyped-def]
    return db_session.scalars(
        select(PreferenceClaim)
        .where(PreferenceClaim.listing_id == listing.id, PreferenceClaim.preference_code == code)
        .order_by(PreferenceClaim.application_id)
    ).all()


def public_id(db_session, application_id):  # type: ignore[no-untyped-def]
    return db_session.get(Application, application_id).public_id


def test_the_manifest_comes_from_the_claims_with_veteran_status_per_claim(
    db_session, lottery_listing
):
    listing = lottery_listing  # NRHP has a veteran list, LW has none
    nrhp = claims_of(db_session, listing, "NRHP")
    lw = claims_of(db_session, listing, "LW")
    for claim in (*nrhp[:3], lw[0]):
        claim.veteran = True
    withdrawn_veteran, invalid_claim = nrhp[1], nrhp[2]
    for claim, code in ((withdrawn_veteran, "V-NRHP"), (invalid_claim, "NRHP")):
        db_session.add(
            PreferenceDecision(
                application_id=claim.application_id, preference_code=code, valid=False
            )
        )
    db_session.flush()

    manifest = {entrant["id"]: entrant for entrant in entrants_of(db_session, listing.id)}

    assert len(manifest) == 40
    assert list(manifest) == sorted(manifest)
    veteran = manifest[public_id(db_session, nrhp[0].application_id)]
    assert "NRHP" in veteran["preferences"] and veteran["veteran_preferences"] == ["NRHP"]
    withdrawn = manifest[public_id(db_session, withdrawn_veteran.application_id)]
    assert "NRHP" in withdrawn["preferences"] and withdrawn["veteran_preferences"] == []
    invalid = manifest[public_id(db_session, invalid_claim.application_id)]
    assert "NRHP" not in invalid["preferences"] and invalid["veteran_preferences"] == []
    no_list = manifest[public_id(db_session, lw[0].application_id)]
    assert "LW" in no_list["preferences"] and "LW" not in no_list["veteran_preferences"]
    holders = {claim.application_id for claim in (*nrhp, *lw)}
    claims_nothing = next(
        application
        for application in db_session.scalars(
            select(Application).where(Application.listing_id == listing.id)
        )
        if application.id not in holders
    )
    assert manifest[claims_nothing.public_id] == {
        "id": claims_nothing.public_id,
        "preferences": [],
        "veteran_preferences": [],
    }


def drawn(app, db_session, listing, *, published: bool):  # type: ignore[no-untyped-def]
    staff = factories.UserFactory(staff=True)
    freeze(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    with app.app_context():
        run_draw(lottery.id)
    db_session.expire_all()  # the job's session changed the listing and the lottery
    if published:
        publish(db_session, listing.id, staff, utcnow())  # no send_after_commit: no files yet
    return lottery_of(db_session, listing).current_run


def test_the_job_stores_the_bundle_the_draw_builds_and_ranks_everyone_as_it_lists_them(
    app, db_session, lottery_listing
):
    """The job writes the stored bundle from the manifest's text as the freeze stored it: its
    file is the one the bundle built from the manifest read back gives, key for key and byte
    for byte; and each rank row holds its entrant's master rank and place on each list."""
    run = drawn(app, db_session, lottery_listing, published=False)
    lottery = lottery_of(db_session, lottery_listing)
    built = build_bundle(entrants=lottery.manifest, **draw_inputs(db_session, lottery))
    assert (
        result_files.make_file(db_session, run, result_files.BUNDLE_FILE)
        == json.dumps({**built, "version": 1}, ensure_ascii=False, separators=(",", ":")).encode()
    )
    row_ids = dict(
        db_session.execute(
            select(Application.public_id, Application.id).where(
                Application.listing_id == lottery_listing.id
            )
        ).all()
    )
    rows = {
        row.application_id: row
        for row in db_session.scalars(select(LotteryRank).where(LotteryRank.run_id == run.id))
    }
    assert len(rows) == 40
    expected: dict[str, dict[str, int]] = {}
    for entry in built["lists"]:
        for place, entrant in enumerate(entry["entrants"], start=1):
            expected.setdefault(entrant, {})[entry["preference"]] = place
    for rank, entrant in enumerate(built["ranking"], start=1):
        row = rows[row_ids[entrant]]
        assert (row.master_rank, row.list_ranks) == (rank, expected[entrant])


def numbers_by_id(db_session, listing):  # type: ignore[no-untyped-def]
    return dict(
        db_session.execute(
            select(Application.public_id, Application.lottery_number).where(
                Application.listing_id == listing.id
            )
        ).all()
    )


@pytest.fixture
def statements(app):  # type: ignore[no-untyped-def]
    """The SQL the requests run."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_each_list_is_walked_a_page_at_a_time_both_ways_without_reading_the_bundle(
    app, client, db_session, lottery_listing, monkeypatch, statements
):
    listing = lottery_listing
    run = drawn(app, db_session, listing, published=True)
    numbers = numbers_by_id(db_session, listing)
    monkeypatch.setattr(results_pages, "PAGE_SIZE", 4)
    lists = run.bundle["lists"]
    statements.clear()
    for entry in lists:
        code = entry["preference"]
        expected = [numbers[public_id] for public_id in entry["entrants"]]
        forward, url = [], f"/listings/{listing.id}/lottery/results?list={code}"
        while url:
            page = client.get(url)
            assert page.status_code == 200
            forward += re.findall(r"<li>(\d{8})</li>", page.text)
            following = re.search(r'rel="next" href="([^"]+)"', page.text)
            url = following.group(1).replace("&amp;", "&") if following else ""
        assert forward == expected, code
        backward, url = [], f"/listings/{listing.id}/lottery/results?list={code}&before=0"
        while url:
            page = client.get(url)
            backward = re.findall(r"<li>(\d{8})</li>", page.text) + backward
            previous = re.search(r'rel="prev" href="([^"]+)"', page.text)
            url = previous.group(1).replace("&amp;", "&") if previous else ""
        assert backward == expected, code
        households = "household on this list" if len(expected) == 1 else "households on this list"
        assert f"{len(expected)} {households}" in page.text
    whole = re.compile(r"lottery_runs\.bundle|lotteries\.manifest\b(?!_)")
    assert statements and not [statement for statement in statements if whole.search(statement)]


def test_a_lottery_number_is_found_on_its_list_and_marked(
    app, client, db_session, lottery_listing, monkeypatch
):
    listing = lottery_listing
    run = drawn(app, db_session, listing, published=True)
    numbers = numbers_by_id(db_session, listing)
    monkeypatch.setattr(results_pages, "PAGE_SIZE", 3)
    lists = {entry["preference"]: entry["entrants"] for entry in run.bundle["lists"]}
    holder = lists["LW"][-1]
    base = f"/listings/{listing.id}/lottery/results"

    found = client.get(f"{base}?list=LW&number={numbers[holder]}")
    assert found.status_code == 200
    assert f'<li aria-current="true"><mark>{numbers[holder]}</mark></li>' in found.text
    assert f"at place {len(lists['LW'])} on this list" in found.text

    outsider = next(public_id for public_id in lists["general"] if public_id not in lists["LW"])
    elsewhere = client.get(f"{base}?list=LW&number={numbers[outsider]}")
    assert elsewhere.status_code == 200 and "is not on this list" in elsewhere.text
    assert client.get(f"{base}?list=LW&number=00000000").status_code == 404


def test_the_files_are_made_once_by_the_job_and_meanwhile_being_prepared(
    app, client, db_session, lottery_listing
):
    listing = lottery_listing
    run = drawn(app, db_session, listing, published=True)
    base = f"/listings/{listing.id}/lottery"

    for path in ("results.pdf", "results.json"):
        waiting = client.get(f"{base}/{path}")
        assert waiting.status_code == 202 and waiting.headers["Retry-After"] == "60"
        assert "being prepared" in waiting.text
    assert run.files == {}

    with app.app_context():
        write_result_files(run.id)
    db_session.expire_all()
    kept = dict(db_session.get(LotteryRun, run.id).files)
    with app.app_context():  # the languages made depend on the site's fonts
        assert set(kept) == set(result_files.wanted_files())
    assert kept["bundle"] and kept["pdf-en"]
    with client.get(f"{base}/results.json") as bundle:  # closed: it streams a stored file
        assert bundle.status_code == 200 and bundle.json == run.bundle
    with client.get(f"{base}/results.pdf") as pdf:
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

    with app.app_context():
        write_result_files(run.id)  # a retried job makes nothing again
    db_session.expire_all()
    assert db_session.get(LotteryRun, run.id).files == kept


def test_the_sweep_hands_a_published_version_without_its_files_to_the_job(
    app, db_session, lottery_listing
):
    run = drawn(app, db_session, lottery_listing, published=True)
    with app.app_context():
        assert resume_draws() == 1  # no Redis here: the job runs in-process
        assert resume_draws() == 0
        wanted = set(result_files.wanted_files())
    db_session.expire_all()
    assert set(db_session.get(LotteryRun, run.id).files) == wanted


def test_a_draw_held_by_another_job_is_not_computed_again(app, db_session, lottery_listing):
    listing = lottery_listing
    staff = factories.UserFactory(staff=True)
    freeze(db_session, listing.id, staff, utcnow())
    record_beacon(db_session, listing, staff)
    lottery = request_draw(db_session, listing.id, staff, utcnow())
    with app.app_context():
        holder = db.engine.connect()
    try:
        assert holder.scalar(text(f"SELECT pg_try_advisory_lock({DRAW_LOCK}, {lottery.id})"))
        holder.commit()
        with app.app_context():
            run_draw(lottery.id)  # a duplicate of the job holding it
        untouched = lottery_of(db_session, listing)
        assert untouched.status is LotteryStatus.DRAWING and untouched.progress == {}
    finally:
        # As when the holder's worker dies: its connection closes, and the claim goes with it.
        holder.invalidate()
        holder.close()
    with app.app_context():
        _wait_until_released(lottery.id)
        run_draw(lottery.id)
    assert lottery_of(db_session, listing).status is LotteryStatus.DRAWN


def _wait_until_released(lottery_id: int) -> None:
    """The server ends a closed connection's backend, and so frees its advisory locks, a moment
    after the client hangs up; the next job is taken only then, as the resume job would."""
    deadline = time.monotonic() + 30
    with db.engine.connect() as probe:
        while probe.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND classid = :lock AND objid = :lottery AND granted"
            ),
            {"lock": DRAW_LOCK, "lottery": lottery_id},
        ):
            assert time.monotonic() < deadline, "the closed connection still holds the draw"
            time.sleep(0.05)
