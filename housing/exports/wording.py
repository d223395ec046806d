"""What people read about exports: column headings, states, kinds and refusals."""

from __future__ import annotations

from flask_babel.speaklater import LazyString

from housing.i18n import gettext as _
from housing.i18n import lazy_gettext as _l

HEADINGS: dict[str, LazyString] = {
    "application_number": _l("Application number"),
    "lottery_number": _l("Lottery number"),
    "status": _l("Status"),
    "channel": _l("Channel"),
    "language": _l("Language"),
    "submitted_at": _l("Submitted at (UTC)"),
    "received_on": _l("Paper form received on"),
    "first_name": _l("First name"),
    "middle_name": _l("Middle name"),
    "last_name": _l("Last name"),
    "date_of_birth": _l("Date of birth"),
    "email": _l("Email address"),
    "phone": _l("Phone number"),
    "phone_type": _l("Kind of phone"),
    "street": _l("Street address"),
    "unit": _l("Apartment or unit"),
    "city": _l("City"),
    "state": _l("State"),
    "postal_code": _l("ZIP code"),
    "mailing_address": _l("Mailing address"),
    "works_in_city": _l("Works in the city"),
    "alternate_contact": _l("Alternate contact"),
    "alternate_contact_name": _l("Alternate contact's name"),
    "household_size": _l("Household size"),
    "household_members": _l("Household members"),
    "annual_income": _l("Annual income"),
    "income_amount": _l("Income as entered"),
    "income_period": _l("Income period"),
    "has_voucher": _l("Housing voucher"),
    "needs_mobility": _l("Needs a mobility-accessible unit"),
    "needs_vision": _l("Needs vision accessibility"),
    "needs_hearing": _l("Needs hearing accessibility"),
    "ethnicity": _l("Ethnicity"),
    "race": _l("Race"),
    "gender": _l("Gender"),
    "heard_from": _l("Heard about the listing from"),
    "possible_duplicate": _l("Possible duplicate"),
    "left_out_as_duplicate": _l("Left out of the lottery as a duplicate"),
    "kept_instead": _l("Application kept instead"),
    "left_out_because": _l("Why it was left out"),
    "lease_up_status": _l("Lease-up status"),
    "lease_up_status_at": _l("Lease-up status since (UTC)"),
    "list": _l("List"),
    "list_rank": _l("Rank in this list"),
    "master_rank": _l("Rank in the general ranking"),
    "applicant_name": _l("Name"),
}
STATES: dict[str, LazyString] = {
    "queued": _l("Waiting to start"),
    "running": _l("Being written"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
}
KINDS: dict[str, LazyString] = {
    "applications": _l("Applications"),
    "results": _l("Lottery results"),
}
FORMATS: dict[str, LazyString] = {"csv": _l("CSV"), "xlsx": _l("Excel (XLSX)")}


def heading(column: str, preference_names: dict[str, str]) -> str:
    if column.startswith("preference:"):
        code = column.removeprefix("preference:")
        return _("Preference: %(name)s", name=preference_names.get(code, code))
    if column.startswith("rank:"):
        code = column.removeprefix("rank:")
        return _("Rank in the list %(name)s", name=preference_names.get(code, code))
    return str(HEADINGS[column])


def state_text(state: str) -> str:
    return str(STATES.get(state, state))


def kind_text(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def format_text(file_format: str) -> str:
    return str(FORMATS.get(file_format, file_format))


def refusal_text(code: str) -> str:
    texts = {
        "no_results": _l("This listing has no published lottery results to export yet."),
        "failed": _l(
            "The export could not be written. Ask for it again; if it fails again, "
            "tell the housing office."
        ),
    }
    return str(texts.get(code, _l("The export could not be written.")))
