"""The sign-up forms for listing alerts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from housing.accounts.addresses import InvalidEmail, account_email
from housing.alerts.services import Wishes
from housing.forms import MoneyField, NumberField, RadioChoiceField, options
from housing.i18n import lazy_gettext as _l
from housing.listings.forms import MAX_ANNUAL_INCOME, MAX_HOUSEHOLD_SIZE, unit_type_labels
from housing.listings.models import Tenure
from housing.notifications.models import Channel
from housing.notifications.sms import international_number

CHANNEL_CHOICES = [
    (Channel.EMAIL.value, _l("By email")),
    (Channel.SMS.value, _l("By text message")),
]


class CheckboxesField(SelectMultipleField):
    """Any number of the options, as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", _l("Choose one of the options shown."))
        super().__init__(*args, **kwargs)


class ContactForm(FlaskForm):
    """Where alerts go: an email address or a mobile number, confirmed before any alert."""

    channel = RadioChoiceField(
        _l("How should we tell you?"),
        choices=options(CHANNEL_CHOICES),
        default=Channel.EMAIL.value,
        validators=[InputRequired(_l("Choose email or text message."))],
    )
    email = StringField(_l("Email address"), render_kw={"type": "email", "autocomplete": "email"})
    phone = StringField(_l("Mobile phone number"), render_kw={"type": "tel", "autocomplete": "tel"})

    def validate_email(self, field: StringField) -> None:
        if self.channel.data != Channel.EMAIL.value:
            return
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter your email address."))
        try:
            account_email(field.data or "")
        except InvalidEmail:
            raise ValidationError(_l("Enter an email address like name@example.com.")) from None

    def validate_phone(self, field: StringField) -> None:
        if self.channel.data != Channel.SMS.value:
            return
        if not (field.data or "").strip():
            raise ValidationError(_l("Enter a mobile phone number."))
        if international_number(field.data or "") is None:
            raise ValidationError(_l("Enter a 10-digit US phone number, like 415 555 0123."))

    @property
    def chosen_channel(self) -> Channel:
        return Channel(self.channel.data)

    def address(self) -> str:
        """The validated address, as stored."""
        if self.chosen_channel is Channel.SMS:
            number = international_number(self.phone.data or "")
            if number is None:
                raise ValueError("address() needs a validated form")
            return number
        return account_email(self.email.data or "")


class AlertForm(ContactForm):
    """Alerts for every listing that suits the resident; every question but the address is
    optional."""

    neighborhoods = CheckboxesField(_l("Neighborhoods"))
    unit_types = CheckboxesField(_l("Unit sizes"))
    tenures = CheckboxesField(
        _l("Rent or buy"),
        choices=options(
            [(Tenure.RENTAL.value, _l("For rent")), (Tenure.SALE.value, _l("For sale"))]
        ),
    )
    household_size = NumberField(
        _l("How many people live in your household, including you?"),
        minimum=1,
        maximum=MAX_HOUSEHOLD_SIZE,
    )
    annual_income = MoneyField(
        _l("Total household income before taxes, per year"), maximum=MAX_ANNUAL_INCOME
    )
    children_under_six = NumberField(
        _l("How many of them are children under 6?"),
        minimum=0,
        maximum=MAX_HOUSEHOLD_SIZE - 1,
    )
    voucher = BooleanField(_l("Someone in the household has a housing voucher or rental subsidy"))

    def __init__(self, *args: Any, neighborhoods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.neighborhoods.choices = options([(name, name) for name in neighborhoods])
        self.unit_types.choices = options(
            [(unit_type.value, label) for unit_type, label in unit_type_labels().items()]
        )

    def validate_household_size(self, field: NumberField) -> None:
        if field.data is None and self.annual_income.data is not None:
            raise ValidationError(
                _l("Enter how many people are in your household, or leave the income empty.")
            )

    def validate_annual_income(self, field: MoneyField) -> None:
        if field.data is None and self.household_size.data is not None:
            raise ValidationError(
                _l("Enter your household's yearly income, or leave the household size empty.")
            )

    def validate_children_under_six(self, field: NumberField) -> None:
        size = self.household_size.data
        if field.data is not None and size is not None and field.data >= size:
            raise ValidationError(
                _l("At least one household member must be an adult or older child.")
            )

    def wishes(self) -> Wishes:
        income = self.annual_income.data
        return Wishes(
            household_size=self.household_size.data,
            annual_income=Decimal(income) if income is not None else None,
            children_under_six=self.children_under_six.data or 0,
            has_voucher=bool(self.voucher.data),
            neighborhoods=list(self.neighborhoods.data or []),
            unit_types=list(self.unit_types.data or []),
            tenures=list(self.tenures.data or []),
        )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from the text message"),
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
        validators=[InputRequired(_l("Enter the code from the text message."))],
    )


class ButtonForm(FlaskForm):
    """A form with nothing but its button (and the CSRF token)."""
