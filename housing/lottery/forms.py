"""Staff forms for running a lottery, and the public look-up."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField

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
