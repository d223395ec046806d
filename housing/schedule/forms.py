"""Forms for changing a published listing's dates, and for staff deciding a partner's request.

Each kind of change has its own form on the dates page, told apart by its prefix (the kind's
value), so that each field has an id of its own for the error summary to link to."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from housing.forms import DateInputField, TimeInputField
from housing.i18n import lazy_gettext as _l
from housing.listings.models import DateChangeKind
from housing.schedule.services import MAX_REASON

TEXT_LIMIT = _l("Use at most %(max)s characters.")


def reason_field(label: Any, missing: Any) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[InputRequired(missing), Length(max=MAX_REASON, message=TEXT_LIMIT)],
    )


class DeadlineForm(FlaskForm):
    """A new deadline: extending it, or reopening applications until it."""

    due_on = DateInputField(
        _l("New application deadline"), validators=[InputRequired(_l("Enter the new deadline."))]
    )
    due_at = TimeInputField(
        _l("Due time (leave empty for the end of the day)"), validators=[Optional()]
    )
    reason = reason_field(
        _l("Reason (residents and applicants read it)"), _l("Say why the dates change.")
    )


class CloseEarlyForm(FlaskForm):
    reason = reason_field(
        _l("Reason (residents and applicants read it)"), _l("Say why the dates change.")
    )


class LotteryDateForm(FlaskForm):
    lottery_on = DateInputField(
        _l("New lottery date"), validators=[InputRequired(_l("Enter the new lottery date."))]
    )
    reason = reason_field(
        _l("Reason (residents and applicants read it)"), _l("Say why the dates change.")
    )


class RefuseRequestForm(FlaskForm):
    reason = reason_field(
        _l("Why is this request refused? (the partner reads it)"),
        _l("Say why the request is refused."),
    )


DateChangeForm = DeadlineForm | CloseEarlyForm | LotteryDateForm

FORMS: dict[DateChangeKind, type[DateChangeForm]] = {
    DateChangeKind.EXTEND_DEADLINE: DeadlineForm,
    DateChangeKind.CLOSE_EARLY: CloseEarlyForm,
    DateChangeKind.REOPEN: DeadlineForm,
    DateChangeKind.POSTPONE_LOTTERY: LotteryDateForm,
}


def change_form(kind: DateChangeKind, *, submitted: bool = False) -> DateChangeForm:
    """The kind's form: read from the request when it is the one submitted, else empty."""
    form_class = FORMS[kind]
    if submitted:
        return form_class(prefix=kind.value)
    return form_class(prefix=kind.value, formdata=None)
