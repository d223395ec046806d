"""What a complete, eligible application is: the one check every path runs.

Pure domain rules (DESIGN.md section 2): no Flask, no database. ``answers`` is the application
as JSON-like data, exactly as the API receives it and as the web form's steps store it; every
value may be missing or of the wrong type, and each problem is reported with the path of the
field and a code, never an exception.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
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
    unit_fits,
)
from housing.phones import normalized_phone

ADULT_AGE = 18
MAX_NAME = 100
MAX_TEXT = 200
MAX_HOUSEHOLD_MEMBERS = 14  # besides the applicant
# A draft's answers as compact JSON (UTF-8), and how deeply they may nest: a complete
# application is a few kilobytes and four levels deep.
MAX_ANSWERS_BYTES = 64 * 1024
MAX_ANSWERS_DEPTH = 8
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
# "PO Box 12", "P.O. Box", "Post Office Box", "POB 7", "Box 12" at the start of the street.
_PO_BOX = re.compile(
    r"(\bp\.?\s*o\.?\s*b(ox)?\b|\bpost\s*office\s*box\b|\bpostal\s*box\b|^\s*box\s*\d)",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Besides letters and combining marks: spaces, hyphens, apostrophes (' and U+2019), periods and the
# zero-width (non-)joiners that Persian and Indic names are written with.
NAME_PUNCTUATION = frozenset(" -'\u2019.\u200c\u200d")
# A period with two letters before it and a letter after it ("evil.example"), as in a web
# address; initials ("J.R.R.") and "St. John" have no such period.
_ADDRESS_LIKE = re.compile(r"[^\W\d_]{2}\.[^\W\d_]")
# What a draft may not hold even unfinished: answers past a limit or of the wrong shape.
# Missing and not-yet-valid answers are kept until the submission checks them.
DRAFT_LIMIT_CODES = frozenset(
    {"invalid", "invalid_name", "too_long", "too_many", "too_large", "too_deep"}
)


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

    def name(
        self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True
    ) -> str | None:
        """A person's name: what ``is_name`` accepts, at most MAX_NAME characters."""
        value = data.get(key)
        if (
            isinstance(value, str)
            and 0 < len(value.strip()) <= MAX_NAME
            and not is_name(value.strip())
        ):
            self.add(path, "invalid_name")
            return None
        return self.text(data, key, path, required=required, maximum=MAX_NAME)

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


def is_name(text: str) -> bool:
    """Letters and combining marks of any script (in either Unicode normal form), with the
    spaces, hyphens, apostrophes and periods names are written with, and at least one letter.

    A name is what a message repeats of what someone typed, so what a link, an address or a
    sentence needs besides letters (digits, "@", "/", ":", line breaks) is refused."""
    categories = [unicodedata.category(char) for char in text]
    if not any(category.startswith("L") for category in categories):
        return False
    if any(
        category[0] not in "LM" and char not in NAME_PUNCTUATION
        for char, category in zip(text, categories, strict=True)
    ):
        return False
    return not _ADDRESS_LIKE.search(unicodedata.normalize("NFC", text))


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
    checker.name(you, "first_name", "applicant.first_name")
    checker.name(you, "middle_name", "applicant.middle_name", required=False)
    checker.name(you, "last_name", "applicant.last_name")
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
    checker.name(contact, "name", "alternate_contact.name")
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
        checker.name(member, "first_name", f"{path}.first_name")
        checker.name(member, "last_name", f"{path}.last_name")
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
    return _household(applicant_born, births, _check_income(checker), today)


def _household(
    applicant_born: date | None,
    births: list[date | None],
    income: tuple[Decimal | None, bool | None],
    today: date,
) -> Household | None:
    yearly, has_voucher = income
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


def _check_eligibility(checker: _Checker, rules: ListingRules, household: Household | None) -> None:
    if household is None or not rules.units:
        return
    result = check_listing(household, rules.units, rules.senior)
    if result.is_eligible:
        return
    # What is true of every unit first, with its own code; when the units refuse for different
    # reasons, "no_unit_fits". Then each unit, so the applicant sees what fits and what does not.
    fits = unit_fits(result)
    shared = result.headline_reasons
    # A voucher would have waived a rent's minimum that refused this household.
    voucher_note = any(
        Reason.INCOME_TOO_LOW in fit.reasons and fit.voucher_waives_floor for fit in fits
    )
    for reason in shared:
        detail: dict[str, Any] = {"household_size": household.size}
        if reason is Reason.AGE and rules.senior is not None:
            detail["age"] = rules.senior.minimum_age
        if reason is Reason.INCOME_TOO_LOW:
            detail["voucher_note"] = voucher_note
        checker.add("eligibility", reason.value, **detail)
    if not shared:
        seen = sorted({reason.value for fit in fits for reason in fit.reasons})
        checker.add(
            "eligibility",
            "no_unit_fits",
            household_size=household.size,
            reasons=seen,
            voucher_note=voucher_note,
        )
    for fit in fits:
        checker.add("eligibility", "unit_does_not_fit", **fit.as_detail())


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
    applicant_born = _check_you(checker, today)
    _check_alternate(checker)
    births = _check_household(checker, today)
    _check_accessibility(checker)
    income = _check_income(checker)
    _check_preferences(checker, rules, len(_members(_Checker(answers))))
    _check_demographics(checker)
    if not any(
        _has_problem(checker, prefix)
        for prefix in ("household", "income", "applicant.date_of_birth")
    ):
        # The household as ``household_of`` sees it, from the answers just checked.
        _check_eligibility(checker, rules, _household(applicant_born, births, income, today))
    for root in checker.answers:
        if root not in ANSWER_ROOTS:
            checker.add(str(root)[:100] or "_", "unknown_field")
    language = checker.answers.get("language")
    if language is not None and not isinstance(language, str):
        checker.add("language", "invalid")
    if checker.answers.get("terms_accepted") is not True:
        checker.add("terms_accepted", "required")
    return checker.problems


def _depth(answers: Any) -> int:
    """How deeply the answers nest (a plain value is 0), counted without recursion so that
    no nesting can exhaust the stack."""
    deepest = 0
    waiting: list[tuple[Any, int]] = [(answers, 0)]
    while waiting:
        value, depth = waiting.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_ANSWERS_DEPTH:
            break
        if isinstance(value, Mapping):
            waiting.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            waiting.extend((child, depth + 1) for child in value)
    return deepest


def check_draft(
    answers: Mapping[str, Any],
    rules: ListingRules,
    today: date,
    parts: Collection[str] | None = None,
) -> list[Problem]:
    """Why these answers cannot be kept even as a draft: a value past its limit (the same
    limits as a submission's) or of the wrong shape, or answers too large or too deeply nested
    as a whole. Incomplete answers are kept; the submission asks for the rest.

    ``parts`` names the top-level parts being saved: only their values are judged, so that a
    part saved earlier never stops another from being saved."""
    saved = answers if parts is None else {part: answers.get(part) for part in parts}
    if _depth(saved) > MAX_ANSWERS_DEPTH:
        return [Problem("answers", "too_deep", {"maximum": MAX_ANSWERS_DEPTH})]
    problems = [
        problem
        for problem in check_application(answers, rules, today)
        if problem.code in DRAFT_LIMIT_CODES
        and (parts is None or problem.field.split(".", 1)[0] in parts)
    ]
    if problems:
        return problems
    encoded = json.dumps(answers, ensure_ascii=False, separators=(",", ":"), default=str)
    if len(encoded.encode()) > MAX_ANSWERS_BYTES:
        return [Problem("answers", "too_large", {"maximum": MAX_ANSWERS_BYTES})]
    return []
