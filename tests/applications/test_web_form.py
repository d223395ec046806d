"""The application form through the browser's eyes: steps, errors, drafts, submit, changes."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from housing.applications.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    PreferenceClaim,
)
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from housing.i18n import LOCALE_CODES
from housing.listings.models import ListingStatus
from housing.notifications.models import OutboundMessage
from tests import factories
from tests.accounts.helpers import csrf_token, link_in, path_of, sign_in_as, upload
from tests.applications.helpers import (
    HOUSEHOLD_FORM,
    INCOME_FORM,
    YOU_FORM,
    fill_all,
    name_for,
    open_listing,
    start,
    step,
    submit,
)


def application(db_session, public_id: str) -> Application:
    db_session.expire_all()
    return db_session.scalars(select(Application).where(Application.public_id == public_id)).one()


def count(db_session, model, *conditions) -> int:
    return db_session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


@pytest.mark.parametrize("code", LOCALE_CODES)
def test_a_resident_goes_from_the_listing_page_to_a_submitted_application_in_each_language(
    client, app, db_session, mailbox, code
):
    listing = open_listing()
    client.set_cookie("language", code)
    page = client.get(f"/listings/{listing.id}")
    assert f'href="/listings/{listing.id}/apply"' in page.text
    public_id = start(client, listing.id)
    fill_all(client, public_id, you={**YOU_FORM, "language": code})
    response = submit(client, public_id)
    assert response.status_code == 302, response.text
    confirmation = client.get(response.headers["Location"])
    with app.test_request_context(), force_locale(code):
        heading = _("Your application was submitted")
        subject_start = _("Your application for %(listing)s was received", listing=listing.name)
    assert html.escape(heading, quote=False) in confirmation.text
    submitted = application(db_session, public_id)
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert re.fullmatch(r"[1-9]\d{7}", submitted.lottery_number or "")
    assert submitted.lottery_number in confirmation.text
    assert submitted.language == code
    [message] = mailbox.messages
    assert message["Subject"] == subject_start
    assert message["Content-Language"] == code.replace("_", "-")
    assert submitted.lottery_number in message.get_body(("plain",)).get_content()


def test_each_step_shows_a_summary_linked_to_fields_and_keeps_what_was_typed(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    typed = {**YOU_FORM, "first_name": "", "date_of_birth": "23/04/1985", "street": "PO Box 12"}
    response = step(client, public_id, "you", typed)
    assert response.status_code == 422
    summary = response.text.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    for field in ("first_name", "date_of_birth", "street"):
        assert f'href="#{field}"' in summary
    assert "cannot be a PO box" in response.text
    assert 'aria-invalid="true"' in response.text
    # The draft kept the answers, right or wrong, so nothing typed is lost.
    saved = application(db_session, public_id).answers["applicant"]
    assert saved["date_of_birth"] == "23/04/1985"
    assert saved["last_name"] == "Lopez"
    again = client.get(f"/applications/{public_id}/you")
    assert 'value="23/04/1985"' in again.text


def test_an_applicant_under_18_is_refused_at_the_step_and_at_submission(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    young = (utcnow() - timedelta(days=365 * 17)).date().isoformat()
    fill_all_but = {**YOU_FORM, "date_of_birth": young}
    response = step(client, public_id, "you", fill_all_but)
    assert response.status_code == 422
    assert "at least 18 years old" in response.text
    for name, data in (
        ("alternate", {"kind": "none"}),
        ("household", HOUSEHOLD_FORM),
        ("income", INCOME_FORM),
    ):
        step(client, public_id, name, data)
    refused = submit(client, public_id)
    assert refused.status_code == 422
    assert "at least 18 years old" in refused.text
    assert application(db_session, public_id).status is ApplicationStatus.DRAFT


def test_an_ineligible_household_is_refused_with_the_reason(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    response = step(client, public_id, "income", {**INCOME_FORM, "amount": "9000"})
    assert response.status_code == 422
    assert "above the limit for every unit" in response.text
    refused = submit(client, public_id)
    assert refused.status_code == 422
    assert "above the limit for every unit" in refused.text
    assert application(db_session, public_id).lottery_number is None


def test_a_preference_must_be_claimed_or_declined(client, db_session):
    listing = open_listing()
    factories.ListingPreferenceFactory(listing=listing)
    public_id = start(client, listing.id)
    fill_all_steps = [
        ("you", YOU_FORM),
        ("alternate", {"kind": "none"}),
        ("household", HOUSEHOLD_FORM),
        ("income", INCOME_FORM),
    ]
    for name, data in fill_all_steps:
        step(client, public_id, name, data)
    response = step(client, public_id, "preferences", {})
    assert response.status_code == 422
    assert "Say whether you claim this preference" in response.text
    refused = submit(client, public_id)
    assert refused.status_code == 422
    declined = step(client, public_id, "preferences", {"claims-0-claimed": "no"})
    assert declined.status_code == 302
    assert submit(client, public_id).status_code == 302


def test_terms_must_be_accepted(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    refused = submit(client, public_id, accept=False)
    assert refused.status_code == 422
    assert "Accept the terms" in refused.text
    assert 'href="#terms_accepted"' in refused.text
    assert application(db_session, public_id).status is ApplicationStatus.DRAFT


def test_the_listing_must_be_open(client, db_session):
    upcoming = open_listing(upcoming=True)
    page = client.get(f"/listings/{upcoming.id}/apply")
    assert "not open yet" in page.text
    assert (
        client.post(
            f"/listings/{upcoming.id}/apply", data={"csrf_token": _token(client, upcoming.id)}
        ).status_code
        == 409
    )
    draft = open_listing(draft=True)
    assert client.get(f"/listings/{draft.id}/apply").status_code == 404

    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    listing.application_due_at = utcnow() - timedelta(minutes=1)
    db_session.flush()
    refused = submit(client, public_id)
    assert refused.status_code == 302  # the draft can no longer change: sent to its page
    assert application(db_session, public_id).status is ApplicationStatus.DRAFT
    page = client.get(f"/applications/{public_id}")
    assert "Started, not submitted" in page.text

    closed_by_staff = open_listing()
    other = start(client, closed_by_staff.id)
    fill_all(client, other)
    closed_by_staff.status = ListingStatus.CLOSED
    db_session.flush()
    submit(client, other)
    assert application(db_session, other).status is ApplicationStatus.DRAFT


def _token(client, listing_id):
    from tests.accounts.helpers import csrf_token

    return csrf_token(client, f"/listings/{listing_id}/apply")


def test_a_double_submit_makes_one_application(client, db_session, mailbox):
    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    first = submit(client, public_id)
    second = submit(client, public_id)
    assert first.status_code == second.status_code == 302
    assert count(db_session, Application, Application.listing_id == listing.id) == 1
    [version] = application(db_session, public_id).versions
    assert version.action == "submitted"
    assert (
        count(db_session, OutboundMessage, OutboundMessage.template == "application_submitted") == 1
    )


def test_one_application_per_account_and_listing(client, db_session):
    listing = open_listing()
    user = factories.UserFactory()
    sign_in_as(client, user)
    first = start(client, listing.id)
    response = client.post(
        f"/listings/{listing.id}/apply", data={"csrf_token": _token(client, listing.id)}
    )
    assert first in response.headers["Location"]
    overview = client.get("/account")
    assert listing.name in overview.text
    db_session.add(Application(public_id="DUPLICATE1", listing_id=listing.id, user_id=user.id))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_save_and_finish_later_emails_a_link_that_resumes_on_another_device(
    client, app, db_session, mailbox
):
    listing = open_listing()
    public_id = start(client, listing.id)
    step(client, public_id, "you", YOU_FORM)
    saved = step(client, public_id, "alternate", {"kind": "friend"}, action="save_exit")
    assert saved.status_code == 200
    assert "maria@example.org" in saved.text
    [message] = mailbox.messages
    assert message["Subject"].startswith("Continue your application")
    other_device = app.test_client()
    assert other_device.get(f"/applications/{public_id}/you").status_code == 404
    resumed = other_device.get(path_of(link_in(message)))
    assert resumed.status_code == 302
    page = other_device.get(resumed.headers["Location"])
    assert "Maria" in page.text
    assert application(db_session, public_id).answers["alternate_contact"]["kind"] == "friend"


def test_resume_links_that_are_tampered_expired_or_for_another_listing_do_not_work(
    client, app, db_session, monkeypatch
):
    from housing.applications import outbox

    listing = open_listing()
    other_listing = open_listing()
    public_id = start(client, listing.id)
    with app.test_request_context():
        token = outbox.access_token(application(db_session, public_id))
    stranger = app.test_client()
    assert stranger.get(f"/listings/{listing.id}/apply/resume/{token}x").status_code == 400
    assert stranger.get(f"/listings/{other_listing.id}/apply/resume/{token}").status_code == 400
    monkeypatch.setattr(outbox, "ACCESS_LINK_AGE", timedelta(seconds=-1))
    expired = stranger.get(f"/listings/{listing.id}/apply/resume/{token}")
    assert expired.status_code == 400
    assert "expired" in expired.text
    assert stranger.get(f"/applications/{public_id}").status_code == 404


def test_asking_for_a_link_by_email_gives_the_same_answer_either_way(client, db_session, mailbox):
    from tests.accounts.helpers import csrf_token

    listing = open_listing()
    public_id = start(client, listing.id)
    step(client, public_id, "you", YOU_FORM)
    url = f"/listings/{listing.id}/apply/link"
    token = csrf_token(client, f"/listings/{listing.id}/apply")
    known = client.post(url, data={"csrf_token": token, "email": "MARIA@example.org"})
    unknown = client.post(url, data={"csrf_token": token, "email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert [m["To"] for m in mailbox.messages] == ["maria@example.org"]


def test_a_submitted_application_can_be_changed_and_every_change_is_versioned(
    client, db_session, mailbox
):
    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    submit(client, public_id)
    step(client, public_id, "income", {**INCOME_FORM, "amount": "5600"})
    pending = client.get(f"/applications/{public_id}")
    assert "changes that are not submitted yet" in pending.text
    assert application(db_session, public_id).submitted_answers["income"]["amount"] == "5500"
    assert submit(client, public_id).status_code == 302
    changed = application(db_session, public_id)
    assert changed.submitted_answers["income"]["amount"] == "5600"
    assert [v.action for v in changed.versions] == ["submitted", "edited"]
    assert changed.versions[0].answers["income"]["amount"] == "5500"
    assert mailbox.messages[-1]["Subject"].startswith("Your changes to your application")


def test_withdrawing_and_submitting_again_before_the_deadline(client, db_session, mailbox):
    from tests.accounts.helpers import post_form

    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    submit(client, public_id)
    number = application(db_session, public_id).lottery_number
    post_form(client, f"/applications/{public_id}/withdraw", {})
    withdrawn = application(db_session, public_id)
    assert withdrawn.status is ApplicationStatus.WITHDRAWN
    assert mailbox.messages[-1]["Subject"].endswith("was withdrawn")
    assert submit(client, public_id).status_code == 302
    again = application(db_session, public_id)
    assert again.status is ApplicationStatus.SUBMITTED
    assert again.lottery_number == number
    assert [v.action for v in again.versions] == ["submitted", "withdrawn", "resubmitted"]


def test_after_the_deadline_nothing_can_be_changed_or_withdrawn(client, db_session):
    from tests.accounts.helpers import post_form

    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)
    submit(client, public_id)
    listing.application_due_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert step(client, public_id, "income", {**INCOME_FORM, "amount": "1"}).status_code == 302
    post_form(client, f"/applications/{public_id}/withdraw", {}, token_from="/account/sign-in")
    after = application(db_session, public_id)
    assert after.status is ApplicationStatus.SUBMITTED
    assert after.answers["income"]["amount"] == "5500"
    page = client.get(f"/applications/{public_id}")
    assert "Withdraw my application" not in page.text


def test_markup_and_sql_in_every_text_field_are_kept_as_text_and_escaped(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    script = "<script>alert(1)</script>"
    sql = "Robert'); DROP TABLE applications;--"
    you = {
        **YOU_FORM,
        "last_name": "O'Brien",  # names are letters, but may hold a quote
        "street": f"1 {script} St",
        "unit": sql,
        "city": script,
    }
    fill_all(client, public_id, you=you)
    assert submit(client, public_id).status_code == 302
    saved = application(db_session, public_id)
    assert saved.submitted_answers["applicant"]["address"]["unit"] == sql
    assert saved.submitted_answers["applicant"]["last_name"] == "O'Brien"
    for url in (f"/applications/{public_id}", f"/applications/{public_id}/review"):
        text = client.get(url).text
        assert script not in text
        assert "&lt;script&gt;" in text


def test_a_wrong_csrf_token_changes_nothing(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    response = client.post(
        f"/applications/{public_id}/you",
        data={**YOU_FORM, "csrf_token": "forged", "action": "continue"},
    )
    assert response.status_code == 400
    assert "applicant" not in application(db_session, public_id).answers


def test_household_members_are_added_and_removed_without_javascript(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    added = step(client, public_id, "household", HOUSEHOLD_FORM, action="add")
    assert added.status_code == 200
    assert 'name="members-1-first_name"' in added.text
    step(
        client,
        public_id,
        "household",
        {
            **HOUSEHOLD_FORM,
            "members-1-first_name": "Luis",
            "members-1-last_name": "Lopez",
            "members-1-date_of_birth": "1980-01-01",
            "members-1-relationship": "spouse",
        },
    )
    assert len(application(db_session, public_id).answers["household"]) == 2
    step(client, public_id, "household", {**HOUSEHOLD_FORM, "members-0-remove": "y"})
    assert application(db_session, public_id).answers["household"] == []


def test_another_browser_cannot_open_someone_elses_application(client, app, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    stranger = app.test_client()
    for url in (
        f"/applications/{public_id}",
        f"/applications/{public_id}/you",
        f"/applications/{public_id}/review",
    ):
        assert stranger.get(url).status_code == 404
    assert count(db_session, ApplicationVersion) == 0


def test_a_draft_email_with_a_header_injection_gets_no_email(client, db_session, mailbox):
    listing = open_listing()
    public_id = start(client, listing.id)
    step(
        client, public_id, "you", {**YOU_FORM, "email": "maria@example.org\r\nBcc: all@example.org"}
    )
    saved = step(client, public_id, "alternate", {"kind": "none"}, action="save_exit")
    assert saved.status_code == 200
    assert mailbox.messages == []
    # Without a usable address, the link goes to the phone as a text message instead.
    assert [(m.channel.value, m.recipient) for m in db_session.query(OutboundMessage)] == [
        ("sms", "+15552345678")
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "maria@", "Enter an email address like name@example.com."),
        ("phone", "555-1234", "Enter a 10-digit US phone number"),
        ("postal_code", "9499", "Enter a 5-digit ZIP code"),
        ("state", "ZZ", "Enter the two-letter state code"),
        ("date_of_birth", "1985-02-30", "Enter a real date: check the day"),
    ],
)
def test_malformed_contact_and_address_fields_are_named_at_the_field(
    client, db_session, field, value, message
):
    listing = open_listing()
    public_id = start(client, listing.id)
    response = step(client, public_id, "you", {**YOU_FORM, field: value})
    assert response.status_code == 422
    assert f'href="#{field}"' in response.text
    assert message in response.text


def _member(number: int, born: str) -> dict[str, str]:
    return {
        f"members-{number}-first_name": name_for(number),
        f"members-{number}-last_name": "Lopez",
        f"members-{number}-date_of_birth": born,
        f"members-{number}-relationship": "other_relative",
    }


@pytest.mark.parametrize(
    ("household", "income", "listing_fields", "message"),
    [
        (
            {**_member(0, "1990-01-01"), **_member(1, "1990-01-01"), **_member(2, "1990-01-01")},
            {**INCOME_FORM, "has_voucher": "yes"},
            {},
            "A household of 4 is too large for every unit",
        ),
        (HOUSEHOLD_FORM, {**INCOME_FORM, "amount": "3000"}, {}, "below the minimum for every unit"),
        (
            HOUSEHOLD_FORM,
            INCOME_FORM,
            {
                "reserved_community": "senior",
                "senior_minimum_age": 62,
                "senior_rule": "entire_household",
            },
            "This listing is for seniors",
        ),
    ],
)
def test_ineligible_households_are_refused_through_the_form(
    client, db_session, household, income, listing_fields, message
):
    listing = open_listing(**listing_fields)
    public_id = start(client, listing.id)
    step(client, public_id, "you", YOU_FORM)
    step(client, public_id, "alternate", {"kind": "none"})
    step(client, public_id, "household", household)
    response = step(client, public_id, "income", income)
    assert response.status_code == 422
    assert message in response.text
    refused = submit(client, public_id)
    assert refused.status_code == 422 and message in refused.text
    assert application(db_session, public_id).status is ApplicationStatus.DRAFT


def test_a_claim_is_made_as_a_veteran_only_where_its_preference_has_a_veteran_list(
    client, db_session
):
    listing = open_listing()
    for rank, (code, veteran_list) in enumerate((("COP", True), ("LW", False)), start=1):
        factories.ListingPreferenceFactory(
            listing=listing,
            rank=rank,
            preference=factories.PreferenceFactory(code=code, proof_types=["Letter"]),
            veterans_first=veteran_list,
        )
    public_id = start(client, listing.id)
    for name, data in (
        ("you", YOU_FORM),
        ("alternate", {"kind": "none"}),
        ("household", HOUSEHOLD_FORM),
        ("income", INCOME_FORM),
    ):
        step(client, public_id, name, data)
    assert (
        "served in the U.S. armed forces" not in client.get(f"/applications/{public_id}/you").text
    )
    page = client.get(f"/applications/{public_id}/preferences").text
    # Asked once: for COP, which has a veteran list, not for LW.
    assert page.count('name="claims-0-veteran"') == 2 and 'name="claims-1-veteran"' not in page

    def claim(proof: tuple[io.BytesIO, str] | None, **veteran: object):  # type: ignore[no-untyped-def]
        fields = {
            "claims-0-claimed": "yes",
            "claims-0-member": "0",
            "claims-0-proof_type": "Letter",
            "claims-1-claimed": "yes",
            "claims-1-member": "0",
            "claims-1-proof_type": "Letter",
            **veteran,
        }
        if proof is not None:
            fields["claims-0-document"] = proof
            fields["claims-1-document"] = (io.BytesIO(pdf_document("Lease", ["x"])), "l.pdf")
        return upload(
            client,
            f"/applications/{public_id}/preferences",
            {"csrf_token": csrf_token(client, "/account/sign-in"), "action": "continue", **fields},
        )

    made = claim(
        (io.BytesIO(pdf_document("Letter", ["x"])), "c.pdf"), **{"claims-0-veteran": "yes"}
    )
    assert made.status_code == 422
    assert "Choose the kind of proof of military service." in made.text
    assert "Upload a document that proves the military service." in made.text
    proven = claim(
        None,
        **{
            "claims-0-veteran": "yes",
            "claims-0-veteran_proof_type": "dd214",
            "claims-0-veteran_document": (io.BytesIO(pdf_document("DD-214", ["x"])), "d.pdf"),
        },
    )
    assert proven.status_code == 302, proven.text
    db_session.expire_all()
    claims = application(db_session, public_id).answers["preferences"]
    assert claims["COP"]["veteran"] is True and claims["COP"]["veteran_proof_type"] == "dd214"
    assert claims["COP"]["veteran_document"] and claims["COP"]["document"]
    assert "veteran" not in claims["LW"]
    review = client.get(f"/applications/{public_id}/review").text
    assert "Claimed as a veteran" in review and "DD Form 214" in review
    assert submit(client, public_id).status_code == 302
    # Each claim is written to the claims table with whether it was made as a veteran.
    rows = db_session.execute(
        select(PreferenceClaim.preference_code, PreferenceClaim.veteran).where(
            PreferenceClaim.application_id == application(db_session, public_id).id
        )
    ).all()
    assert sorted(rows) == [("COP", True), ("LW", False)]


def test_the_applicant_chooses_how_to_hear_and_a_choice_needs_its_channel(client, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    refused = step(
        client, public_id, "you", {**YOU_FORM, "updates_by": "text", "phone_type": "home"}
    )
    assert refused.status_code == 422
    assert "To get text messages, give a cell phone number above." in refused.text
    assert step(client, public_id, "you", {**YOU_FORM, "updates_by": "both"}).status_code in (
        302,
        303,
    )
    db_session.expire_all()
    assert application(db_session, public_id).answers["applicant"]["updates_by"] == "both"
    review = client.get(f"/applications/{public_id}/review").text
    assert "Both email and text message" in review
