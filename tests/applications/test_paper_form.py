"""A paper application typed in on one page, for staff: every section of the paper form at
once, checked by the same rules and submitted by the same service as the resident's steps,
with every message addressed to staff about the applicant."""

from __future__ import annotations

import html
import io
import re

from sqlalchemy import select

from housing.applications import services
from housing.applications.duplicates import DuplicateRule
from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
from housing.applications.rules import Problem, check_application
from housing.applications.wording import problem_text
from housing.db_types import utcnow
from housing.demo_files import pdf_document
from tests import factories
from tests.accounts.helpers import csrf_token, post_form, upload
from tests.applications.helpers import (
    HOUSEHOLD_FORM,
    INCOME_FORM,
    YOU_FORM,
    open_listing,
    start,
    step,
)
from tests.applications.test_eligibility_explained import HARBOR_FLATS, TODAY, at_a_year
from tests.applications.test_paper_and_duplicates import partner_of, start_paper

# The paper form's sections, in its order, as the page's fieldsets name them.
SECTIONS = [
    "Applicant",
    "Alternate contact",
    "Household members",
    "Accessibility needs",
    "Income and vouchers",
    "Lottery preferences",
    "Demographics (optional)",
    "Terms and signature",
]
# Maria and her daughter, $5,500 a month: eligible for the factories' 1-bedroom unit.
PAPER_FORM: dict[str, str] = {
    **{f"you-{name}": value for name, value in YOU_FORM.items()},
    "alternate-kind": "none",
    **{f"household-{name}": value for name, value in HOUSEHOLD_FORM.items()},
    **{f"income-{name}": value for name, value in INCOME_FORM.items()},
    "preferences-claims-0-claimed": "no",
    "terms-terms_accepted": "y",
}
ADDRESSING_THE_READER = re.compile(r"\b(you|your|yours|yourself)\b", re.IGNORECASE)


def paper_listing():  # type: ignore[no-untyped-def]
    """An open listing with 1-bedroom units and one preference proved by a utility bill."""
    listing = open_listing()
    preference = factories.PreferenceFactory(proof_types=["Utility bill"])
    factories.ListingPreferenceFactory(listing=listing, preference=preference)
    return listing, preference


def paper_page(client, listing) -> str:  # type: ignore[no-untyped-def]
    """Start a paper application received today; the address of the page it is typed on."""
    started = start_paper(client, listing, utcnow().date().isoformat())
    assert started.status_code == 302, started.text
    return str(started.headers["Location"])


def send(client, url: str, data: dict[str, object], action: str = "submit"):  # type: ignore[no-untyped-def]
    """POST the page as the browser does (multipart); a value of None leaves the field out."""
    values = {key: value for key, value in data.items() if value is not None}
    return upload(client, url, {"csrf_token": csrf_token(client, url), "action": action, **values})


def summary_items(page: str) -> list[tuple[str, str]]:
    """(link target, text) of each entry of the error summary."""
    found = re.search(r'<div class="error-summary".*?</div>', page, re.DOTALL)
    assert found, "no error summary"
    return [
        (target, html.unescape(re.sub(r"\s+", " ", text)).strip())
        for target, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', found.group(0), re.DOTALL)
    ]


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', page, re.DOTALL)
    assert found, f"no message at {field_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def blank_row(page: str, index: int) -> bool:
    """Whether the page has an empty household row at ``index``."""
    pattern = rf'<input[^>]*name="household-members-{index}-first_name"[^>]*value=""'
    return re.search(pattern, page) is not None


def application(db_session, public_id: str) -> Application:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalars(select(Application).where(Application.public_id == public_id)).one()


