"""What happens after an application is submitted, step by step, with the listing's dates and
the ways the applicant will hear their result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import url_for

from housing.applications.models import Application
from housing.i18n import format_local_date, format_local_datetime
from housing.i18n import gettext as _
from housing.notifications.contacts import contacts
from housing.notifications.models import Channel


@dataclass(frozen=True)
class NextStep:
    title: str
    text: str
    # The step's date and time, in the listing's time zone: an ISO value and the words.
    when: str = ""
    when_text: str = ""
    link: str = ""
    link_text: str = ""


def _moment(moment: datetime | None, timezone: str, *, day_only: bool = False) -> dict[str, str]:
    """``day_only``: a moment set as a day (the lottery's), told without a time of day."""
    if moment is None:
        return {}
    local = moment.astimezone(ZoneInfo(timezone))
    return {
        "when": local.date().isoformat() if day_only else local.isoformat(),
        "when_text": format_local_date(moment, timezone)
        if day_only
        else format_local_datetime(moment, timezone),
    }


def how_results_are_sent(application: Application) -> str:
    """The ways the result will reach the applicant, from the answers they submitted."""
    answers = application.submitted_answers or application.answers or {}
    sentences = []
    for channel, address in contacts(answers, letter=True):
        if channel is Channel.EMAIL:
            sentences.append(_("We will send your result by email to %(email)s.", email=address))
        elif channel is Channel.SMS:
            sentences.append(
                _("We will send your result by text message to %(phone)s.", phone=address)
            )
        else:
            sentences.append(_("We will send your result by mail to your address."))
    if not sentences:
        sentences.append(
            _(
                "We have no email, phone or address to send your result to: look it up on "
                "this site with your lottery number."
            )
        )
    return " ".join(sentences)


def next_steps(application: Application, now: datetime) -> list[NextStep]:
    listing = application.listing
    timezone = listing.timezone
    steps = []
    if now < listing.application_due_at:
        steps.append(
            NextStep(
                _("Application deadline"),
                _("Until then you can change or withdraw your application."),
                **_moment(listing.application_due_at, timezone),
            )
        )
    steps.append(
        NextStep(
            _("The lottery"),
            _("A public lottery puts all applications in a random order, after any preferences.")
            if listing.lottery_at is not None
            else _("The lottery date will be posted on the listing page."),
            **_moment(listing.lottery_at, timezone, day_only=True),
        )
    )
    steps.append(
        NextStep(
            _("Your result"),
            how_results_are_sent(application),
            **_moment(listing.results_at, timezone),
        )
    )
    steps.append(
        NextStep(
            _("Look up your result"),
            _(
                "When the results are published, you can look up your place with your lottery "
                "number %(number)s.",
                number=application.lottery_number or "",
            ),
            link=url_for("lottery_public.lookup", listing_id=listing.id),
            link_text=_("Look up your lottery result"),
        )
    )
    steps.append(
        NextStep(
            _("Documents and lease"),
            _(
                "The leasing office contacts households in the order of the results and asks "
                "for documents, such as proof of income and of any preference you claimed. "
                "After checking them, it offers a home. Keep your contact details up to date."
            ),
        )
    )
    return steps
