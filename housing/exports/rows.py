"""What each column holds: plain values taken from an application's submitted answers.

Pure: no Flask, no database. Choices are written as the stable codes the API uses (``child``,
``month``), so a spreadsheet sorts and filters the same whatever language it was asked in;
only the headings are translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from housing.lottery.verify import VETERAN_PREFIX, base_code

# A spreadsheet program reads a cell starting with one of these as a formula (or, with a
# tab or carriage return, may strip it and then do so): such text is written with a leading
# apostrophe, which makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)

Cell = str | int | Decimal | None

APPLICANT_COLUMNS = (
    "application_number",
    "lottery_number",
    "status",
    "channel",
    "language",
    "submitted_at",
    "received_on",
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "phone_type",
    "street",
    "unit",
    "city",
    "state",
    "postal_code",
    "mailing_address",
    "works_in_city",
    "alternate_contact",
    "alternate_contact_name",
    "household_size",
    "household_members",
    "annual_income",
    "income_amount",
    "income_period",
    "has_voucher",
    "needs_mobility",
    "needs_vision",
    "needs_hearing",
)
# What staff decided and what followed: duplicates, the lottery's ranks, lease-up.
OUTCOME_COLUMNS = (
    "possible_duplicate",
    "left_out_as_duplicate",
    "kept_instead",
    "left_out_because",
    "master_rank",
)
LEASE_UP_COLUMNS = ("lease_up_status", "lease_up_status_at")
DEMOGRAPHIC_COLUMNS = ("ethnicity", "race", "gender", "heard_from")
RESULT_COLUMNS = (
    "list_rank",
    "master_rank",
    "application_number",
    "lottery_number",
    "applicant_name",
    # For the listing's agents and staff to reach each household; the public results bundle
    # has no contact details.
    "email",
    "phone",
)


@dataclass(frozen=True)
class ApplicationRow:
    """The columns of one application the export reads."""

    public_id: str
    lottery_number: str | None
    status: str
    channel: str
    language: str
    submitted_at: datetime | None
    received_on: date | None
    household_size: int | None
    annual_income: Decimal | None
    answers: Mapping[str, Any] | None
    # What happened to it, by column (``outcomes``): duplicates, ranks, claim decisions...
    outcome: Mapping[str, Cell] = field(default_factory=dict)


def guard(value: Cell) -> Cell:
    """Text that a spreadsheet would run as a formula, made plain."""
    if value.__class__ is str and value and value[0] in _FORMULA_FIRST:
        return "'" + value
    return value


def application_columns(
    preference_codes: Sequence[str], *, include_demographics: bool
) -> list[str]:
    """The column keys, in order: one per preference of the listing (and one per veteran
    list, ``V-COP``: whether the claim is made as a veteran), then what came of the
    application (possible duplicate, left out and why, its rank in the general ranking and in
    each list, its lease-up status), demographics last."""
    columns = [
        *APPLICANT_COLUMNS,
        *(f"preference:{code}" for code in preference_codes),
        *OUTCOME_COLUMNS,
        *(f"rank:{code}" for code in preference_codes),
        *LEASE_UP_COLUMNS,
    ]
    if include_demographics:
        columns.extend(DEMOGRAPHIC_COLUMNS)
    return columns


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return str(value)
    return ""  # a list or an object where text belongs: nothing trustworthy to write


def _section(answers: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = answers.get(name)
    return value if isinstance(value, Mapping) else {}


def _address(value: Any) -> str:
    if not isinstance(value, Mapping):
        return ""
    parts = [_text(value.get(key)) for key in ("street", "unit", "city", "state", "postal_code")]
    return ", ".join(part for part in parts if part)


def _members(value: Any) -> str:
    """Household members besides the applicant: "Ana Lopez (child, 2012-06-01); ..."."""
    if not isinstance(value, list):
        return ""
    members = []
    for member in value:
        if not isinstance(member, Mapping):
            continue
        name = " ".join(
            part
            for part in (_text(member.get("first_name")), _text(member.get("last_name")))
            if part
        )
        facts = ", ".join(
            part
            for part in (_text(member.get("relationship")), _text(member.get("date_of_birth")))
            if part
        )
        members.append(f"{name} ({facts})" if facts else name)
    return "; ".join(members)


def _claim(value: Any, decided: Cell = None) -> str:
    """What became of a preference: ``declined`` (not claimed), ``claimed`` (not decided
    yet), ``confirmed`` or ``invalidated`` by staff."""
    if not isinstance(value, Mapping) or "claimed" not in value:
        return ""
    if value.get("claimed") is not True:
        return "declined"
    return str(decided) if decided else "claimed"


def _when(value: datetime | date | None) -> str:
    return value.isoformat() if value is not None else ""


Getter = Callable[[ApplicationRow, Mapping[str, Any]], Cell]


def _in(section: str, name: str) -> Getter:
    return lambda row, answers: _text(_section(answers, section).get(name))


def _in_address(name: str) -> Getter:
    return lambda row, answers: _text(_section(_section(answers, "applicant"), "address").get(name))


def _claim_of(code: str) -> Getter:
    return lambda row, answers: _claim(
        _section(answers, "preferences").get(code), row.outcome.get(f"decision:{code}")
    )


def _as_veteran(value: Any, decided: Cell = None) -> str:
    """yes or no for a claim made, whether as a veteran (``invalidated`` when staff found
    its veteran part invalid); empty for one not made."""
    if not isinstance(value, Mapping) or value.get("claimed") is not True:
        return ""
    if value.get("veteran") is not True:
        return "no"
    return "invalidated" if decided == "invalidated" else "yes"


def _veteran_claim_of(code: str) -> Getter:
    veteran = VETERAN_PREFIX + code
    return lambda row, answers: _as_veteran(
        _section(answers, "preferences").get(code), row.outcome.get(f"decision:{veteran}")
    )


def _outcome(column: str) -> Getter:
    return lambda row, answers: row.outcome.get(column, "")


_GETTERS: dict[str, Getter] = {
    "application_number": lambda row, answers: row.public_id,
    "lottery_number": lambda row, answers: row.lottery_number or "",
    "status": lambda row, answers: row.status,
    "channel": lambda row, answers: row.channel,
    "language": lambda row, answers: row.language,
    "submitted_at": lambda row, answers: _when(row.submitted_at),
    "received_on": lambda row, answers: _when(row.received_on),
    "mailing_address": lambda row, answers: _address(
        _section(answers, "applicant").get("mailing_address")
    ),
    "street": _in_address("street"),
    "unit": _in_address("unit"),
    "city": _in_address("city"),
    "state": _in_address("state"),
    "postal_code": _in_address("postal_code"),
    "alternate_contact": _in("alternate_contact", "kind"),
    "alternate_contact_name": _in("alternate_contact", "name"),
    "household_size": lambda row, answers: row.household_size,
    "household_members": lambda row, answers: _members(answers.get("household")),
    "annual_income": lambda row, answers: row.annual_income,
    "income_amount": _in("income", "amount"),
    "income_period": _in("income", "period"),
    "has_voucher": _in("income", "has_voucher"),
    "needs_mobility": _in("accessibility", "mobility"),
    "needs_vision": _in("accessibility", "vision"),
    "needs_hearing": _in("accessibility", "hearing"),
    **{name: _in("demographics", name) for name in DEMOGRAPHIC_COLUMNS},
}


def _getter(column: str) -> Getter:
    if column in _GETTERS:
        return _GETTERS[column]
    if column in OUTCOME_COLUMNS or column in LEASE_UP_COLUMNS or column.startswith("rank:"):
        return _outcome(column)
    if column.startswith("preference:" + VETERAN_PREFIX):
        return _veteran_claim_of(base_code(column.removeprefix("preference:")))
    if column.startswith("preference:"):
        return _claim_of(column.removeprefix("preference:"))
    return _in("applicant", column)  # a field of the applicant section, under its own name


def application_values(columns: Sequence[str]) -> Callable[[ApplicationRow], list[Cell]]:
    """What makes one application's cells for ``columns`` (from ``application_columns``);
    the columns are looked up once, not once per row."""
    getters = [_getter(column) for column in columns]

    def values(row: ApplicationRow) -> list[Cell]:
        answers = row.answers if isinstance(row.answers, Mapping) else {}
        return [guard(get(row, answers)) for get in getters]

    return values


def result_values(
    list_rank: int,
    master_rank: int,
    public_id: str,
    lottery_number: str | None,
    name: str,
    email: str = "",
    phone: str | None = None,
) -> list[Cell]:
    return [
        list_rank,
        master_rank,
        public_id,
        lottery_number or "",
        guard(name),
        guard(email),
        guard(phone or ""),
    ]
