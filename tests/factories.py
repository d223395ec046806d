"""factory_boy factories bound to the test transaction's session."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
import pyotp
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.orm import Session

from housing.accounts.models import Role, User
from housing.accounts.passwords import hash_password
from housing.db_types import utcnow
from housing.demo import AMI_LIMITS
from housing.listings.ami import AmiChart, AmiChartLimit
from housing.listings.eligibility import UnitType
from housing.listings.models import Listing, ListingStatus, Tenure, Unit
from housing.listings.preferences import ListingPreference, Preference

_current: dict[str, Session | None] = {"session": None}


def use_session(session: Session | None) -> None:
    """Bind the factories to the running test's session."""
    _current["session"] = session


def _session() -> Session:
    session = _current["session"]
    if session is None:
        raise RuntimeError("Factories need the db_session fixture")
    return session


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"


class AmiChartFactory(BaseFactory):
    class Meta:
        model = AmiChart

    name = factory.Sequence(lambda n: f"Test Chart {n}")
    chart_type = "HUD Unadjusted"
    year = 2026
    version = 1

    @factory.post_generation
    def limits(
        chart: AmiChart,
        create: bool,
        extracted: dict[int, tuple[int, ...]] | None,
        **kwargs: object,
    ) -> None:
        table = extracted if extracted is not None else AMI_LIMITS
        for percent, incomes in table.items():
            for size, income in enumerate(incomes, start=1):
                chart.limits.append(
                    AmiChartLimit(
                        ami_percent=percent, household_size=size, annual_income=Decimal(income)
                    )
                )
        if create:
            _session().flush()


class ListingFactory(BaseFactory):
    class Meta:
        model = Listing

    name = factory.Sequence(lambda n: f"Test Listing {n}")
    street_address = factory.Sequence(lambda n: f"{100 + n} Test Street")
    city = "Port Alder"
    state = "CA"
    postal_code = "94999"
    neighborhood = "Harbor Flats"
    developer = "Test Developer"
    tenure = Tenure.RENTAL
    status = ListingStatus.OPEN
    timezone = "America/Los_Angeles"
    application_open_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=3))
    application_due_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=10))
    leasing_agent_name = "Alex Agent"
    leasing_agent_email = "agent@example.org"
    leasing_agent_phone = "(555) 010-0000"

    class Params:
        upcoming = factory.Trait(
            application_open_at=factory.LazyFunction(lambda: utcnow() + timedelta(days=5)),
            application_due_at=factory.LazyFunction(lambda: utcnow() + timedelta(days=30)),
            status=ListingStatus.APPROVED,
        )
        closed = factory.Trait(
            application_open_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=40)),
            application_due_at=factory.LazyFunction(lambda: utcnow() - timedelta(days=2)),
            status=ListingStatus.CLOSED,
        )
        draft = factory.Trait(status=ListingStatus.DRAFT)


class UnitFactory(BaseFactory):
    class Meta:
        model = Unit

    listing = factory.SubFactory(ListingFactory)
    unit_type = UnitType.ONE_BEDROOM
    unit_count = 5
    monthly_rent = Decimal("2102")
    rent_multiple = Decimal("2.5")
    ami_chart = factory.SubFactory(AmiChartFactory)
    ami_percent = 80


class PreferenceFactory(BaseFactory):
    class Meta:
        model = Preference

    code = factory.Sequence(lambda n: f"PREF{n}")
    name = factory.Sequence(lambda n: f"Preference {n}")
    description = "A test preference."
    proof_types = factory.LazyFunction(lambda: ["Utility bill"])


class ListingPreferenceFactory(BaseFactory):
    class Meta:
        model = ListingPreference

    listing = factory.SubFactory(ListingFactory)
    preference = factory.SubFactory(PreferenceFactory)
    rank = factory.Sequence(lambda n: n + 1)
    unit_share_percent = None


TEST_PASSWORD = "correct horse battery staple"
TEST_PASSWORD_HASH = hash_password(TEST_PASSWORD)  # hashed once: argon2 is slow on purpose


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = TEST_PASSWORD_HASH
    role = Role.APPLICANT
    language = "en"
    email_confirmed_at = factory.LazyFunction(utcnow)

    class Params:
        unconfirmed = factory.Trait(email_confirmed_at=None)
        staff = factory.Trait(role=Role.STAFF)
        partner = factory.Trait(role=Role.PARTNER)
        auditor = factory.Trait(role=Role.AUDITOR)
        with_two_factor = factory.Trait(
            totp_secret=factory.LazyFunction(pyotp.random_base32),
            totp_enabled_at=factory.LazyFunction(utcnow),
        )
