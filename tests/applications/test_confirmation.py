"""After submitting: the private link, the printable copy and who may have it, what happens
next; withdrawing with changes not submitted, and what the emails say."""

from __future__ import annotations

import html
import re
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from pypdf import PdfReader
from sqlalchemy import select

from housing.applications.models import Application, ApplicationStatus
from housing.db_types import utcnow
from tests.accounts.helpers import post_form
from tests.applications.helpers import INCOME_FORM, fill_all, open_listing, start, step, submit


def application(db_session, public_id: str) -> Application:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalars(select(Application).where(Application.public_id == public_id)).one()


def submitted(client, db_session) -> str:  # type: ignore[no-untyped-def]
    listing = open_listing(lottery_at=utcnow().replace(year=utcnow().year + 1))
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    assert submit(client, public_id).status_code == 302
    return public_id


def test_the_confirmation_links_to_the_private_address_and_says_what_happens_next(
    client, app, db_session
):
    public_id = submitted(client, db_session)
    page = client.get(f"/applications/{public_id}/confirmation").text
    public_url = app.config["HOUSING"].public_url
    link = re.search(r'<a class="private-link" href="([^"]+)"', page)
    assert link and html.unescape(link.group(1)).startswith(f"{public_url}/listings/")
    assert 'id="next-steps"' in page
    listing = application(db_session, public_id).listing
    assert f'href="/listings/{listing.id}/lottery/lookup"' in page
    assert "We will send your result by email to maria@example.org." in page
    assert f'href="/applications/{public_id}/application.pdf"' in page
    assert "data-print hidden" in page  # the print button waits for JavaScript to show it


def test_the_printable_copy_goes_only_to_who_may_see_the_application(client, app, db_session):
    public_id = submitted(client, db_session)
    response = client.get(f"/applications/{public_id}/application.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert "attachment" in response.headers["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    for words in (public_id, "Maria Lopez", "Ana Lopez", "120 Harbor Way, Apt 4", "5500"):
        assert words in text, words

    stranger = app.test_client()
    refused = stranger.get(f"/applications/{public_id}/application.pdf")
    assert refused.status_code == 404
    assert not refused.data.startswith(b"%PDF")


def test_a_draft_has_no_printable_copy(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    assert client.get(f"/applications/{public_id}/application.pdf").status_code == 404


def test_withdrawing_asks_before_discarding_changes_not_submitted(client, db_session, mailbox):
    public_id = submitted(client, db_session)
    step(client, public_id, "income", {**INCOME_FORM, "amount": "5600"})
    page = client.get(f"/applications/{public_id}/withdraw").text
    assert 'id="unsent-changes"' in page
    sent_before = len(mailbox.messages)

    refused = post_form(client, f"/applications/{public_id}/withdraw", {})
    assert refused.status_code == 400
    assert 'aria-invalid="true"' in refused.text
    kept = application(db_session, public_id)
    assert kept.status is ApplicationStatus.SUBMITTED
    assert kept.answers["income"]["amount"] == "5600"  # the unsent change is still there
    assert len(mailbox.messages) == sent_before

    done = post_form(client, f"/applications/{public_id}/withdraw", {"discard_changes": "y"})
    assert done.status_code == 302
    withdrawn = application(db_session, public_id)
    assert withdrawn.status is ApplicationStatus.WITHDRAWN
    assert withdrawn.answers["income"]["amount"] == "5500"
    shown = client.get(f"/applications/{public_id}").text
    assert "Your application was withdrawn." in shown
    assert "The changes you had not submitted were discarded." in shown
    message = mailbox.messages[-1]
    assert message["Subject"].endswith("was withdrawn")
    body = message.get_body(("plain",)).get_content()
    assert "The changes you had not submitted were discarded." in body
    assert "received" not in body


def test_withdrawing_without_changes_asks_nothing_more(client, db_session, mailbox):
    public_id = submitted(client, db_session)
    assert 'id="unsent-changes"' not in client.get(f"/applications/{public_id}/withdraw").text
    post_form(client, f"/applications/{public_id}/withdraw", {})
    assert application(db_session, public_id).status is ApplicationStatus.WITHDRAWN
    body = mailbox.messages[-1].get_body(("plain",)).get_content()
    assert "discarded" not in body


def test_the_email_after_submitting_again_says_whether_changes_were_sent(
    client, db_session, mailbox
):
    public_id = submitted(client, db_session)
    post_form(client, f"/applications/{public_id}/withdraw", {})
    submit(client, public_id)
    again = mailbox.messages[-1]
    assert again["Subject"].endswith("was submitted again")
    assert "changes" not in again.get_body(("plain",)).get_content()

    post_form(client, f"/applications/{public_id}/withdraw", {})
    step(client, public_id, "income", {**INCOME_FORM, "amount": "5600"})
    submit(client, public_id)
    assert mailbox.messages[-1]["Subject"].endswith("was submitted again, with your changes")


def test_the_printable_copy_is_in_the_applicants_language(client, db_session):
    from babel.support import Translations

    from housing.config import PROJECT_ROOT
    from tests.applications.helpers import YOU_FORM

    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id, you={**YOU_FORM, "language": "zh_Hant"})
    assert submit(client, public_id).status_code == 302
    response = client.get(f"/applications/{public_id}/application.pdf")
    assert response.status_code == 200
    text = re.sub(
        r"[\s\x00]+",
        "",
        "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages),
    )
    chinese = Translations.load(str(PROJECT_ROOT / "translations"), ["zh_Hant"])
    for label in ("Your household", "Income and vouchers", "Lottery preferences"):
        words = re.sub(r"\s+", "", chinese.gettext(label))
        assert words != label.replace(" ", "")
        assert words in text, words
    assert "AnaLopez" in text


def test_a_lottery_set_for_a_day_is_told_as_a_day_not_a_minute_before_midnight(client, db_session):
    """The partner sets the lottery's day; it is kept as the day's last minute, and no page
    says "11:59 PM" for it."""
    day = datetime(utcnow().year + 1, 3, 14, 23, 59, tzinfo=ZoneInfo("America/Los_Angeles"))
    listing = open_listing(lottery_at=day, timezone="America/Los_Angeles")
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    assert submit(client, public_id).status_code == 302

    confirmation = client.get(f"/applications/{public_id}/confirmation").text
    listing_page = client.get(f"/listings/{listing.id}").text
    for page in (confirmation, listing_page):
        assert f"March 14, {day.year}" in page
        assert "11:59" not in page
    assert f'<time datetime="{day.year}-03-14">' in confirmation
