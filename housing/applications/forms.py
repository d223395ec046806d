"""The application's steps as forms.

The forms only carry answers between the page and the stored application: every rule lives in
``rules.check_application``, which the API runs too. Each form maps its fields to paths in the
answers ("street" -> "applicant.address.street") and back, so a problem found by the rules
shows at the field that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import pairwise
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, Form, FormField, StringField, TextAreaField
from wtforms.fields.core import Field
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, ValidationError

from housing.applications import rules
from housing.applications.wording import CHOICES, LABELS, proof_type_name
from housing.forms import (
    ChoiceField,
    DateInputField,
    RadioChoiceField,
    amount_input_text,
    amount_read_back,
    options,
    read_money,
    reader_locale,
)
from housing.i18n import LOCALES
from housing.i18n import gettext as _
from housing.i18n import lazy_gettext as _l
from housing.typed_numbers import date_part_order, typed_digits

# Longer text than this is cut as it is read; the rules refuse far shorter answers anyway.
STORED_TEXT_LIMIT = 2000
YES_NO = (("yes", _l("Yes")), ("no", _l("No")))


def _choices(field: str, values: Sequence[str]) -> list[Any]:
    return options([(value, CHOICES[field][value]) for value in values])


def _dig(answers: Mapping[str, Any], path: str) -> Any:
    value: Any = answers
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _place(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


# Lengths do not depend on the day.
_ANY_DAY = date(2000, 1, 1)
# Answers that open a section to the rules' checks ("no alternate contact" checks nothing more).
_OPENING_ANSWERS = {"alternate_contact": {"kind": "other"}}


@cache
def text_limit(path: str) -> int | None:
    """The longest text the rules keep at ``path`` ("applicant.email", "household.0.first_name"),
    read from the rules themselves, so that the page states the limit the API document states."""
    parts = path.split(".")
    answers: dict[str, Any] = {root: dict(opening) for root, opening in _OPENING_ANSWERS.items()}
    place: Any = answers
    for part, following in pairwise(parts):
        if isinstance(place, list):
            place.append({})
            place = place[-1]
        else:
            place = place.setdefault(part, [] if following.isdigit() else {})
    if isinstance(place, list):
        return None
    place[parts[-1]] = "a" * (rules.MAX_ANSWERS_BYTES // 2)
    problems = rules.check_draft(answers, rules.ListingRules(units=()), _ANY_DAY)
    return next(
        (
            int(problem.detail["maximum"])
            for problem in problems
            if problem.field == path and problem.code == "too_long"
        ),
        None,
    )


def state_limit(field: Field, path: str) -> None:
    """Give a text field the ``maxlength`` of its answer (a copy of ``render_kw``: the declared
    one is shared by every form of the class)."""
    limit = text_limit(path)
    if limit is not None:
        field.render_kw = {**(field.render_kw or {}), "maxlength": limit}


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:STORED_TEXT_LIMIT] or None


def _yes_no(value: Any) -> bool | None:
    return {"yes": True, "no": False}.get(value) if isinstance(value, str) else None


class PlainDateField(StringField):
    """A date typed as YYYY-MM-DD (what a date input sends, for staff); the rules, not the
    field, say whether it is valid."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(label, **kwargs)


DATE_PARTS = ("day", "month", "year")
_PART_LENGTHS = {"day": 2, "month": 2, "year": 4}
# The example under a date, part by part (shown in the order of the boxes).
_EXAMPLE_DATE = {"day": "23", "month": "4", "year": "1985"}
_PART_LABELS = {"day": _l("Day"), "month": _l("Month"), "year": _l("Year")}


def _date_parts(text: Any) -> dict[str, str]:
    """The day, month and year boxes of a date kept as YYYY-MM-DD (or as the resident left
    it: a text that is no such date goes back in the year box, to be corrected)."""
    if not isinstance(text, str) or not text:
        return dict.fromkeys(DATE_PARTS, "")
    pieces = text.split("-")
    if len(pieces) != 3:
        return {"day": "", "month": "", "year": text}
    year, month, day = pieces
    return {
        "day": str(int(day)) if day.isdigit() else day,
        "month": str(int(month)) if month.isdigit() else month,
        "year": year,
    }


