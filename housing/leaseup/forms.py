"""Lease-up forms: an agent's status change, invitation, comment and unit coming free; the
household's detailed application."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from housing.applications.forms import PlainDateField
from housing.i18n import lazy_gettext as _l
from housing.leaseup.statuses import LeaseStatus
from housing.leaseup.wording import STATUS_NAMES

REASON = _l("Reason (the household is told it; required to disqualify or remove)")
COMMENT = _l("Comment for the file (optional; not sent to the household)")


def status_choices(allowed: frozenset[LeaseStatus]) -> list[tuple[str, str]]:
    return [
        (status.value, str(STATUS_NAMES[status])) for status in LeaseStatus if status in allowed
    ]


def whole_number(text: str) -> int | None:
    """A whole number typed in ASCII digits, within reason; None for anything else."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _status(field: SelectField) -> LeaseStatus | None:
    try:
        return LeaseStatus(field.data or "")
    except ValueError:
        return None


def _version(field: HiddenField) -> int:
    """The household's version on the page the form came from; -1 (never current) when it
    cannot be read."""
    found = whole_number(field.data or "")
    return -1 if found is None else found


def chosen_versions(values: Iterable[str]) -> dict[int, int]:
    """The households ticked on the work list, each sent as ``application id:version``;
    anything else is left out."""
    versions: dict[int, int] = {}
    for value in values:
        application_id, _sep, version = value.partition(":")
        found_id, found_version = whole_number(application_id), whole_number(version)
        if found_id is not None and found_version is not None:
            versions[found_id] = found_version
    return versions


def end_of_day(text: str, timezone: str) -> datetime | None:
    """The last second of a day typed as YYYY-MM-DD, in the listing's time zone."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    last = datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(timezone))
    try:
        return last.astimezone(UTC)
    except OverflowError:  # the last day of year 9999, west of Greenwich
        return None


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), validate_choice=False)
    unit = SelectField(_l("Unit"), validate_choice=False)
    reason = TextAreaField(REASON, validators=[Length(max=2000)])
    comment = TextAreaField(COMMENT, validators=[Length(max=4000)])
    version = HiddenField()

    def target(self) -> LeaseStatus | None:
        return _status(self.status)

    def expected_version(self) -> int:
        return _version(self.version)

    def unit_id(self) -> int | None:
        """The unit chosen; None to keep the one the work list matched."""
        return whole_number(self.unit.data or "")


class BulkForm(FlaskForm):
    status = SelectField(_l("New status for the chosen households"), validate_choice=False)
    reason = TextAreaField(REASON, validators=[Length(max=2000)])
    comment = TextAreaField(COMMENT, validators=[Length(max=4000)])

    def target(self) -> LeaseStatus | None:
        return _status(self.status)


class InviteForm(FlaskForm):
    due_on = PlainDateField(
        _l("Documents due by (the end of this day, listing time)"),
        render_kw={"type": "date"},
    )
    message = TextAreaField(
        _l("Note to the household (optional; sent with the invitation)"),
        validators=[Length(max=4000)],
    )
    version = HiddenField()

    def due_at(self, timezone: str) -> datetime | None:
        return end_of_day(self.due_on.data or "", timezone)

    def expected_version(self) -> int:
        return _version(self.version)


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=4000)])


class ReopenForm(FlaskForm):
    unit = SelectField(_l("Unit that is free again"), validate_choice=False)
    reopen_reason = TextAreaField(_l("Why it is free (kept in the audit log)"))

    def unit_id(self) -> int:
        """The unit chosen; -1 (no unit of the listing) when it cannot be read."""
        return whole_number(self.unit.data or "") or -1


MONEY = {"places": 2, "render_kw": {"inputmode": "decimal"}}


def _finite(form: FlaskForm, field: DecimalField) -> None:
    """ "NaN" and "Infinity" parse as decimals; they are not amounts."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(str(_l("Enter an amount between 0 and 10,000,000.")))


def _money_checks() -> list[object]:
    return [
        InputRequired(message=_l("Enter an amount; write 0 if none.")),
        _finite,
        NumberRange(min=0, max=10_000_000, message=_l("Enter an amount between 0 and 10,000,000.")),
    ]


class DetailedApplicationForm(FlaskForm):
    employer = StringField(
        _l("Employer (leave empty if no one in the household works)"),
        validators=[Optional(), Length(max=200)],
    )
    monthly_wages = DecimalField(
        _l("Wages of the whole household per month, before tax"),
        validators=_money_checks(),
        **MONEY,
    )
    other_income = DecimalField(
        _l("Other income per month: benefits, pensions, child support"),
        validators=_money_checks(),
        **MONEY,
    )
    other_income_sources = StringField(
        _l("Where the other income comes from (optional)"), validators=[Optional(), Length(max=300)]
    )
    assets = DecimalField(
        _l("Savings and other assets of the household"), validators=_money_checks(), **MONEY
    )
    household_members_working = IntegerField(
        _l("How many people in the household earn an income"),
        validators=[
            InputRequired(message=_l("Enter a number; write 0 if none.")),
            NumberRange(min=0, max=20, message=_l("Enter a number between 0 and 20.")),
        ],
    )
    changes = TextAreaField(
        _l("Has anything changed in your household since you applied? (optional)"),
        validators=[Length(max=2000)],
    )
    documents = MultipleFileField(
        _l("Proof of income and identity: pay stubs, tax return, benefit letters (PDF or photos)")
    )
    certify = BooleanField(
        _l("I declare that what I have written is true and complete."),
        validators=[DataRequired(message=_l("Confirm that what you have written is true."))],
    )

    def answers(self) -> dict[str, Any]:
        """The answers as kept with the request, amounts written out as decimals."""
        return {
            "employer": self.employer.data or "",
            "monthly_wages": str(self.monthly_wages.data),
            "other_income": str(self.other_income.data),
            "other_income_sources": self.other_income_sources.data or "",
            "assets": str(self.assets.data),
            "household_members_working": self.household_members_working.data,
            "changes": self.changes.data or "",
        }

    def uploads(self) -> list[tuple[str, IO[bytes]]]:
        """The files sent, each with its name (a browser sends an empty part for none)."""
        return [
            (file.filename, file.stream)
            for file in self.documents.data or []
            if getattr(file, "filename", "")
        ]


class DeclineForm(FlaskForm):
    confirm = BooleanField(
        _l("I no longer want a unit at this listing."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )
