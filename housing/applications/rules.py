"""What a complete, eligible application is: the one check every path runs.

Pure domain rules (DESIGN.md section 2): no Flask, no database. ``answers`` is the application
as JSON-like data, exactly as the API receives it and as the web form's steps store it; every
value may be missing or of the wrong type, and each problem is reported with the path of the
field and a code, never an exception.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email

from housing.listings.eligibility import (
    Household,
    Reason,
    SeniorRequirement,
    UnitTerms,
    check_listing,
)

ADULT_AGE = 18
MAX_NAME = 100
MAX_TEXT = 200
MAX_HOUSEHOLD_MEMBERS = 14  # besides the applicant
MAX_INCOME = Decimal("10000000")
EARLIEST_BIRTH_YEAR = 1900

SECTIONS = (
    "you",
    "alternate",
    "household",
    "accessibility",
    "income",
    "preferences",
    "demographics",
    "terms",
)
# The first part of a problem's path says which section shows it.
SECTION_OF_ROOT = {
    "applicant": "you",
    "language": "you",
    "alternate_contact": "alternate",
    "household": "household",
    "accessibility": "accessibility",
    "income": "income",
    "eligibility": "income",
    "preferences": "preferences",
    "demographics": "demographics",
    "terms_accepted": "terms",
}

# The parts of an application; anything else sent is refused by name.
ANSWER_ROOTS = frozenset(
    {
        "language",
        "applicant",
        "alternate_contact",
        "household",
        "accessibility",
        "income",
        "preferences",
        "demographics",
        "terms_accepted",
    }
)
PHONE_TYPES = ("cell", "home", "work")
# How the applicant wants to hear about this application.
UPDATE_CHANNELS = ("email", "text", "both")
ALTERNATE_KINDS = ("none", "family", "friend", "caseworker", "other")
RELATIONSHIPS = (
    "spouse",
    "partner",
    "child",
    "parent",
    "sibling",
    "grandparent",
    "grandchild",
    "other_relative",
    "friend",
    "other",
)
INCOME_PERIODS = ("month", "year")
# What proves that a household member served, where a claim is made as a veteran.
VETERAN_PROOF_TYPES = ("dd214", "va_letter", "service_record")
ACCESSIBILITY_NEEDS = ("mobility", "vision", "hearing")
DEMOGRAPHIC_CHOICES: dict[str, tuple[str, ...]] = {
    "ethnicity": ("hispanic_latino", "not_hispanic_latino", "decline"),
    "race": (
        "american_indian",
        "asian",
        "black",
        "pacific_islander",
        "white",
        "multiracial",
        "other",
        "decline",
    ),
    "gender": ("woman", "man", "nonbinary", "other", "decline"),
    "heard_from": (
        "website",
        "newspaper",
        "social_media",
        "friend_family",
        "housing_counselor",
        "community_organization",
        "other",
    ),
}
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)

_ZIP = re.compile(r"\d{5}(-\d{4})?")
_PHONE_NOISE = re.compile(r"[\s().\-]")
# "PO Box 12", "P.O. Box", "Post Office Box", "POB 7", "Box 12" at the start of the street.
_PO_BOX = re.compile(
    r"(\bp\.?\s*o\.?\s*b(ox)?\b|\bpost\s*office\s*box\b|\bpostal\s*box\b|^\s*box\s*\d)",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Problem:
    """One reason an application cannot be submitted as it is."""

    field: str
    code: str
    detail: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def section(self) -> str:
        return SECTION_OF_ROOT.get(self.field.split(".", 1)[0], "review")


@dataclass(frozen=True)
class PreferenceRule:
    code: str
    proof_types: tuple[str, ...]
    # The preference has a veteran list: each claim of it says whether it is made as a veteran.
    veteran_list: bool = False


@dataclass(frozen=True)
class ListingRules:
    """What an application is checked against: the listing's units and preferences."""

    units: tuple[UnitTerms, ...]
    senior: SeniorRequirement | None = None
    preferences: tuple[PreferenceRule, ...] = ()


