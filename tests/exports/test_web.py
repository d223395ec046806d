"""Asking for exports on the listing's page and downloading them: contents read back, who may
see what, demographics for staff only, formula injection, expiry, the activity log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from housing.audit.models import ActivityEntry
from housing.db_types import utcnow
from housing.exports.models import Export, ExportState
from tests.accounts.helpers import csrf_token, sign_in_as
from tests.exports.conftest import FORMULA
from tests.exports.helpers import read_csv, read_xlsx, xlsx_cell_types


def page_url(listing_id: int) -> str:
    return f"/partner/listings/{listing_id}/exports"


def ask(client, listing_id: int, **fields: str):  # type: ignore[no-untyped-def]
    url = page_url(listing_id)
    return client.post(url, data={"csrf_token": csrf_token(client, url), **fields})


def latest(db_session) -> Export:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalars(select(Export).order_by(Export.id.desc())).first()


def download(client, export: Export):  # type: ignore[no-untyped-def]
    """The response, read and closed (a file's stream stays open until then)."""
    response = client.get(f"/partner/listings/{export.listing_id}/exports/{export.id}/download")
    response.get_data()
    response.close()
    return response


def test_a_partner_gets_a_csv_of_submitted_applications_without_demographics(
    client, db_session, world
):
    sign_in_as(client, world.partner)
    response = ask(
        client,
        world.listing.id,
        kind="applications",
        file_format="csv",
        include_demographics="y",  # posted by hand: the form shows it to staff only
    )
    assert response.status_code == 302
    export = latest(db_session)
    assert export.state is ExportState.DONE
    assert export.include_demographics is False
    assert (export.rows_done, export.rows_total) == (3, 3)
    page = client.get(page_url(world.listing.id)).text
    assert "Include the optional demographic answers" not in page
    assert "Ready" in page and f"/exports/{export.id}/download" in page

    response = download(client, export)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    table = read_csv(response.data)
    headings, rows = table[0], table[1:]
    assert "Race" not in headings and "Ethnicity" not in headings and "Gender" not in headings
    assert b"pacific_islander" not in response.data and b"nonbinary" not in response.data
    by_number = {row[0]: dict(zip(headings, row, strict=True)) for row in rows}
    assert set(by_number) == {a.public_id for a in world.submitted}  # no draft
    first = by_number[world.submitted[0].public_id]
    assert first["Lottery number"] == world.submitted[0].lottery_number
    assert first["Status"] == "submitted"
    assert first["Date of birth"] == "1985-04-23"
    assert first["Household members"] == "Ana Lopez (child, 2012-06-01)"
    assert first["City"] == "Port Alder"
    preference = next(h for h in headings if h.startswith("Preference: "))
    assert {row[preference] for row in by_number.values()} == {"claimed", "declined"}
    assert by_number[world.submitted[2].public_id]["Status"] == "withdrawn"


def test_text_that_looks_like_a_formula_stays_text(client, db_session, world):
    sign_in_as(client, world.partner)
    ask(client, world.listing.id, kind="applications", file_format="csv")
    rows = read_csv(download(client, latest(db_session)).data)
    headings = rows[0]
    first = dict(zip(headings, rows[1], strict=True))
    second = dict(zip(headings, rows[2], strict=True))
    assert first["First name"] == "'" + FORMULA
    assert first["Last name"] == "'+SUM(A1)"
    assert second["Email address"].startswith("'@")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    ask(client, world.listing.id, kind="applications", file_format="xlsx")
    data = download(client, latest(db_session)).data
    assert "f" not in xlsx_cell_types(data)
    (sheet,) = read_xlsx(data).values()
    assert sheet[1][sheet[0].index("First name")] == "'" + FORMULA


def test_staff_get_demographics_in_xlsx_and_partners_never_see_that_export(
    client, db_session, world
):
    sign_in_as(client, world.staff)
    page = client.get(page_url(world.listing.id)).text
    assert "Include the optional demographic answers" in page
    ask(
        client,
        world.listing.id,
        kind="applications",
        file_format="xlsx",
        include_demographics="y",
    )
    export = latest(db_session)
    assert export.state is ExportState.DONE and export.include_demographics
    response = download(client, export)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    (sheet,) = read_xlsx(response.data).values()
    headings = sheet[0]
    assert {"Ethnicity", "Race", "Gender"} <= set(headings)
    assert {row[headings.index("Race")] for row in sheet[1:]} == {"pacific_islander"}
    assert len(sheet) == 4

    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    sign_in_as(client, world.partner)
    assert f"/exports/{export.id}/download" not in client.get(page_url(world.listing.id)).text
    assert download(client, export).status_code == 404


def test_another_listings_partner_sees_neither_page_nor_file(client, db_session, world):
    sign_in_as(client, world.partner)
    ask(client, world.listing.id, kind="applications", file_format="csv")
    export = latest(db_session)
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    sign_in_as(client, world.other_partner)
    assert client.get(page_url(world.listing.id)).status_code == 404
    assert download(client, export).status_code == 404
    token = csrf_token(client, page_url(world.other_partner.assignments[0].listing_id))
    refused = client.post(
        page_url(world.listing.id),
        data={"csrf_token": token, "kind": "applications", "file_format": "csv"},
    )
    assert refused.status_code == 404
    assert latest(db_session).id == export.id


def test_an_expired_download_is_refused(client, db_session, world):
    sign_in_as(client, world.partner)
    ask(client, world.listing.id, kind="applications", file_format="csv")
    export = latest(db_session)
    assert download(client, export).status_code == 200
    export.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    response = download(client, export)
    assert response.status_code == 410
    assert "Ask for a new one" in response.text
    page = client.get(page_url(world.listing.id)).text
    assert "Expired" in page and f"/exports/{export.id}/download" not in page


def test_requests_and_downloads_are_in_the_activity_log(client, db_session, world):
    sign_in_as(client, world.partner)
    ask(client, world.listing.id, kind="applications", file_format="xlsx")
    export = latest(db_session)
    download(client, export)
    download(client, export)
    entries = db_session.scalars(
        select(ActivityEntry)
        .where(ActivityEntry.subject_type == "export", ActivityEntry.subject_id == export.id)
        .order_by(ActivityEntry.id)
    ).all()
    assert [entry.action for entry in entries] == [
        "export_requested",
        "export_downloaded",
        "export_downloaded",
    ]
    assert {entry.actor_id for entry in entries} == {world.partner.id}
    assert entries[0].detail == {
        "listing_id": world.listing.id,
        "kind": "applications",
        "format": "xlsx",
        "include_demographics": False,
    }
    assert all(entry.at is not None for entry in entries)


def test_a_bad_request_changes_nothing_and_says_why(client, db_session, world):
    sign_in_as(client, world.partner)
    response = ask(client, world.listing.id, kind="everything", file_format="pdf")
    assert response.status_code == 422
    assert "Choose what to export." in response.text
    assert "Choose a file format." in response.text
    response = ask(client, world.listing.id, kind="results", file_format="csv")
    assert response.status_code == 422
    assert "no published lottery results" in response.text
    assert latest(db_session) is None


def test_the_page_follows_and_shows_progress_while_an_export_runs(client, db_session, world):
    sign_in_as(client, world.partner)
    ask(client, world.listing.id, kind="applications", file_format="csv")
    export = latest(db_session)
    export.state = ExportState.RUNNING
    export.rows_done, export.rows_total = 1, 3
    db_session.flush()
    page = client.get(page_url(world.listing.id)).text
    # Followed in place by a script, not reloaded whole (WCAG 2.2.1).
    assert 'http-equiv="refresh"' not in page
    assert "js/follow.js" in page and 'data-follow-seconds="3"' in page
    assert '<progress id="progress-' in page and 'max="3" value="1"' in page
    export.state = ExportState.DONE
    db_session.flush()
    page = client.get(page_url(world.listing.id)).text
    assert "js/follow.js" not in page and "data-follow-seconds" not in page