def test_a_whole_paper_application_is_submitted_from_one_page(app, client, db_session):
    listing, preference = paper_listing()
    partner = partner_of(listing, db_session, client)
    url = paper_page(client, listing)
    public_id = url.rsplit("/", 1)[-1]
    assert url == f"/partner/listings/{listing.id}/paper-applications/{public_id}"

    # One page: every section of the paper form, in its order, each a fieldset.
    page = client.get(url).text
    legends = re.findall(r'<fieldset class="section[ "][^>]*>\s*<legend><h2>(.*?)</h2>', page)
    assert [html.unescape(legend) for legend in legends] == SECTIONS
    for name in (
        "you-first_name",
        "alternate-kind",
        "household-members-0-first_name",
        "accessibility-mobility",
        "income-has_voucher",
        "income-amount",
        "preferences-claims-0-claimed",
        "preferences-claims-0-document",
        "demographics-race",
        "terms-terms_accepted",
    ):
        assert f'name="{name}"' in page, name
    assert 'enctype="multipart/form-data"' in page

    # One POST: the claim with its proof, the demographics, everything at once.
    done = send(
        client,
        url,
        {
            **PAPER_FORM,
            "accessibility-hearing": "y",
            "preferences-claims-0-claimed": "yes",
            "preferences-claims-0-member": "1",
            "preferences-claims-0-proof_type": "Utility bill",
            "preferences-claims-0-document": (
                io.BytesIO(pdf_document("Utility bill", ["Maria Lopez"])),
                "bill.pdf",
            ),
            "demographics-race": "asian",
        },
    )
    assert done.status_code == 302, done.text
    assert done.headers["Location"] == f"{url}/submitted"
    paper = application(db_session, public_id)
    assert paper.status is ApplicationStatus.SUBMITTED
    assert paper.channel is ApplicationChannel.PAPER
    assert paper.entered_by_id == partner.id and paper.user_id is None
    assert paper.received_on == utcnow().date()
    assert re.fullmatch(r"\d{8}", paper.lottery_number or "")
    claim = paper.submitted_answers["preferences"][preference.code]
    assert claim["claimed"] is True and claim["member"] == 1
    assert claim["document"] in {document.public_id for document in paper.documents}
    assert paper.submitted_answers["accessibility"]["hearing"] is True
    assert paper.submitted_answers["demographics"]["race"] == "asian"
    confirmation = client.get(done.headers["Location"]).text
    assert paper.lottery_number in confirmation and public_id in confirmation

    # The same answers as the resident's steps keep for the same household, and so the same
    # duplicate keys: the two are flagged as one household.
    resident = app.test_client()
    online_id = start(resident, listing.id)
    for name, data in (
        ("you", YOU_FORM),
        ("alternate", {"kind": "none"}),
        ("household", HOUSEHOLD_FORM),
        ("accessibility", {"hearing": "y"}),
        ("income", INCOME_FORM),
        ("preferences", {"claims-0-claimed": "no"}),
        ("demographics", {"race": "asian"}),
    ):
        assert step(resident, online_id, name, data).status_code == 302, name
    submitted = step(resident, online_id, "terms", {"terms_accepted": "y"}, action="submit")
    assert submitted.status_code == 302
    online = application(db_session, online_id)

    def without_claims(answers):  # type: ignore[no-untyped-def]
        return {key: value for key, value in answers.items() if key != "preferences"}

    assert without_claims(paper.submitted_answers) == without_claims(online.submitted_answers)
    flagged = {
        group.rule: {a.public_id for a in group.applications}
        for group in services.flagged_sets(db_session, listing.id)
    }
    assert flagged[DuplicateRule.NAME_AND_BIRTH_DATE] == {public_id, online_id}
    assert flagged[DuplicateRule.EMAIL] == {public_id, online_id}


# Each answer the clerk may have missed or that makes the household ineligible: the entry of
# the error summary that links to it, in words for staff.
REFUSALS: list[tuple[dict[str, object], str, str]] = [
    (
        {"you-date_of_birth": None},
        "#you-date_of_birth",
        "Date of birth: Enter the applicant's date of birth.",
    ),
    (
        {"you-date_of_birth": f"{utcnow().year - 16}-01-01"},
        "#you-date_of_birth",
        "Date of birth: The applicant must be 18 or older.",
    ),
    (
        {"household-members-0-date_of_birth": None},
        "#household-members-0-date_of_birth",
        "Household member 1: Date of birth: Enter the date of birth.",
    ),
    (
        {"household-members-0-relationship": None},
        "#household-members-0-relationship",
        "Household member 1: Relationship to the applicant: Choose how this person is "
        "related to the applicant.",
    ),
    (
        {"you-email": None},
        "#you-email",
        "Email address: Enter the applicant's email address, or tick the box if they have none.",
    ),
    (
        {"you-street": "PO Box 12"},
        "#you-street",
        "Street address: The applicant's home address cannot be a PO box. Enter the "
        "address where they live; a PO box can be given as the mailing address.",
    ),
    (
        {"alternate-kind": None},
        "#alternate-kind",
        "Who is the applicant's alternate contact?: Choose one of the options, even if "
        "the applicant wants no alternate contact.",
    ),
    (
        {"preferences-claims-0-claimed": None},
        "#preferences-claims-0-claimed",
        "{preference}: Does the applicant claim this preference?: Say whether the "
        "applicant claims or declines this preference.",
    ),
    (
        {"terms-terms_accepted": None},
        "#terms-terms_accepted",
        "The applicant signed the form, agreeing to the terms: Confirm that the applicant "
        "signed the paper form, agreeing to the terms.",
    ),
    (
        {"income-amount": "9000"},
        "#section-income",
        "Income and vouchers: The household's income is above the limit for every unit.",
    ),
]


