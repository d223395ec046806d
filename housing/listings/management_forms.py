"""Forms partners and staff use to build a listing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from housing.forms import (
    ChoiceField,
    DateInputField,
    MoneyField,
    NumberField,
    TimeInputField,
    options,
)
from housing.i18n import lazy_gettext as _l
from housing.listings.deadlines import is_known_timezone
from housing.listings.eligibility import SeniorRule
from housing.listings.forms import unit_type_labels
from housing.listings.models import (
    AccessibilityPriority,
    DocumentKind,
    EventKind,
    ListingType,
    ReservedCommunity,
    Tenure,
)

TEXT_LIMIT = _l("Use at most %(max)s characters.")
REQUIRED = _l("This field is required.")


def required_text(label: Any, maximum: int = 200) -> StringField:
    return StringField(
        label, validators=[InputRequired(REQUIRED), Length(max=maximum, message=TEXT_LIMIT)]
    )


def optional_text(label: Any, maximum: int = 200) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=maximum, message=TEXT_LIMIT)])


def long_text(label: Any) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=10_000, message=TEXT_LIMIT)])


class ListingForm(FlaskForm):
    version = HiddenField()
    name = required_text(_l("Listing name"))
    street_address = required_text(_l("Street address"))
    city = required_text(_l("City"), 100)
    state = StringField(
        _l("State"),
        validators=[
            InputRequired(REQUIRED),
            Length(min=2, max=2, message=_l("Use the two-letter state code.")),
        ],
    )
    postal_code = StringField(
        _l("ZIP code"),
        validators=[
            InputRequired(REQUIRED),
            Length(min=5, max=10, message=_l("Enter a ZIP code like 94103.")),
        ],
    )
    neighborhood = required_text(_l("Neighborhood"), 100)
    developer = required_text(_l("Developer"))
    tenure = ChoiceField(
        _l("Rent or sale"),
        choices=options(
            [(Tenure.RENTAL.value, _l("For rent")), (Tenure.SALE.value, _l("For sale"))]
        ),
    )
    listing_type = ChoiceField(
        _l("How applicants are chosen"),
        choices=options(
            [
                (ListingType.LOTTERY.value, _l("Lottery")),
                (ListingType.FIRST_COME_FIRST_SERVED.value, _l("First come, first served")),
            ]
        ),
    )
    timezone = StringField(
        _l("Time zone"), default="America/Los_Angeles", validators=[InputRequired(REQUIRED)]
    )
    opens_on = DateInputField(_l("Applications open on"), validators=[InputRequired(REQUIRED)])
    opens_at = TimeInputField(_l("Applications open at"), validators=[InputRequired(REQUIRED)])
    due_on = DateInputField(_l("Application due date"), validators=[InputRequired(REQUIRED)])
    due_at = TimeInputField(
        _l("Due time (leave empty for the end of the day)"), validators=[Optional()]
    )
    lottery_on = DateInputField(_l("Lottery date"), validators=[Optional()])
    results_on = DateInputField(_l("Results date"), validators=[Optional()])
    reserved_community = ChoiceField(
        _l("Reserved for"),
        choices=options(
            [
                ("", _l("Not reserved")),
                (ReservedCommunity.SENIOR.value, _l("Seniors")),
                (ReservedCommunity.VETERAN.value, _l("Veterans")),
                (
                    ReservedCommunity.ACCESSIBLE_UNITS_ONLY.value,
                    _l("People who need accessible units"),
                ),
            ]
        ),
    )
    senior_minimum_age = NumberField(
        _l("Senior minimum age"), minimum=50, maximum=100, validators=[Optional()]
    )
    senior_rule = ChoiceField(
        _l("Who must meet the age"),
        choices=options(
            [
                ("", _l("Not a senior building")),
                (SeniorRule.ENTIRE_HOUSEHOLD.value, _l("Every household member")),
                (SeniorRule.ONE_MEMBER.value, _l("At least one member")),
            ]
        ),
    )
    description = long_text(_l("About the building"))
    amenities = long_text(_l("Amenities"))
    accessibility_features = long_text(_l("Accessibility features"))
    credit_rules = long_text(_l("Credit history"))
    eviction_rules = long_text(_l("Rental and eviction history"))
    criminal_history_rules = long_text(_l("Criminal background"))
    required_documents = long_text(_l("Documents you will need"))
    pets_policy = long_text(_l("Pets"))
    parking = long_text(_l("Parking"))
    deposit = long_text(_l("Deposit"))
    paper_application_instructions = long_text(_l("Paper applications"))
    leasing_agent_name = required_text(_l("Leasing agent name"))
    leasing_agent_title = optional_text(_l("Leasing agent title"))
    leasing_agent_email = EmailField(
        _l("Leasing agent email"),
        validators=[
            InputRequired(REQUIRED),
            Email(_l("Enter an email address like name@example.com."), check_deliverability=False),
        ],
    )
    leasing_agent_phone = required_text(_l("Leasing agent phone"), 40)
    leasing_office_address = optional_text(_l("Leasing office address"), 300)
    office_hours = long_text(_l("Office hours"))

    def validate_timezone(self, field: StringField) -> None:
        if not is_known_timezone(field.data or ""):
            raise ValidationError(_l("Enter a time zone like America/Los_Angeles."))

    def validate_due_on(self, field: DateInputField) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The due date must be after the opening date."))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.reserved_community.data == ReservedCommunity.SENIOR.value:
            if self.senior_minimum_age.data is None and not self.senior_minimum_age.errors:
                self.senior_minimum_age.errors = [
                    *self.senior_minimum_age.errors,
                    _l("Senior housing needs a minimum age."),
                ]
                valid = False
            if not self.senior_rule.data:
                self.senior_rule.errors = [
                    *self.senior_rule.errors,
                    _l("Choose who must meet the age."),
                ]
                valid = False
        return valid


class UnitForm(FlaskForm):
    unit_type = ChoiceField(_l("Unit type"), choices=[])
    unit_count = NumberField(
        _l("Number of units"), minimum=1, maximum=2000, validators=[InputRequired(REQUIRED)]
    )
    monthly_rent = MoneyField(_l("Rent a month"), maximum=Decimal(100_000), validators=[Optional()])
    rent_percent_of_income = NumberField(
        _l("Or rent as a percent of income"), minimum=1, maximum=100, validators=[Optional()]
    )
    rent_multiple = MoneyField(
        _l("Rent multiple for the minimum income"), maximum=Decimal(10), validators=[Optional()]
    )
    sale_price = MoneyField(_l("Sale price"), maximum=Decimal(100_000_000), validators=[Optional()])
    hoa_dues = MoneyField(_l("HOA dues a month"), maximum=Decimal(100_000), validators=[Optional()])
    # A home for sale's income floor: one or the other.
    minimum_income = MoneyField(
        _l("Minimum household income a year"), maximum=Decimal(5_000_000), validators=[Optional()]
    )
    minimum_ami_percent = NumberField(
        _l("Or minimum income as an AMI percentage"),
        minimum=1,
        maximum=200,
        validators=[Optional()],
    )
    ami_chart_id = ChoiceField(_l("AMI chart"), choices=[], coerce=str)
    ami_percent = NumberField(
        _l("AMI percentage"), minimum=1, maximum=200, validators=[InputRequired(REQUIRED)]
    )
    min_occupancy = NumberField(
        _l("Minimum people (leave empty for the standard rule)"),
        minimum=1,
        maximum=20,
        validators=[Optional()],
    )
    max_occupancy = NumberField(
        _l("Maximum people (leave empty for the standard rule)"),
        minimum=1,
        maximum=20,
        validators=[Optional()],
    )
    accessibility = ChoiceField(_l("Accessibility priority"), choices=[])
    square_feet = NumberField(
        _l("Square feet"), minimum=50, maximum=20_000, validators=[Optional()]
    )

    def __init__(
        self, *args: Any, charts: list[tuple[str, str]], tenure: Tenure, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tenure = tenure
        self.unit_type.choices = options(
            [(unit_type.value, label) for unit_type, label in unit_type_labels().items()]
        )
        self.ami_chart_id.choices = options(charts)
        self.accessibility.choices = options(
            [
                ("", _l("None")),
                (AccessibilityPriority.MOBILITY.value, _l("Mobility")),
                (AccessibilityPriority.VISION.value, _l("Vision")),
                (AccessibilityPriority.HEARING.value, _l("Hearing")),
                (
                    AccessibilityPriority.MOBILITY_AND_HEARING_VISION.value,
                    _l("Mobility, hearing and vision"),
                ),
            ]
        )

    def validate(self, extra_validators: Any = None) -> bool:
        """Rules that tie fields together; they run even when a field was left empty."""
        valid = super().validate(extra_validators)
        problems: list[tuple[Any, Any]] = []
        if self.tenure is Tenure.SALE:
            if self.sale_price.data is None:
                problems.append((self.sale_price, _l("Enter the sale price.")))
            problems.extend(self._income_floor_problems())
        else:
            rent, percent = self.monthly_rent.data, self.rent_percent_of_income.data
            if rent is None and percent is None:
                problems.append(
                    (self.monthly_rent, _l("Enter the rent, or the rent as a percent of income."))
                )
            if rent is not None and percent is not None:
                problems.append(
                    (
                        self.monthly_rent,
                        _l("Enter either a fixed rent or a percent of income, not both."),
                    )
                )
            if rent is not None and self.rent_multiple.data is None:
                problems.append(
                    (
                        self.rent_multiple,
                        _l("A fixed rent needs a rent multiple, usually 2 or 2.5."),
                    )
                )
        low, high = self.min_occupancy.data, self.max_occupancy.data
        if low is not None and high is not None and high < low:
            problems.append((self.max_occupancy, _l("The maximum cannot be below the minimum.")))
        for field, message in problems:
            if not field.errors:
                field.errors = [*field.errors, message]
            valid = False
        return valid

    def _income_floor_problems(self) -> list[tuple[Any, Any]]:
        """A home for sale needs its income floor: an amount or an AMI percentage, below the
        unit's own AMI level (the chart's levels are checked where the chart is at hand)."""
        amount, percent = self.minimum_income.data, self.minimum_ami_percent.data
        if self.minimum_income.errors or self.minimum_ami_percent.errors:
            return []
        if amount is None and percent is None:
            return [
                (
                    self.minimum_income,
                    _l("Enter the minimum income a buyer needs, or it as an AMI percentage."),
                )
            ]
        if amount is not None and percent is not None:
            return [
                (
                    self.minimum_income,
                    _l("Enter either a minimum income or an AMI percentage, not both."),
                )
            ]
        ceiling = self.ami_percent.data
        if percent is not None and ceiling is not None and percent >= ceiling:
            return [
                (
                    self.minimum_ami_percent,
                    _l("The minimum must be below the unit's AMI percentage."),
                )
            ]
        return []


class EventForm(FlaskForm):
    kind = ChoiceField(
        _l("Kind"),
        choices=options(
            [
                (EventKind.INFO_SESSION.value, _l("Information session")),
                (EventKind.OPEN_HOUSE.value, _l("Open house")),
            ]
        ),
    )
    day = DateInputField(_l("Date"), validators=[InputRequired(REQUIRED)])
    starts_at = TimeInputField(_l("Starts at"), validators=[InputRequired(REQUIRED)])
    ends_at = TimeInputField(_l("Ends at"), validators=[Optional()])
    location = optional_text(_l("Location"), 300)
    notes = long_text(_l("Notes"))


class DocumentForm(FlaskForm):
    kind = ChoiceField(
        _l("Kind"),
        choices=options(
            [
                (DocumentKind.DOCUMENT.value, _l("PDF document")),
                (DocumentKind.IMAGE.value, _l("Picture")),
            ]
        ),
    )
    title = required_text(_l("Title"))
    alt_text = optional_text(_l("Description of the picture, for people who cannot see it"), 300)
    file = FileField(_l("File"), validators=[InputRequired(_l("Choose a file."))])


class PreferenceRowForm(FlaskForm):
    class Meta:
        csrf = False

    preference_id = IntegerField()
    included = BooleanField(_l("Use this preference"))
    rank = NumberField(_l("Order"), minimum=1, maximum=50, validators=[Optional()])
    unit_share_percent = NumberField(
        _l("Share of units (%)"), minimum=1, maximum=100, validators=[Optional()]
    )
    veterans_first = BooleanField(
        _l("Has a veteran list (claims made as veterans are served first, on a list of their own)")
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("What needs to change"),
        validators=[
            InputRequired(_l("Explain what needs to change.")),
            Length(max=5000, message=TEXT_LIMIT),
        ],
    )


class ApproveForm(FlaskForm):
    publish_on = DateInputField(
        _l("Publish on (leave empty to publish now)"), validators=[Optional()]
    )
    publish_at = TimeInputField(_l("Publish at"), validators=[Optional()])


class ActionForm(FlaskForm):
    """A button with CSRF protection and nothing else."""
