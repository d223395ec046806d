"""What residents read about their application: field labels, choices and problems.

The same wording has a second voice, for staff typing in a paper application: where a resident
reads "you" and "your", staff read "the applicant" ("The applicant must be 18 or older")."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from flask_babel.speaklater import LazyString

from housing.applications.rules import Problem
from housing.i18n import format_number
from housing.i18n import gettext as _
from housing.i18n import lazy_gettext as _l
from housing.listings.eligibility import Reason, UnitFit
from housing.listings.eligibility_wording import (
    headline_sentence,
    mixed_headline,
    unit_fit_sentence,
    with_voucher_note,
)

# Who the wording speaks to: the resident applying, or staff typing in the applicant's paper form.
Voice = Literal["resident", "staff"]

SECTION_TITLES: dict[str, LazyString] = {
    "you": _l("About you"),
    "alternate": _l("Alternate contact"),
    "household": _l("Your household"),
    "accessibility": _l("Accessibility needs"),
    "income": _l("Income and vouchers"),
    "preferences": _l("Lottery preferences"),
    "demographics": _l("About your household (optional)"),
    "review": _l("Review your application"),
    "terms": _l("Terms and submit"),
}

LABELS: dict[str, LazyString] = {
    "first_name": _l("First name"),
    "middle_name": _l("Middle name (optional)"),
    "last_name": _l("Last name"),
    "date_of_birth": _l("Date of birth"),
    "email": _l("Email address"),
    "no_email": _l("I do not have an email address"),
    "phone": _l("Phone number"),
    "no_phone": _l("I do not have a phone number"),
    "phone_type": _l("Kind of phone"),
    "updates_by": _l("How should we send you news about this application?"),
    "street": _l("Street address"),
    "unit": _l("Apartment or unit (optional)"),
    "city": _l("City"),
    "state": _l("State"),
    "postal_code": _l("ZIP code"),
    "address": _l("Home address"),
    "mailing_address": _l("Mailing address"),
    "works_in_city": _l("Do you work in the city?"),
    "language": _l("Language for messages about this application"),
    "kind": _l("Who is your alternate contact?"),
    "name": _l("Their full name"),
    "relationship": _l("Relationship to you"),
    "has_voucher": _l("Does your household have a housing voucher or rental subsidy?"),
    "amount": _l("Total household income before taxes"),
    "period": _l("Is that amount per month or per year?"),
    "claimed": _l("Do you claim this preference?"),
    "member": _l("Household member who qualifies"),
    "proof_type": _l("Kind of proof"),
    "document": _l("Proof document"),
    "veteran": _l("Is this claim made as a veteran (a household member who served)?"),
    "veteran_proof_type": _l("Kind of proof of military service"),
    "veteran_document": _l("Proof of military service"),
    "terms_accepted": _l("I agree to the terms"),
    "eligibility": _l("Eligibility"),
    "listing": _l("Application period"),
    "mobility": _l("Mobility (for example, a wheelchair-accessible unit)"),
    "vision": _l("Vision"),
    "hearing": _l("Hearing"),
    "ethnicity": _l("Ethnicity"),
    "race": _l("Race"),
    "gender": _l("Gender"),
    "heard_from": _l("How did you hear about this listing?"),
    "household": _l("Household members"),
    "preferences": _l("Lottery preferences"),
    "answers": _l("Your answers"),
}

CHOICES: dict[str, dict[str, LazyString]] = {
    "phone_type": {"cell": _l("Cell"), "home": _l("Home"), "work": _l("Work")},
    "updates_by": {
        "email": _l("Email"),
        "text": _l("Text message (cell phones only)"),
        "both": _l("Both email and text message"),
    },
    "kind": {
        "none": _l("I do not want an alternate contact"),
        "family": _l("A family member"),
        "friend": _l("A friend"),
        "caseworker": _l("A caseworker or housing counselor"),
        "other": _l("Someone else"),
    },
    "relationship": {
        "spouse": _l("Spouse"),
        "partner": _l("Domestic partner"),
        "child": _l("Child"),
        "parent": _l("Parent"),
        "sibling": _l("Brother or sister"),
        "grandparent": _l("Grandparent"),
        "grandchild": _l("Grandchild"),
        "other_relative": _l("Other relative"),
        "friend": _l("Friend"),
        "other": _l("Other"),
    },
    "period": {"month": _l("Per month"), "year": _l("Per year")},
    "veteran_proof_type": {
        "dd214": _l("DD Form 214 (certificate of release or discharge)"),
        "va_letter": _l("A letter from the U.S. Department of Veterans Affairs"),
        "service_record": _l("Another record of military service"),
    },
    "ethnicity": {
        "hispanic_latino": _l("Hispanic or Latino"),
        "not_hispanic_latino": _l("Not Hispanic or Latino"),
        "decline": _l("I prefer not to say"),
    },
    "race": {
        "american_indian": _l("American Indian or Alaska Native"),
        "asian": _l("Asian"),
        "black": _l("Black or African American"),
        "pacific_islander": _l("Native Hawaiian or Pacific Islander"),
        "white": _l("White"),
        "multiracial": _l("More than one race"),
        "other": _l("Other"),
        "decline": _l("I prefer not to say"),
    },
    "gender": {
        "woman": _l("Woman"),
        "man": _l("Man"),
        "nonbinary": _l("Non-binary"),
        "other": _l("Another gender"),
        "decline": _l("I prefer not to say"),
    },
    "heard_from": {
        "website": _l("This website"),
        "newspaper": _l("A newspaper"),
        "social_media": _l("Social media"),
        "friend_family": _l("Friends or family"),
        "housing_counselor": _l("A housing counselor"),
        "community_organization": _l("A community organization"),
        "other": _l("Somewhere else"),
    },
}


# What staff read instead, where the resident's words speak to the applicant. A label is
# replaced only on a field that shows the resident's label of the same name.
STAFF_SECTION_TITLES: dict[str, LazyString] = {
    "you": _l("Applicant"),
    "household": _l("Household members"),
    "demographics": _l("Demographics (optional)"),
    "terms": _l("Terms and signature"),
}
STAFF_LABELS: dict[str, LazyString] = {
    "no_email": _l("The applicant has no email address"),
    "no_phone": _l("The applicant has no phone number"),
    "updates_by": _l("How does the applicant want news about this application?"),
    "has_mailing_address": _l("The applicant's mailing address is different"),
    "works_in_city": _l("Does the applicant work in the city?"),
    "kind": _l("Who is the applicant's alternate contact?"),
    "relationship": _l("Relationship to the applicant"),
    "has_voucher": _l("Does the household have a housing voucher or rental subsidy?"),
    "claimed": _l("Does the applicant claim this preference?"),
    "terms_accepted": _l("The applicant signed the form, agreeing to the terms"),
    "heard_from": _l("How did the applicant hear about this listing?"),
}
_PREFERS_NOT_TO_SAY = {"decline": _l("The applicant prefers not to say")}
STAFF_CHOICES: dict[str, dict[str, LazyString]] = {
    "kind": {"none": _l("The applicant wants no alternate contact")},
    "claimed": {
        "yes": _l("Yes, the applicant claims it"),
        "no": _l("No, the applicant declines it"),
    },
    "ethnicity": _PREFERS_NOT_TO_SAY,
    "race": _PREFERS_NOT_TO_SAY,
    "gender": _PREFERS_NOT_TO_SAY,
}


def section_title(section: str, voice: Voice = "resident") -> str:
    if voice == "staff" and section in STAFF_SECTION_TITLES:
        return str(STAFF_SECTION_TITLES[section])
    return str(SECTION_TITLES[section])


def staff_label(name: str, shown: str) -> str:
    """A field's label for staff: ``shown`` (the label the field has) in the staff's voice
    where the resident's label of that name speaks to the applicant."""
    staff = STAFF_LABELS.get(name)
    resident = LABELS.get(name)
    if staff is None or (resident is not None and str(resident) != shown):
        return shown
    return str(staff)


