"""Submitted applications with chosen facts, for counting."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import factory

from housing.applications.models import Application, ApplicationChannel, ApplicationStatus
from tests.factories import BaseFactory, ListingFactory


class SubmittedApplicationFactory(BaseFactory):
    class Meta:
        model = Application

    public_id = factory.Sequence(lambda n: f"DASH{n:07d}")
    listing = factory.SubFactory(ListingFactory)
    status = ApplicationStatus.SUBMITTED
    channel = ApplicationChannel.ONLINE
    language = "en"
    answers = factory.LazyFunction(dict)
    submitted_answers = factory.LazyFunction(dict)
    lottery_number = factory.Sequence(lambda n: f"{n:08d}")
    household_size = 2
    annual_income = Decimal("50000")
    submitted_at = factory.LazyAttribute(
        lambda application: application.listing.application_open_at
    )

    class Params:
        withdrawn = factory.Trait(status=ApplicationStatus.WITHDRAWN)
        draft = factory.Trait(
            status=ApplicationStatus.DRAFT, submitted_at=None, lottery_number=None
        )
        paper = factory.Trait(channel=ApplicationChannel.PAPER)


def at(text: str) -> datetime:
    """An aware UTC moment from "2030-03-01T07:30Z"."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