def test_each_missing_or_ineligible_answer_is_refused_in_words_for_staff(client, db_session):
    listing, preference = paper_listing()
    partner_of(listing, db_session, client)
    url = paper_page(client, listing)
    public_id = url.rsplit("/", 1)[-1]
    for changes, target, entry in REFUSALS:
        refused_in_words_for_staff(
            db_session,
            send(client, url, {**PAPER_FORM, **changes}),
            public_id,
            target,
            entry.format(preference=preference.name),
        )


def refused_in_words_for_staff(db_session, refused, public_id, target, entry):  # type: ignore[no-untyped-def]

    assert refused.status_code == 422
    items = summary_items(refused.text)
    assert (target, entry) in items, items
    message = entry.rsplit(": ", 1)[-1]
    if target != "#section-income":
        assert field_error(refused.text, target[1:]) == message
    else:  # the household's eligibility, said in its section
        income = refused.text.split('id="section-income"', 1)[1].split("</fieldset>")[0]
        assert message in html.unescape(income)
    assert "autofocus" in re.search(r'<div class="error-summary"[^>]*>', refused.text).group(0)
    for _target, text in items:
        assert not ADDRESSING_THE_READER.search(text), text
    # Nothing submitted; what was typed is kept as the draft.
    paper = application(db_session, public_id)
    assert paper.status is ApplicationStatus.DRAFT
    assert paper.submitted_answers is None and paper.lottery_number is None
    assert paper.answers["applicant"]["first_name"] == "Maria"


def test_the_same_rules_refuse_a_household_over_the_income_limit_on_both_forms(
    app, client, db_session
):
    listing = open_listing()
    partner_of(listing, db_session, client)
    over_the_limit = {"has_voucher": "no", "amount": "9000", "period": "month"}

    resident = app.test_client()
    online_id = start(resident, listing.id)
    for name, data in (("you", YOU_FORM), ("alternate", {"kind": "none"})):
        step(resident, online_id, name, data)
    step(resident, online_id, "household", HOUSEHOLD_FORM)
    online = step(resident, online_id, "income", over_the_limit)
    assert online.status_code == 422
    assert "Your household income is above the limit for every unit." in online.text

    url = paper_page(client, listing)
    form = {key: value for key, value in PAPER_FORM.items() if not key.startswith("pref")}
    paper = send(client, url, {**form, "income-amount": "9000"})
    assert paper.status_code == 422
    assert "The household&#39;s income is above the limit for every unit." in paper.text
    assert "Your household" not in paper.text

    # One rule found both: the same problem, from the same answers.
    now = utcnow()
    codes = [
        {(p.field, p.code) for p in services.all_problems(application(db_session, number), now)}
        for number in (online_id, url.rsplit("/", 1)[-1])
    ]
    assert ("eligibility", "income_too_high") in codes[0]
    assert codes[0] - {("terms_accepted", "required")} == codes[1]


def test_a_draft_is_saved_with_rows_added_and_removed_and_resumed(client, db_session):
    listing, _preference = paper_listing()
    partner_of(listing, db_session, client)
    url = paper_page(client, listing)
    public_id = url.rsplit("/", 1)[-1]

    # Half typed in: saved as it is, nothing asked for yet.
    saved = send(
        client,
        url,
        {"you-first_name": "Maria", "you-last_name": "Lopez", **HOUSEHOLD_FORM_PREFIXED},
        action="save",
    )
    assert saved.status_code == 302 and saved.headers["Location"] == url
    resumed = client.get(url).text
    assert "Draft saved." in resumed
    assert 'value="Maria"' in resumed and 'value="Ana"' in resumed
    assert "error-summary" not in resumed
    # The row typed in, and a blank one to add someone without JavaScript.
    assert blank_row(resumed, 1)
    assert 'name="household-members-2-first_name"' not in resumed

    added = send(
        client,
        url,
        {
            "you-first_name": "Maria",
            **HOUSEHOLD_FORM_PREFIXED,
            "household-members-1-first_name": "Luis",
            "household-members-1-last_name": "Lopez",
            "household-members-1-date_of_birth": "2015-02-03",
            "household-members-1-relationship": "child",
        },
        action="add_member",
    )
    assert added.headers["Location"] == f"{url}#section-household"
    resumed = client.get(url).text
    assert 'value="Luis"' in resumed
    assert blank_row(resumed, 2)

    removed = send(
        client,
        url,
        {
            "you-first_name": "Maria",
            **HOUSEHOLD_FORM_PREFIXED,
            "household-members-0-remove": "y",
            "household-members-1-first_name": "Luis",
            "household-members-1-last_name": "Lopez",
            "household-members-1-date_of_birth": "2015-02-03",
            "household-members-1-relationship": "child",
        },
        action="save",
    )
    assert removed.status_code == 302
    draft = application(db_session, public_id)
    assert draft.status is ApplicationStatus.DRAFT
    assert [member["first_name"] for member in draft.answers["household"]] == ["Luis"]

    # Resumed from the list of drafts, on the same page.
    drafts = client.get(f"/partner/listings/{listing.id}/paper-applications/drafts").text
    assert f'href="{url}"' in drafts