def staff_choice(name: str, value: str, shown: str) -> str:
    """One option of a field, for staff: "The applicant prefers not to say"."""
    staff = STAFF_CHOICES.get(name, {}).get(value)
    return shown if staff is None else str(staff)


# The proof types the demo city and most cities ask for, as staff type them on a preference:
# each is shown in the reader's language; one typed otherwise is shown as typed.
PROOF_TYPE_NAMES: dict[str, LazyString] = {
    "Certificate of Preference": _l("Certificate of Preference"),
    "Displaced Tenant Certificate": _l("Displaced Tenant Certificate"),
    "Utility bill": _l("Utility bill"),
    "Lease": _l("Lease"),
    "Pay stub": _l("Pay stub"),
    "Pay stub with home address": _l("Pay stub with home address"),
    "Letter from employer": _l("Letter from employer"),
}


def proof_type_name(proof_type: Any) -> str:
    """A preference's kind of proof in the reader's language; the stored value stays the one
    the preference lists."""
    if not isinstance(proof_type, str):
        return ""
    known = PROOF_TYPE_NAMES.get(proof_type)
    return str(known) if known is not None else proof_type


def status_text(status: str) -> str:
    return {
        "draft": _("Started, not submitted"),
        "submitted": _("Submitted"),
        "withdrawn": _("Withdrawn"),
    }.get(status, status)