def _date_text(parts: Mapping[str, str]) -> str:
    """YYYY-MM-DD from the boxes; boxes left empty or not numbers stay as typed, for the
    rules to point at."""
    if not any(parts.values()):
        return ""
    day, month, year = (parts[part] for part in DATE_PARTS)
    if all(value.isdigit() for value in (day, month, year)):
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return f"{year}-{month}-{day}"


class DatePartsField(StringField):
    """A date asked as its day, month and year, one labelled box each, in the order the
    reader's locale writes dates, with digits of any script. The answer is kept as
    YYYY-MM-DD text; the rules, not the field, say whether it is a valid date. A single
    value under the field's own name (YYYY-MM-DD) is taken as it is."""

    def __init__(self, label: Any = None, *, birthday: bool = False, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.birthday = birthday
        self.typed_parts: dict[str, str] | None = None

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        self.typed_parts = None
        if formdata is None:
            return
        names = {part: f"{self.name}-{part}" for part in DATE_PARTS}
        if not any(name in formdata for name in names.values()):
            return
        self.typed_parts = {
            part: typed_digits(formdata.get(name) or "").strip() for part, name in names.items()
        }
        self.data = _date_text(self.typed_parts)

    @property
    def parts(self) -> dict[str, str]:
        return self.typed_parts if self.typed_parts is not None else _date_parts(self.data)

    @property
    def part_order(self) -> tuple[str, ...]:
        return date_part_order(reader_locale())

    @staticmethod
    def part_label(part: str) -> str:
        return str(_PART_LABELS[part])

    @staticmethod
    def example(part: str) -> str:
        return _EXAMPLE_DATE[part]

    def pre_validate(self, form: Any) -> None:
        if self.typed_parts is None:
            return
        for part, value in self.typed_parts.items():
            if value and (not value.isdigit() or len(value) > _PART_LENGTHS[part]):
                raise ValidationError(
                    _l(
                        "Use numbers only: up to 2 digits for the day and the month, and 4 "
                        "for the year."
                    )
                )


class DigitsField(StringField):
    """Text whose digits may be typed in any script (a phone number, a ZIP code): they are
    kept as 0-9."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = typed_digits(self.data)


class AmountField(StringField):
    """An amount of money typed the reader's way ("20.000" in Spanish). It is kept as a
    machine number ("20000"); one that cannot be read, or reads two ways, is refused with
    the reason and nothing is saved."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.read_amount: Decimal | None = None
        typed = (self.data or "").strip() if isinstance(self.data, str) else ""
        if typed:
            self.read_amount = read_money(typed)

    def machine_text(self) -> str | None:
        """The amount as the rules and the API read it; None when nothing was typed."""
        amount = getattr(self, "read_amount", None)
        if amount is None:
            return _text(self.data)
        return format(amount.normalize() if amount == amount.to_integral() else amount, "f")


class StepForm(FlaskForm):
    """A step: fields named in ``paths`` (text), ``flags`` (checkboxes), ``yes_no`` (radios)."""

    paths: ClassVar[dict[str, str]] = {}
    flags: ClassVar[frozenset[str]] = frozenset()
    yes_no: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, path in self.paths.items():
            if type(self[name]) in (StringField, DatePartsField, DigitsField):
                state_limit(self[name], path)

    def load(self, answers: Mapping[str, Any]) -> None:
        for name, path in self.paths.items():
            value = _dig(answers, path)
            if name in self.yes_no:
                self[name].data = {True: "yes", False: "no"}.get(value)
            elif name in self.flags:
                self[name].data = bool(value)
            else:
                self[name].data = value if isinstance(value, str) else None

    def dump(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, path in self.paths.items():
            field = self[name]
            if name in self.yes_no:
                value: Any = _yes_no(field.data)
            elif name in self.flags:
                value = bool(field.data)
            else:
                value = _text(field.data)
            _place(values, path, value)
        return values

    def field_for(self, path: str) -> Field | None:
        for name, field_path in self.paths.items():
            if field_path == path:
                return self[name]
        return None


def _address_paths(prefix: str, root: str) -> dict[str, str]:
    return {
        f"{prefix}street": f"{root}.street",
        f"{prefix}unit": f"{root}.unit",
        f"{prefix}city": f"{root}.city",
        f"{prefix}state": f"{root}.state",
        f"{prefix}postal_code": f"{root}.postal_code",
    }


class YouForm(StepForm):
    first_name = StringField(LABELS["first_name"], render_kw={"autocomplete": "given-name"})
    middle_name = StringField(LABELS["middle_name"], render_kw={"autocomplete": "additional-name"})
    last_name = StringField(LABELS["last_name"], render_kw={"autocomplete": "family-name"})
    date_of_birth = DatePartsField(LABELS["date_of_birth"], birthday=True)
    email = StringField(LABELS["email"], render_kw={"autocomplete": "email", "type": "email"})
    no_email = BooleanField(LABELS["no_email"])
    phone = DigitsField(
        LABELS["phone"], render_kw={"autocomplete": "tel", "type": "tel", "dir": "ltr"}
    )
    no_phone = BooleanField(LABELS["no_phone"])
    phone_type = RadioChoiceField(LABELS["phone_type"], validate_choice=False)
    updates_by = RadioChoiceField(LABELS["updates_by"], validate_choice=False)
    street = StringField(LABELS["street"], render_kw={"autocomplete": "address-line1"})
    unit = StringField(LABELS["unit"], render_kw={"autocomplete": "address-line2"})
    city = StringField(LABELS["city"], render_kw={"autocomplete": "address-level2"})
    state = StringField(LABELS["state"], render_kw={"autocomplete": "address-level1"})
    postal_code = DigitsField(
        LABELS["postal_code"], render_kw={"autocomplete": "postal-code", "inputmode": "numeric"}
    )
    has_mailing_address = BooleanField(_l("My mailing address is different"))
    mailing_street = StringField(LABELS["street"])
    mailing_unit = StringField(LABELS["unit"])
    mailing_city = StringField(LABELS["city"])
    mailing_state = StringField(LABELS["state"])
    mailing_postal_code = DigitsField(LABELS["postal_code"])
    works_in_city = RadioChoiceField(
        LABELS["works_in_city"], choices=options(list(YES_NO)), validate_choice=False
    )
    language = ChoiceField(LABELS["language"], validate_choice=False)

    paths: ClassVar[dict[str, str]] = {
        "first_name": "applicant.first_name",
        "middle_name": "applicant.middle_name",
        "last_name": "applicant.last_name",
        "date_of_birth": "applicant.date_of_birth",
        "email": "applicant.email",
        "no_email": "applicant.no_email",
        "phone": "applicant.phone",
        "no_phone": "applicant.no_phone",
        "phone_type": "applicant.phone_type",
        "updates_by": "applicant.updates_by",
        **_address_paths("", "applicant.address"),
        **_address_paths("mailing_", "applicant.mailing_address"),
        "works_in_city": "applicant.works_in_city",
        "language": "language",
    }
    flags = frozenset({"no_email", "no_phone"})
    yes_no = frozenset({"works_in_city"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phone_type.choices = _choices("phone_type", rules.PHONE_TYPES)
        self.updates_by.choices = _choices("updates_by", rules.UPDATE_CHANNELS)
        self.language.choices = options([(loc.code, loc.native_name) for loc in LOCALES])

    def load(self, answers: Mapping[str, Any]) -> None:
        super().load(answers)
        self.has_mailing_address.data = bool(_dig(answers, "applicant.mailing_address"))

    def dump(self) -> dict[str, Any]:
        values = super().dump()
        applicant = values["applicant"]
        if not self.has_mailing_address.data:
            applicant["mailing_address"] = None
        if isinstance(applicant["address"].get("state"), str):
            applicant["address"]["state"] = applicant["address"]["state"].upper()
        return values


class AlternateForm(StepForm):
    kind = RadioChoiceField(LABELS["kind"], validate_choice=False)
    name = StringField(LABELS["name"])
    relationship = StringField(_l("Relationship or agency (optional)"))
    email = StringField(LABELS["email"], render_kw={"type": "email"})
    phone = DigitsField(LABELS["phone"], render_kw={"type": "tel", "dir": "ltr"})

    paths: ClassVar[dict[str, str]] = {
        "kind": "alternate_contact.kind",
        "name": "alternate_contact.name",
        "relationship": "alternate_contact.relationship",
        "email": "alternate_contact.email",
        "phone": "alternate_contact.phone",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices("kind", rules.ALTERNATE_KINDS)


class MemberForm(Form):
    first_name = StringField(LABELS["first_name"])
    last_name = StringField(LABELS["last_name"])
    date_of_birth = DatePartsField(LABELS["date_of_birth"])
    relationship = ChoiceField(LABELS["relationship"], validate_choice=False)
    remove = BooleanField(_l("Remove this person"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            state_limit(self[name], f"household.0.{name}")
        self.relationship.choices = [
            ("", _l("Choose…")),
            *_choices("relationship", rules.RELATIONSHIPS),
        ]

    @property
    def is_blank(self) -> bool:
        return not any(
            (field.data or "").strip()
            for field in (self.first_name, self.last_name, self.date_of_birth, self.relationship)
        )


class HouseholdForm(StepForm):
    members = FieldList(FormField(MemberForm), max_entries=rules.MAX_HOUSEHOLD_MEMBERS + 1)

    def load(self, answers: Mapping[str, Any]) -> None:
        while self.members.entries:
            self.members.pop_entry()
        members = answers.get("household")
        for member in members if isinstance(members, list) else []:
            if isinstance(member, Mapping):
                self.members.append_entry(
                    {
                        key: member.get(key)
                        for key in ("first_name", "last_name", "date_of_birth", "relationship")
                    }
                )

    def dump(self) -> dict[str, Any]:
        members = []
        for entry in self.members.entries:
            member = entry.form
            if member.remove.data or member.is_blank:
                continue
            members.append(
                {
                    "first_name": _text(member.first_name.data),
                    "last_name": _text(member.last_name.data),
                    "date_of_birth": _text(member.date_of_birth.data),
                    "relationship": _text(member.relationship.data),
                }
            )
        return {"household": members[: rules.MAX_HOUSEHOLD_MEMBERS + 1]}

    def field_for(self, path: str) -> Field | None:
        parts = path.split(".")
        if parts[0] != "household" or len(parts) != 3 or not parts[1].isdigit():
            return None
        index = int(parts[1])
        if index >= len(self.members.entries):
            return None
        return self.members.entries[index].form[parts[2]]


class AccessibilityForm(StepForm):
    mobility = BooleanField(LABELS["mobility"])
    vision = BooleanField(LABELS["vision"])
    hearing = BooleanField(LABELS["hearing"])

    paths: ClassVar[dict[str, str]] = {
        need: f"accessibility.{need}" for need in rules.ACCESSIBILITY_NEEDS
    }
    flags = frozenset(rules.ACCESSIBILITY_NEEDS)


class IncomeForm(StepForm):
    has_voucher = RadioChoiceField(
        LABELS["has_voucher"], choices=options(list(YES_NO)), validate_choice=False
    )
    amount = AmountField(LABELS["amount"], render_kw={"inputmode": "decimal"})
    period = RadioChoiceField(LABELS["period"], validate_choice=False)

    paths: ClassVar[dict[str, str]] = {
        "has_voucher": "income.has_voucher",
        "amount": "income.amount",
        "period": "income.period",
    }
    yes_no = frozenset({"has_voucher"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.period.choices = _choices("period", rules.INCOME_PERIODS)
        self.read_back: str | None = None

    def load(self, answers: Mapping[str, Any]) -> None:
        """Show a kept amount the reader's way ("20.000" in Spanish), and say what it was
        read as."""
        super().load(answers)
        income = _dig(answers, "income")
        stored = income.get("amount") if isinstance(income, Mapping) else None
        if isinstance(stored, bool) or not isinstance(stored, str | int | float):
            return
        amount = rules.annual_income({"amount": stored, "period": "year"})
        if amount is not None:
            self.amount.data = amount_input_text(amount)
            self.read_back = amount_read_back(amount, _dig(answers, "income.period"))

    def dump(self) -> dict[str, Any]:
        values = super().dump()
        values["income"]["amount"] = self.amount.machine_text()
        return values


class DemographicsForm(StepForm):
    ethnicity = ChoiceField(LABELS["ethnicity"], validate_choice=False)
    race = ChoiceField(LABELS["race"], validate_choice=False)
    gender = ChoiceField(LABELS["gender"], validate_choice=False)
    heard_from = ChoiceField(LABELS["heard_from"], validate_choice=False)

    paths: ClassVar[dict[str, str]] = {
        name: f"demographics.{name}" for name in rules.DEMOGRAPHIC_CHOICES
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, values in rules.DEMOGRAPHIC_CHOICES.items():
            self[name].choices = [("", _l("Choose…")), *_choices(name, values)]


class TermsForm(StepForm):
    terms_accepted = BooleanField(LABELS["terms_accepted"])

    paths: ClassVar[dict[str, str]] = {"terms_accepted": "terms_accepted"}
    flags = frozenset({"terms_accepted"})


class PreferenceClaimForm(Form):
    claimed = RadioChoiceField(LABELS["claimed"], validate_choice=False)
    member = ChoiceField(LABELS["member"], validate_choice=False)
    proof_type = ChoiceField(LABELS["proof_type"], validate_choice=False)
    document = FileField(LABELS["document"])
    # Asked only where the preference has a veteran list.
    veteran = RadioChoiceField(LABELS["veteran"], validate_choice=False)
    veteran_proof_type = ChoiceField(LABELS["veteran_proof_type"], validate_choice=False)
    veteran_document = FileField(LABELS["veteran_document"])
    # Offered only to a signed-in resident who sent a proof for the same preference before.
    earlier_document = RadioChoiceField(_l("A document you sent before"), validate_choice=False)


def earlier_proof_label(proof_type: str | None, sent_on: str) -> str:
    return _(
        "Use a document you sent before: %(proof_type)s, sent %(date)s",
        proof_type=proof_type_name(proof_type) or str(LABELS["document"]),
        date=sent_on,
    )


class PreferencesForm(StepForm):
    """One group of fields per preference of the listing, in the listing's order."""

    claims = FieldList(FormField(PreferenceClaimForm))
    # What the view offers as documents sent before, by code (``reuse.EarlierProof``).
    earlier_proofs: Mapping[str, Sequence[Any]]

    def setup(
        self,
        preferences: Sequence[tuple[str, Sequence[str], bool]],
        members: Sequence[tuple[int, str]],
        earlier: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    ) -> None:
        """Give each group its choices: who in the household, which proofs count, where the
        preference has a veteran list, whether the claim is made as a veteran, and the
        documents sent before for it that may be used again (``earlier``: by code, (document
        id, label) pairs)."""
        self.codes = [code for code, _proofs, _veteran_list in preferences]
        self.veteran_lists = {code for code, _proofs, veteran_list in preferences if veteran_list}
        while len(self.claims.entries) < len(preferences):
            self.claims.append_entry()
        for entry, (_code, proofs, _veteran_list) in zip(
            self.claims.entries, preferences, strict=False
        ):
            claim = entry.form
            claim.claimed.choices = options(
                [("yes", _l("Yes, I claim it")), ("no", _l("No, I do not claim it"))]
            )
            claim.member.choices = [("", _l("Choose…")), *[(str(i), n) for i, n in members]]
            claim.proof_type.choices = [
                ("", _l("Choose…")),
                *[(p, proof_type_name(p)) for p in proofs],
            ]
            claim.veteran.choices = options(list(YES_NO))
            claim.veteran_proof_type.choices = [
                ("", _l("Choose…")),
                *_choices("veteran_proof_type", rules.VETERAN_PROOF_TYPES),
            ]
            claim.earlier_document.choices = [
                ("", _l("Do not use one")),
                *(earlier or {}).get(_code, []),
            ]

    def validate(self, extra_validators: Any = None) -> bool:
        """A document sent before may be used only if it was offered for this preference,
        and not together with a new file."""
        valid = super().validate(extra_validators)
        for entry in self.claims.entries:
            claim = entry.form
            picked = claim.earlier_document.data
            if not picked or _yes_no(claim.claimed.data) is not True:
                continue
            offered = {value for value, _label in claim.earlier_document.choices if value}
            if picked not in offered:
                # Shown at the upload when no document is offered here.
                field = claim.earlier_document if offered else claim.document
                field.errors = [
                    *field.errors,
                    _l(
                        "This document cannot be used here. Choose one of the documents "
                        "shown, or upload a file."
                    ),
                ]
                valid = False
            elif getattr(claim.document.data, "filename", ""):
                claim.earlier_document.errors = [
                    *claim.earlier_document.errors,
                    _l("Upload a file or choose a document you sent before, not both."),
                ]
                valid = False
        return valid

    def picked_documents(self) -> dict[str, str]:
        """The document sent before that each claimed preference uses, by code."""
        return {
            code: entry.form.earlier_document.data
            for entry, code in zip(self.claims.entries, self.codes, strict=False)
            if entry.form.earlier_document.data and _yes_no(entry.form.claimed.data) is True
        }

    def load(self, answers: Mapping[str, Any]) -> None:
        claims = answers.get("preferences")
        claims = claims if isinstance(claims, Mapping) else {}
        for entry, code in zip(self.claims.entries, self.codes, strict=False):
            claim = claims.get(code)
            claim = claim if isinstance(claim, Mapping) else {}
            claimed = claim.get("claimed")
            entry.form.claimed.data = (
                ("yes" if claimed else "no") if isinstance(claimed, bool) else None
            )
            member = claim.get("member")
            entry.form.member.data = str(member) if isinstance(member, int) else None
            entry.form.proof_type.data = claim.get("proof_type")
            veteran = claim.get("veteran")
            entry.form.veteran.data = (
                ("yes" if veteran else "no") if isinstance(veteran, bool) else None
            )
            entry.form.veteran_proof_type.data = claim.get("veteran_proof_type")
            entry.form.earlier_document.data = ""

    def dump_claims(
        self, previous: Mapping[str, Any], uploaded: Mapping[str, str]
    ) -> dict[str, Any]:
        """The claims as answers; a new upload replaces the document, otherwise it is kept.
        ``uploaded`` is keyed by the code, or by ``veteran:`` and the code for the proof of
        military service."""
        previous = previous if isinstance(previous, Mapping) else {}
        claims: dict[str, Any] = {}
        for entry, code in zip(self.claims.entries, self.codes, strict=False):
            form = entry.form
            claimed = _yes_no(form.claimed.data)
            if claimed is None:
                continue
            if not claimed:
                claims[code] = {"claimed": False}
                continue
            earlier = previous.get(code) if isinstance(previous.get(code), Mapping) else {}
            member = form.member.data
            claims[code] = {
                "claimed": True,
                "member": int(member) if isinstance(member, str) and member.isdigit() else None,
                "proof_type": _text(form.proof_type.data),
                "document": uploaded.get(code) or (earlier or {}).get("document"),
            }
            if code in self.veteran_lists:
                veteran = _yes_no(form.veteran.data)
                claims[code]["veteran"] = veteran
                if veteran:
                    claims[code]["veteran_proof_type"] = _text(form.veteran_proof_type.data)
                    claims[code]["veteran_document"] = uploaded.get(f"veteran:{code}") or (
                        earlier or {}
                    ).get("veteran_document")
        return {"preferences": claims}

    def field_for(self, path: str) -> Field | None:
        parts = path.split(".")
        if parts[0] != "preferences" or len(parts) < 2 or parts[1] not in self.codes:
            return None
        form = self.claims.entries[self.codes.index(parts[1])].form
        name = parts[2] if len(parts) > 2 else "claimed"
        return form._fields.get(name)


STEP_FORMS: dict[str, type[StepForm]] = {
    "you": YouForm,
    "alternate": AlternateForm,
    "household": HouseholdForm,
    "accessibility": AccessibilityForm,
    "income": IncomeForm,
    "preferences": PreferencesForm,
    "demographics": DemographicsForm,
    "terms": TermsForm,
}


class StartPaperForm(FlaskForm):
    received_on = DateInputField(_l("Date the paper application was received"))


class DiscardDraftForm(FlaskForm):
    """Set a paper draft aside; the reason is kept with it."""

    reason = TextAreaField(
        _l("Why is this draft set aside?"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(_l("Say why the draft is set aside.")),
            Length(max=2000, message=_l("Keep the reason under 2,000 characters.")),
        ],
    )


class EmailLinkForm(FlaskForm):
    email = StringField(LABELS["email"], render_kw={"type": "email", "autocomplete": "email"})


class WithdrawForm(FlaskForm):
    # Asked only when the application has changes not submitted, which withdrawing discards.
    discard_changes = BooleanField(_l("Discard the changes I have not submitted, and withdraw"))