HOUSEHOLD_FORM_PREFIXED = {f"household-{name}": value for name, value in HOUSEHOLD_FORM.items()}


def test_only_the_listings_managers_open_its_paper_applications(app, client, db_session):
    listing = open_listing()
    partner_of(listing, db_session, client)
    url = paper_page(client, listing)
    # An online application is not typed in by staff.
    resident = app.test_client()
    online_id = start(resident, listing.id)
    assert client.get(url.rsplit("/", 1)[0] + f"/{online_id}").status_code == 404
    # Another listing's partner does not find it.
    other = open_listing()
    stranger = app.test_client()
    partner_of(other, db_session, stranger)
    assert stranger.get(url).status_code == 404
    assert (
        stranger.get(
            f"/partner/listings/{other.id}/paper-applications/" + url.rsplit("/", 1)[-1]
        ).status_code
        == 404
    )
    # A draft set aside is no longer typed in.
    drafts = f"/partner/listings/{listing.id}/paper-applications/drafts"
    post_form(
        client,
        f"{drafts}/{url.rsplit('/', 1)[-1]}/discard",
        {"reason": "Twice."},
        token_from=drafts,
    )
    refused = client.get(url)
    assert refused.status_code == 302
    assert "can no longer be changed" in client.get(refused.headers["Location"]).text


def test_staff_are_spoken_to_about_the_applicant_and_residents_are_spoken_to(app, client):
    """One set of rules, two voices: each message that says "you" to a resident says "the
    applicant" to staff."""
    eligibility = check_application(at_a_year(20000), HARBOR_FLATS, TODAY)
    over = check_application(at_a_year(90000), HARBOR_FLATS, TODAY)
    problems = [
        *eligibility,
        *over,
        Problem("applicant.date_of_birth", "required"),
        Problem("applicant.date_of_birth", "under_18", {"age": 18}),
        Problem("applicant.address.street", "po_box"),
        Problem("applicant.email", "required"),
        Problem("applicant.phone", "required"),
        Problem("applicant.updates_by", "needs_email"),
        Problem("applicant.updates_by", "needs_cell_phone"),
        Problem("alternate_contact.kind", "required"),
        Problem("alternate_contact.phone", "email_or_phone"),
        Problem("household.0.relationship", "required"),
        Problem("preferences.COP", "claim_or_decline"),
        Problem("preferences.COP.proof_type", "required"),
        Problem("terms_accepted", "required"),
        Problem("answers", "too_large", {"maximum": 65536}),
    ]
    with app.test_request_context("/"):
        resident = [problem_text(problem) for problem in problems]
        staff = [problem_text(problem, voice="staff") for problem in problems]
    assert any(ADDRESSING_THE_READER.search(text) for text in resident)
    assert [text for text in staff if ADDRESSING_THE_READER.search(text)] == []
    assert "No single unit fits both your household's size and its income." in resident[0]
    assert "No single unit fits both the household's size and its income." in staff[0]
    assert "Studio: fits your household, but needs at least $36,360 a year." in resident
    assert "Studio: fits the household, but needs at least $36,360 a year." in staff

    # The resident's pages still speak to the resident.
    listing = open_listing()
    public_id = start(client, listing.id)
    assert "You must be 18 or older." in client.get(f"/applications/{public_id}/you").text
    refused = step(client, public_id, "you", {**YOU_FORM, "street": "PO Box 12"})
    assert "Your home address cannot be a PO box." in html.unescape(refused.text)
    refused = step(client, public_id, "you", {**YOU_FORM, "date_of_birth": ""})
    assert "Enter the date of birth." in refused.text
    assert "applicant&#39;s" not in refused.text
