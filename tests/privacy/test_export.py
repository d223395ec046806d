"""A resident downloads, from their application's page, everything held about it; nobody else
can."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from housing.applications.models import Application
from housing.leaseup.models import LeaseUpEvent
from housing.lottery.models import LotteryRank
from housing.privacy import tasks
from tests import factories
from tests.accounts.helpers import sign_in_as
from tests.applications.helpers import fill_all, open_listing, start, submit
from tests.privacy.conftest import NOTE


def download(client, application):  # type: ignore[no-untyped-def]
    return client.get(f"/applications/{application.public_id}/my-data")


def owned_by_someone(app, db_session, application):  # type: ignore[no-untyped-def]
    """The application made the account's own, and a browser signed in to that account."""
    applicant = factories.UserFactory(full_name="Owner Of It")
    application.user_id = applicant.id
    db_session.flush()
    browser = app.test_client()
    sign_in_as(browser, applicant)
    return browser, applicant


def test_the_applicant_downloads_everything_held_about_their_application(app, db_session, worked):
    application = worked.answered  # ranked, invited, answered with a pay stub
    browser, applicant = owned_by_someone(app, db_session, application)

    page = browser.get(f"/applications/{application.public_id}")
    assert f"/applications/{application.public_id}/my-data" in page.text

    response = download(browser, application)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="application-{application.public_id}.json"'
    )
    assert "no-store" in response.headers["Cache-Control"]
    held = json.loads(response.get_data())

    assert held["application"]["number"] == application.public_id
    assert held["application"]["lottery_number"] == application.lottery_number
    assert held["application"]["submitted_at"] == application.submitted_at.isoformat()
    assert held["application"]["erased_at"] is None
    assert held["answers"] == application.submitted_answers
    assert held["answers"]["household"][0]["first_name"]
    assert held["account"]["email"] == applicant.email
    assert [version["action"] for version in held["versions"]] == ["submitted"]
    assert held["versions"][0]["answers"] == application.submitted_answers
    stub = next(d for d in held["documents"] if d["filename"] == "paystub-of-the-household.pdf")
    assert stub["content_type"] == "application/pdf" and stub["bytes"] > 0
    rank = db_session.scalars(
        select(LotteryRank).where(LotteryRank.application_id == application.id)
    ).one()
    assert held["lottery"]["rank"] == rank.master_rank
    assert {(entry["list"], entry["place"]) for entry in held["lottery"]["lists"]} == set(
        rank.list_ranks.items()
    )
    assert held["lease_up"]["status"] == "documents_received"
    (request,) = held["lease_up"]["document_requests"]
    assert request["answer"]["employer"] == "Harbor Bakery"
    assert [step["to"] for step in held["lease_up"]["history"] if step["to"]] == [
        "invited",
        "documents_received",
    ]
    assert {"application_submitted", "results_published", "documents_requested"} <= {
        message["about"] for message in held["messages"]
    }
    texts = " ".join(message["text"] for message in held["messages"])
    assert application.lottery_number in texts
    assert all(message["to"] for message in held["messages"])


def test_the_agents_own_notes_are_not_in_the_download(app, db_session, worked):
    noted = db_session.scalars(
        select(Application)
        .join(LeaseUpEvent, LeaseUpEvent.application_id == Application.id)
        .where(LeaseUpEvent.kind == "comment")
    ).one()
    browser, _user = owned_by_someone(app, db_session, noted)
    held = download(browser, noted)
    assert held.status_code == 200
    assert NOTE not in held.text


def test_nobody_else_gets_it(app, client, db_session, worked):
    application = worked.answered
    owned_by_someone(app, db_session, application)
    assert download(app.test_client(), application).status_code == 404
    stranger = app.test_client()
    sign_in_as(stranger, factories.UserFactory())
    assert download(stranger, application).status_code == 404
    # Staff manage the application, and have their own pages for it, but this is not theirs.
    assert download(client, application).status_code == 404
    assert download(app.test_client(), worked.draft).status_code == 404
    assert app.test_client().get("/applications/NOSUCHAPP/my-data").status_code == 404


def test_a_resident_without_an_account_downloads_from_the_browser_that_applied(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    assert submit(client, public_id).status_code == 302
    application = db_session.scalars(
        select(Application).where(Application.public_id == public_id)
    ).one()

    held = json.loads(download(client, application).get_data())
    assert held["answers"]["applicant"]["first_name"] == "Maria"
    assert held["account"] is None and held["lottery"] is None
    assert [m["to"] for m in held["messages"]] == ["maria@example.org"]
    assert download(client.application.test_client(), application).status_code == 404


def test_after_erasure_the_page_says_so_and_the_download_holds_only_what_stays(
    app, db_session, closed
):
    application = closed.answered
    browser, _applicant = owned_by_someone(app, db_session, application)
    with app.app_context():
        tasks.erase_due(closed.listing.lease_up_closed_at + timedelta(days=366))
    db_session.expire_all()

    page = browser.get(f"/applications/{application.public_id}")
    assert page.status_code == 200
    assert "The personal data of this application was erased" in page.text
    held = json.loads(download(browser, application).get_data())
    assert held["application"]["erased_at"] == application.erased_at.isoformat()
    assert held["application"]["lottery_number"] == application.lottery_number
    assert held["lottery"]["rank"] > 0
    assert held["answers"] == {} and held["documents"] == []
    assert all(version["answers"] == {} for version in held["versions"])
    assert all(message["to"] == "" and message["text"] == "" for message in held["messages"])
    assert held["lease_up"]["document_requests"][0]["answer"] == {}
