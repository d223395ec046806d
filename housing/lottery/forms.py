"""Staff forms for running a lottery, and the public look-up."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from housing.forms import options
from housing.i18n import lazy_gettext as _l
from housing.listings.forms import QueryForm


class CommitmentForm(FlaskForm):
    name = StringField(_l("Who commits"))
    commitment = StringField(_l("Commitment (SHA-256, 64 hexadecimal characters)"))


class FreezeForm(FlaskForm):
    override_reason = TextAreaField(
        _l("Reason to freeze anyway (only if duplicates or paper drafts remain)")
    )


class SeedForm(FlaskForm):
    beacon_source = StringField(_l("Beacon"), default="drand mainnet")
    beacon_round = StringField(_l("Beacon round"), render_kw={"inputmode": "numeric"})
    beacon_value = StringField(
        _l("Beacon value (hexadecimal)"),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    beacon_signature = TextAreaField(
        _l("Beacon signature (hexadecimal, as the beacon publishes it)"),
        render_kw={"autocomplete": "off", "spellcheck": "false", "rows": 3},
    )


REASON_LABEL = _l("Reason (kept in the audit log)")


class DrawForm(FlaskForm):
    # Asked only when drawing again after a retraction.
    draw_reason = TextAreaField(REASON_LABEL)


class RefreezeForm(FlaskForm):
    refreeze_reason = TextAreaField(REASON_LABEL)


class RetractForm(FlaskForm):
    retract_reason = TextAreaField(REASON_LABEL)


class ClaimForm(FlaskForm):
    application_number = StringField(_l("Application number"))
    preference = SelectField(_l("Preference"), validate_choice=False)
    decision = RadioField(
        _l("Decision"),
        choices=options(
            [("invalid", _l("Invalid: take it out of this list")), ("valid", _l("Valid"))]
        ),
        default="invalid",
        validate_choice=False,
    )
    reason = TextAreaField(_l("Reason (required to invalidate)"))


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


class LookupForm(QueryForm):
    number = StringField(_l("Your lottery number"), render_kw={"inputmode": "numeric"})


class PublishedHeadForm(QueryForm):
    head = StringField(
        _l("Published head of the audit log (SHA-256, 64 hexadecimal characters)"),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    length = StringField(
        _l("Number of entries published with it (optional)"), render_kw={"inputmode": "numeric"}
    )


class BulkDuplicateForm(FlaskForm):
    """Many groups of possible duplicates decided the same way, with one reason. The groups are
    ticked beside each group (inputs that name this form), or all those on the page at once."""

    groups = SelectMultipleField(_l("Groups to decide"), choices=[], validate_choice=False)
    all_on_page = BooleanField(_l("All groups on this page"))
    # The groups the page showed, for "all groups on this page".
    page_groups = SelectMultipleField(choices=[], validate_choice=False)
    page = HiddenField()
    action = RadioField(
        _l("Decision for each group"),
        choices=options(
            [
                (
                    "keep_earliest_complete",
                    _l(
                        "One household: keep the earliest complete application (or the one "
                        "another group already keeps) and leave out the others"
                    ),
                ),
                ("different_households", _l("Different households: all stay in the lottery")),
            ]
        ),
        validators=[
            InputRequired(_l("Choose a decision for the groups.")),
            AnyOf(
                ["keep_earliest_complete", "different_households"],
                message=_l("Choose a decision for the groups."),
            ),
        ],
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("Reason for all the chosen groups (kept in the audit log)"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(_l("Give a reason; it is kept in the audit log.")),
            Length(max=2000, message=_l("Keep the reason under 2,000 characters.")),
        ],
    )

    def validate_groups(self, field: Any) -> None:
        if not self.chosen():
            raise ValidationError(_l("Tick the groups to decide, or all groups on this page."))

    def chosen(self) -> list[str]:
        """The groups to decide, as the page names them."""
        picked = self.page_groups.data if self.all_on_page.data else self.groups.data
        return [value for value in picked or [] if value]