def version_text(action: str) -> str:
    return {
        "submitted": _("Submitted"),
        "edited": _("Changes submitted"),
        "withdrawn": _("Withdrawn"),
        "resubmitted": _("Submitted again"),
        "discarded": _("Paper draft set aside"),
    }.get(action, action)


def rule_text(rule: str) -> str:
    return {
        "name_dob": _("Same household member (name and date of birth)"),
        "email": _("Same email address"),
        "address": _("Same home address"),
    }.get(rule, rule)


def language_name(code: Any) -> str:
    from housing.i18n import LOCALES

    for locale in LOCALES:
        if locale.code == code:
            return locale.native_name
    return _("Not answered")


_INDEX = re.compile(r"\.\d+")


def field_name(path: str) -> str:
    """The last meaningful part of a problem's path: "household.2.date_of_birth" -> the label
    key "date_of_birth"."""
    return path.rsplit(".", 1)[-1]


def label(path: str) -> str:
    found = LABELS.get(field_name(path))
    return str(found) if found is not None else field_name(path)


def choice_label(field: str, value: Any) -> str:
    return str(CHOICES.get(field, {}).get(str(value), value or ""))


def _required_text(path: str, staff: bool) -> str:
    name = field_name(path)
    if staff and path == "applicant.date_of_birth":
        return _("Enter the applicant's date of birth.")
    specific: dict[str, Callable[[], str]] = {
        "terms_accepted": lambda: (
            _("Confirm that the applicant signed the paper form, agreeing to the terms.")
            if staff
            else _("Accept the terms to submit your application.")
        ),
        "member": lambda: _("Choose the household member who qualifies."),
        "proof_type": lambda: (
            _("Choose the kind of proof the applicant sent.")
            if staff
            else _("Choose the kind of proof you are sending.")
        ),
        "document": lambda: _("Upload a document that proves this preference."),
        "works_in_city": lambda: _("Answer yes or no."),
        "veteran_proof_type": lambda: _("Choose the kind of proof of military service."),
        "veteran_document": lambda: _("Upload a document that proves the military service."),
        "has_voucher": lambda: _("Answer yes or no."),
        "kind": lambda: (
            _("Choose one of the options, even if the applicant wants no alternate contact.")
            if staff
            else _("Choose one of the options, even if it is that you want none.")
        ),
        "relationship": lambda: (
            _("Choose how this person is related to the applicant.")
            if staff
            else _("Choose how this person is related to you.")
        ),
        "period": lambda: _("Choose per month or per year."),
        "date_of_birth": lambda: _("Enter the date of birth."),
        "email": lambda: (
            _("Enter the applicant's email address, or tick the box if they have none.")
            if staff
            else _("Enter an email address, or tick the box to say you do not have one.")
        ),
        "phone": lambda: (
            _("Enter the applicant's phone number, or tick the box if they have none.")
            if staff
            else _("Enter a phone number, or tick the box to say you do not have one.")
        ),
    }
    return specific.get(name, lambda: _("Fill in this field."))()