class _Checker:
    def __init__(self, answers: Mapping[str, Any]) -> None:
        self.answers = answers if isinstance(answers, Mapping) else {}
        self.problems: list[Problem] = []

    def add(self, path: str, code: str, **detail: Any) -> None:
        self.problems.append(Problem(path, code, detail))

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        maximum: int = MAX_TEXT,
    ) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(path, "required")
            return None
        if not isinstance(value, str):
            self.add(path, "invalid")
            return None
        value = value.strip()
        if _CONTROL.search(value) or "\n" in value or "\r" in value:
            self.add(path, "invalid_characters")
            return None
        if len(value) > maximum:
            self.add(path, "too_long", maximum=maximum)
            return None
        return value

    def choice(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        choices: Sequence[str],
        *,
        required: bool,
    ) -> str | None:
        value = data.get(key)
        if value in (None, ""):
            if required:
                self.add(path, "required")
            return None
        if value not in choices:
            self.add(path, "invalid_choice")
            return None
        return str(value)

    def flag(self, data: Mapping[str, Any], key: str, path: str, *, required: bool) -> bool | None:
        value = data.get(key)
        if value is None:
            if required:
                self.add(path, "required")
            return None
        if not isinstance(value, bool):
            self.add(path, "invalid")
            return None
        return value

    def birth_date(self, data: Mapping[str, Any], key: str, path: str, today: date) -> date | None:
        raw = self.text(data, key, path, maximum=10)
        if raw is None:
            return None
        try:
            born = date.fromisoformat(raw)
        except ValueError:
            self.add(path, "invalid_date")
            return None
        if len(raw) != 10:
            self.add(path, "invalid_date")
            return None
        if born > today:
            self.add(path, "future_date")
            return None
        if born.year < EARLIEST_BIRTH_YEAR:
            self.add(path, "date_too_early")
            return None
        return born

    def section(self, data: Any, path: str) -> Mapping[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            self.add(path, "invalid")
            return {}
        return data


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def normalized_phone(raw: str) -> str | None:
    """Ten US digits, or None when the text is not a US phone number."""
    digits = _PHONE_NOISE.sub("", raw)
    if digits.startswith("+1"):
        digits = digits[2:]
    elif digits.startswith("1") and len(digits) == 11:
        digits = digits[1:]
    if not digits.isdigit() or len(digits) != 10 or digits[0] in "01":
        return None
    return digits


def is_po_box(street: str) -> bool:
    return bool(_PO_BOX.search(street))


def _check_email(checker: _Checker, value: str | None, path: str) -> None:
    if value is None:
        return
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        checker.add(path, "invalid_email")


def _check_phone(checker: _Checker, value: str | None, path: str) -> None:
    if value is not None and normalized_phone(value) is None:
        checker.add(path, "invalid_phone")


def _check_address(checker: _Checker, data: Any, path: str, *, home: bool) -> None:
    address = checker.section(data, path)
    if not address and not home:
        return
    street = checker.text(address, "street", f"{path}.street")
    checker.text(address, "unit", f"{path}.unit", required=False, maximum=50)
    checker.text(address, "city", f"{path}.city", maximum=MAX_NAME)
    state = checker.text(address, "state", f"{path}.state", maximum=2)
    postal = checker.text(address, "postal_code", f"{path}.postal_code", maximum=10)
    if home and street is not None and is_po_box(street):
        checker.add(f"{path}.street", "po_box")
    if state is not None and state.upper() not in US_STATES:
        checker.add(f"{path}.state", "invalid_state")
    if postal is not None and not _ZIP.fullmatch(postal):
        checker.add(f"{path}.postal_code", "invalid_zip")


def _check_you(checker: _Checker, today: date) -> date | None:
    you = checker.section(checker.answers.get("applicant"), "applicant")
    checker.text(you, "first_name", "applicant.first_name", maximum=MAX_NAME)
    checker.text(you, "middle_name", "applicant.middle_name", required=False, maximum=MAX_NAME)
    checker.text(you, "last_name", "applicant.last_name", maximum=MAX_NAME)
    born = checker.birth_date(you, "date_of_birth", "applicant.date_of_birth", today)
    if born is not None and age_on(born, today) < ADULT_AGE:
        checker.add("applicant.date_of_birth", "under_18", age=ADULT_AGE)
    no_email = checker.flag(you, "no_email", "applicant.no_email", required=False)
    if not no_email:
        email = checker.text(you, "email", "applicant.email", maximum=254)
        _check_email(checker, email, "applicant.email")
    no_phone = checker.flag(you, "no_phone", "applicant.no_phone", required=False)
    phone_type = None
    if not no_phone:
        phone = checker.text(you, "phone", "applicant.phone", maximum=40)
        _check_phone(checker, phone, "applicant.phone")
        phone_type = checker.choice(
            you, "phone_type", "applicant.phone_type", PHONE_TYPES, required=False
        )
    updates_by = checker.choice(
        you, "updates_by", "applicant.updates_by", UPDATE_CHANNELS, required=False
    )
    if updates_by in ("email", "both") and no_email:
        checker.add("applicant.updates_by", "needs_email")
    if updates_by in ("text", "both") and (no_phone or phone_type in ("home", "work")):
        checker.add("applicant.updates_by", "needs_cell_phone")
    _check_address(checker, you.get("address"), "applicant.address", home=True)
    if you.get("mailing_address") is not None:
        _check_address(checker, you.get("mailing_address"), "applicant.mailing_address", home=False)
    checker.flag(you, "works_in_city", "applicant.works_in_city", required=True)
    return born


def _check_alternate(checker: _Checker) -> None:
    contact = checker.section(checker.answers.get("alternate_contact"), "alternate_contact")
    kind = checker.choice(contact, "kind", "alternate_contact.kind", ALTERNATE_KINDS, required=True)
    if kind in (None, "none"):
        return
    checker.text(contact, "name", "alternate_contact.name", maximum=MAX_NAME)
    checker.text(contact, "relationship", "alternate_contact.relationship", required=False)
    if _blank(contact.get("email")) and _blank(contact.get("phone")):
        checker.add("alternate_contact.phone", "email_or_phone")
        return
    email = checker.text(contact, "email", "alternate_contact.email", required=False, maximum=254)
    phone = checker.text(contact, "phone", "alternate_contact.phone", required=False, maximum=40)
    _check_email(checker, email, "alternate_contact.email")
    _check_phone(checker, phone, "alternate_contact.phone")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _has_problem(checker: _Checker, prefix: str) -> bool:
    return any(problem.field.startswith(prefix) for problem in checker.problems)


def _members(checker: _Checker) -> list[Mapping[str, Any]]:
    members = checker.answers.get("household")
    if members is None:
        return []
    if not isinstance(members, list):
        checker.add("household", "invalid")
        return []
    if len(members) > MAX_HOUSEHOLD_MEMBERS:
        checker.add("household", "too_many", maximum=MAX_HOUSEHOLD_MEMBERS)
        return []
    return [member if isinstance(member, Mapping) else {} for member in members]


def _check_household(checker: _Checker, today: date) -> list[date | None]:
    births = []
    for index, member in enumerate(_members(checker)):
        path = f"household.{index}"
        checker.text(member, "first_name", f"{path}.first_name", maximum=MAX_NAME)
        checker.text(member, "last_name", f"{path}.last_name", maximum=MAX_NAME)
        births.append(checker.birth_date(member, "date_of_birth", f"{path}.date_of_birth", today))
        checker.choice(member, "relationship", f"{path}.relationship", RELATIONSHIPS, required=True)
    return births


def _check_accessibility(checker: _Checker) -> None:
    needs = checker.section(checker.answers.get("accessibility"), "accessibility")
    for need in ACCESSIBILITY_NEEDS:
        checker.flag(needs, need, f"accessibility.{need}", required=False)


def annual_income(income: Mapping[str, Any]) -> Decimal | None:
    """Yearly income from what the applicant typed, or None when it is not a valid amount."""
    raw = income.get("amount")
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    try:
        amount = Decimal(str(raw).replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_INCOME:
        return None
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        return None
    return amount * 12 if income.get("period") == "month" else amount


def _check_income(checker: _Checker) -> tuple[Decimal | None, bool | None]:
    income = checker.section(checker.answers.get("income"), "income")
    has_voucher = checker.flag(income, "has_voucher", "income.has_voucher", required=True)
    period = checker.choice(income, "period", "income.period", INCOME_PERIODS, required=True)
    raw = income.get("amount")
    if raw in (None, ""):
        checker.add("income.amount", "required")
        return None, has_voucher
    yearly = annual_income(income)
    if yearly is None:
        checker.add("income.amount", "invalid_amount")
        return None, has_voucher
    return (yearly if period is not None else None), has_voucher


def _check_preferences(checker: _Checker, rules: ListingRules, household_count: int) -> None:
    claims = checker.section(checker.answers.get("preferences"), "preferences")
    known = {preference.code for preference in rules.preferences}
    for code in claims:
        if code not in known:
            checker.add(f"preferences.{code}", "unknown_preference")
    for preference in rules.preferences:
        path = f"preferences.{preference.code}"
        claim = claims.get(preference.code)
        if not isinstance(claim, Mapping) or not isinstance(claim.get("claimed"), bool):
            checker.add(path, "claim_or_decline")
            continue
        if not claim["claimed"]:
            continue
        member = claim.get("member")
        if (
            isinstance(member, bool)
            or not isinstance(member, int)
            or not 0 <= member <= household_count
        ):
            checker.add(f"{path}.member", "required")
        checker.choice(
            claim, "proof_type", f"{path}.proof_type", preference.proof_types, required=True
        )
        checker.text(claim, "document", f"{path}.document", maximum=64)
        _check_veteran_claim(checker, claim, path, preference)


def _check_veteran_claim(
    checker: _Checker, claim: Mapping[str, Any], path: str, preference: PreferenceRule
) -> None:
    """A claim made as a veteran (a household member served) places the household on the
    preference's veteran list; it is asked only where the preference has one, and needs its
    own proof. Left unanswered, the claim is not made as a veteran."""
    as_veteran = checker.flag(claim, "veteran", f"{path}.veteran", required=False)
    if not as_veteran:
        return
    if not preference.veteran_list:
        checker.add(f"{path}.veteran", "no_veteran_list")
        return
    checker.choice(
        claim,
        "veteran_proof_type",
        f"{path}.veteran_proof_type",
        VETERAN_PROOF_TYPES,
        required=True,
    )
    checker.text(claim, "veteran_document", f"{path}.veteran_document", maximum=64)


def _check_demographics(checker: _Checker) -> None:
    answers = checker.section(checker.answers.get("demographics"), "demographics")
    for name, choices in DEMOGRAPHIC_CHOICES.items():
        checker.choice(answers, name, f"demographics.{name}", choices, required=False)


def household_of(answers: Mapping[str, Any], today: date) -> Household | None:
    """The household the eligibility rules see, or None while its answers are incomplete."""
    checker = _Checker(answers)
    applicant_born = _check_you(checker, today)
    births = _check_household(checker, today)
    yearly, has_voucher = _check_income(checker)
    if applicant_born is None or yearly is None or any(born is None for born in births):
        return None
    ages = [age_on(born, today) for born in [applicant_born, *births] if born is not None]
    return Household(
        size=len(ages),
        annual_income=yearly,
        children_under_six=sum(1 for age in ages if age < 6),
        has_voucher=bool(has_voucher),
        youngest_member_age=min(ages),
        oldest_member_age=max(ages),
    )


def _check_eligibility(checker: _Checker, rules: ListingRules, today: date) -> None:
    household = household_of(checker.answers, today)
    if household is None or not rules.units:
        return
    result = check_listing(household, rules.units, rules.senior)
    if result.is_eligible:
        return
    for reason in sorted(result.reasons):
        detail: dict[str, Any] = {"household_size": household.size}
        if reason is Reason.INCOME_TOO_LOW:
            minimums = [u.minimum_annual_income for u in rules.units if u.minimum_annual_income]
            detail["minimum"] = min(minimums) if minimums else Decimal(0)
        if reason is Reason.INCOME_TOO_HIGH:
            detail["maximum"] = max(unit.income_limit for unit in result.units)
        if reason is Reason.AGE and rules.senior is not None:
            detail["age"] = rules.senior.minimum_age
        checker.add("eligibility", reason.value, **detail)


def check_section(
    section: str, answers: Mapping[str, Any], rules: ListingRules, today: date
) -> list[Problem]:
    """The problems one step of the form shows (eligibility shows with income)."""
    return [
        problem
        for problem in check_application(answers, rules, today)
        if problem.section == section
    ]


def check_application(
    answers: Mapping[str, Any], rules: ListingRules, today: date
) -> list[Problem]:
    """Every reason these answers cannot be submitted; an empty list means they can be."""
    checker = _Checker(answers)
    _check_you(checker, today)
    _check_alternate(checker)
    _check_household(checker, today)
    _check_accessibility(checker)
    _check_income(checker)
    _check_preferences(checker, rules, len(_members(_Checker(answers))))
    _check_demographics(checker)
    if not any(
        _has_problem(checker, prefix)
        for prefix in ("household", "income", "applicant.date_of_birth")
    ):
        _check_eligibility(checker, rules, today)
    for root in checker.answers:
        if root not in ANSWER_ROOTS:
            checker.add(str(root)[:100] or "_", "unknown_field")
    language = checker.answers.get("language")
    if language is not None and not isinstance(language, str):
        checker.add("language", "invalid")
    if checker.answers.get("terms_accepted") is not True:
        checker.add("terms_accepted", "required")
    return checker.problems
