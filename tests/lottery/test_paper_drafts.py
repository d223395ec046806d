"""A paper draft that will not be finished no longer holds up the freeze: staff or the
listing's partner set it aside with a reason, and it is kept."""

from __future__ import annotations

import re

from sqlalchemy import select

from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    ApplicationVersion,
)
from housing.lottery.models import LotteryStatus
from tests.accounts.helpers import post_form
from tests.lottery.conftest import flash_of, lottery_of


def _start_paper(client, listing) -> str:  # type: ignore[no-untyped-def]
    day = (listing.application_due_at.date()).isoformat()
    started = post_form(
        client, f"/partner/listings/{listing.id}/paper-applications", {"received_on": day}
    )
    assert started.status_code == 302, started.text
    return started.headers["Location"].rsplit("/", 1)[-1]


def _drafts(listing) -> str:  # type: ignore[no-untyped-def]
    return f"/partner/listings/{listing.id}/paper-applications/drafts"


def test_a_draft_set_aside_with_a_reason_is_kept_and_the_freeze_goes_ahead(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    base = f"/staff/lottery/{listing.id}"
    number = _start_paper(client, listing)

    post_form(client, f"{base}/freeze", {}, token_from=base)
    assert "paper applications still being entered: 1" in flash_of(client, listing).lower()
    assert lottery_of(db_session, listing).status is LotteryStatus.PREREGISTERED

    table = client.get(f"/partner/listings/{listing.id}/applications").text
    assert "1 paper application being entered" in table
    page = client.get(_drafts(listing)).text
    assert f"Application {number}" in page

    discard = f"{_drafts(listing)}/{number}/discard"
    blank = post_form(client, discard, {"reason": "  "}, token_from=_drafts(listing))
    assert blank.status_code == 422
    assert "Say why the draft is set aside." in blank.text
    assert re.search(rf'<a href="#reason-{number}">', blank.text)
    db_session.expire_all()
    draft = db_session.scalars(select(Application).where(Application.public_id == number)).one()
    assert draft.discarded_at is None

    done = post_form(
        client,
        discard,
        {"reason": "Entered twice; the form is in as #2."},
        token_from=_drafts(listing),
    )
    assert done.status_code == 302
    assert f"Draft {number} set aside." in client.get(_drafts(listing)).text
    db_session.expire_all()
    draft = db_session.scalars(select(Application).where(Application.public_id == number)).one()
    assert draft.channel is ApplicationChannel.PAPER
    assert draft.status is ApplicationStatus.DRAFT  # kept, never submitted
    assert draft.discarded_at is not None and draft.discarded_by_id == staff.id
    assert draft.discard_reason == "Entered twice; the form is in as #2."
    [version] = db_session.scalars(
        select(ApplicationVersion).where(ApplicationVersion.application_id == draft.id)
    ).all()
    assert (version.action, version.actor_id) == ("discarded", staff.id)

    # It can no longer be changed, and setting it aside again changes nothing.
    editing = client.get(f"/applications/{number}/you")
    assert editing.status_code == 302
    again = post_form(client, discard, {"reason": "again"}, token_from=_drafts(listing))
    assert again.status_code == 302
    assert "no longer a paper draft being entered" in client.get(_drafts(listing)).text

    post_form(client, f"{base}/freeze", {}, token_from=base)
    frozen = lottery_of(db_session, listing)
    assert frozen.status is LotteryStatus.FROZEN
    assert frozen.entrant_count == 40


def test_only_a_paper_draft_of_the_listing_can_be_set_aside(
    client, db_session, lottery_listing, staff
):
    listing = lottery_listing
    submitted = db_session.scalars(
        select(Application).where(Application.listing_id == listing.id).limit(1)
    ).one()
    refused = post_form(
        client,
        f"{_drafts(listing)}/{submitted.public_id}/discard",
        {"reason": "not a draft"},
        token_from=_drafts(listing),
    )
    assert refused.status_code == 302
    db_session.expire_all()
    assert db_session.get(Application, submitted.id).discarded_at is None
    unknown = post_form(
        client, f"{_drafts(listing)}/NOSUCH/discard", {"reason": "x"}, token_from=_drafts(listing)
    )
    assert unknown.status_code == 404


def test_the_freeze_panel_links_to_what_holds_the_freeze_up(client, lottery_listing, staff):
    page = client.get(f"/staff/lottery/{lottery_listing.id}").text
    assert f'href="{_drafts(lottery_listing)}"' in page
    assert f'href="/partner/listings/{lottery_listing.id}/duplicates"' in page