def problem_text(problem: Problem, voice: Voice = "resident") -> str:
    """One problem as a sentence in the reader's language, said to the resident applying or,
    in the staff's ``voice``, about the applicant to staff typing in a paper form."""
    detail: Mapping[str, Any] = problem.detail
    staff = voice == "staff"
    if problem.code == "too_long" and problem.field.endswith(".state"):
        # "CAL" is not a state code cut short: counting letters would not say what to type.
        return _("Enter the two-letter state code, like CA.")
    texts: dict[str, Callable[[], str]] = {
        "required": lambda: _required_text(problem.field, staff),
        "invalid": lambda: _("This answer is not in a form we can read. Please enter it again."),
        "invalid_characters": lambda: _(
            "Remove the line breaks or special characters from this answer."
        ),
        "too_long": lambda: _(
            "Use at most %(maximum)s characters.", maximum=format_number(detail["maximum"])
        ),
        "invalid_name": lambda: _(
            "Use letters only: no digits, links or symbols. Spaces, hyphens, apostrophes and "
            "periods are fine."
        ),
        "too_large": lambda: (
            _(
                "The answers are too long to keep: together they may take at most %(size)s KB.",
                size=format_number(detail["maximum"] // 1024),
            )
            if staff
            else _(
                "Your answers are too long to keep: together they may take at most %(size)s KB.",
                size=format_number(detail["maximum"] // 1024),
            )
        ),
        "too_deep": lambda: _("These answers are nested too deeply to be an application."),
        "invalid_choice": lambda: _("Choose one of the options shown."),
        "needs_email": lambda: (
            _("To send email, enter the applicant's email address above.")
            if staff
            else _("To get email, give your email address above.")
        ),
        "needs_cell_phone": lambda: (
            _("To send text messages, enter the applicant's cell phone number above.")
            if staff
            else _("To get text messages, give a cell phone number above.")
        ),
        "invalid_date": lambda: _("Enter a real date: check the day, the month and the year."),
        "future_date": lambda: _("A date of birth cannot be in the future."),
        "date_too_early": lambda: _("Check the year: it is before 1900."),
        "under_18": lambda: (
            _("The applicant must be %(age)s or older.", age=detail["age"])
            if staff
            else _("The person applying must be at least %(age)s years old.", age=detail["age"])
        ),
        "invalid_email": lambda: _("Enter an email address like name@example.com."),
        # The example keeps its digits in order inside a right-to-left sentence.
        "invalid_phone": lambda: _(
            "Enter a 10-digit US phone number, like %(example)s.",
            example="\u2066555-123-4567\u2069",
        ),
        "po_box": lambda: (
            _(
                "The applicant's home address cannot be a PO box. Enter the address where they "
                "live; a PO box can be given as the mailing address."
            )
            if staff
            else _(
                "Your home address cannot be a PO box. Give the address where you live; you "
                "can add a PO box as your mailing address."
            )
        ),
        "invalid_state": lambda: _("Enter the two-letter state code, like CA."),
        "invalid_zip": lambda: _("Enter a 5-digit ZIP code, like 94110."),
        "email_or_phone": lambda: (
            _("Enter the alternate contact's email address or phone.")
            if staff
            else _("Give your alternate contact's email address or phone.")
        ),
        "too_many": lambda: _(
            "A household can list at most %(maximum)s other people.", maximum=detail["maximum"]
        ),
        "invalid_amount": lambda: _("Enter an amount in dollars, for example 3500."),
        "unknown_field": lambda: _("This field is not part of the application."),
        "unknown_preference": lambda: _("This listing has no such preference."),
        "claim_or_decline": lambda: (
            _("Say whether the applicant claims or declines this preference.")
            if staff
            else _("Say whether you claim this preference or not.")
        ),
        "no_veteran_list": lambda: _(
            "This preference has no veteran list, so it cannot be claimed as a veteran."
        ),
        "unknown_document": lambda: _(
            "We do not have that document for this application. Please upload it again."
        ),
        # Eligibility: the same sentences as the listing page and the estimator.
        "too_small": lambda: headline_sentence(Reason.TOO_SMALL, detail["household_size"]),
        "too_big": lambda: headline_sentence(Reason.TOO_BIG, detail["household_size"]),
        "income_too_low": lambda: with_voucher_note(
            headline_sentence(Reason.INCOME_TOO_LOW, detail["household_size"], staff=staff),
            bool(detail.get("voucher_note")),
        ),
        "income_too_high": lambda: headline_sentence(
            Reason.INCOME_TOO_HIGH, detail["household_size"], staff=staff
        ),
        "age": lambda: headline_sentence(Reason.AGE, 0, senior_age=detail["age"]),
        "no_unit_fits": lambda: with_voucher_note(
            mixed_headline([Reason(code) for code in detail.get("reasons", ())], staff=staff),
            bool(detail.get("voucher_note")),
        ),
        "unit_does_not_fit": lambda: unit_fit_sentence(UnitFit.from_detail(detail), staff=staff),
        "not_published": lambda: _("This listing is not taking applications."),
        "not_open_yet": lambda: _("Applications for this listing are not open yet."),
        "closed": lambda: _("Applications for this listing are closed."),
        "deadline_passed": lambda: _("The application deadline has passed."),
        "received_on_required": lambda: _("Enter the date the paper application was received."),
        "received_before_open": lambda: _(
            "The paper application is dated before the application period opened."
        ),
        "received_after_deadline": lambda: _(
            "The paper application arrived after the deadline and cannot be entered."
        ),
    }
    text = texts.get(problem.code)
    return text() if text is not None else _("This answer is not accepted.")


def problem_path_for_form(path: str) -> str:
    """A problem path as the web form names the field ("household.2.first_name" ->
    "members-2-first_name"); see the step forms."""
    if path.startswith("household."):
        return "members-" + path.removeprefix("household.").replace(".", "-")
    return _INDEX.sub("", path)
