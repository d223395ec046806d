"""Preference claims found valid or invalid, before the freeze or after the draw."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from housing.accounts.models import User
from housing.applications import outbox
from housing.applications.models import (
    Application,
    ApplicationStatus,
    PreferenceDecision,
)
from housing.db_types import AnySession
from housing.lottery import log
from housing.lottery.access import (
    MAX_REASON,
    LotteryRefused,
    checked_reason,
    get_lottery,
    sign_decision,
)
from housing.lottery.models import Lottery, LotteryStatus
from housing.lottery.verify import VETERAN_PREFIX, base_code
from housing.lottery.wording import result_list_names
from housing.typed_numbers import typed_number


def decide_claim(
    session: AnySession,
    listing_id: int,
    application_number: str,
    code: str,
    actor: User | None,
    now: datetime,
    *,
    valid: bool,
    reason: str,
) -> Lottery:
    """Mark one preference claim valid or invalid, with a reason (required to invalidate).
    ``code`` is a preference's code for the claim itself, or its veteran list's code
    (``V-COP``) for the veteran status of a claim made as a veteran: invalid, the household
    moves from the veteran list to the preference's own list.

    Before the freeze the decision shapes the manifest. After the draw, the applicant leaves
    (or rejoins) that list at their master rank and nobody else moves: the lottery is marked
    for ``revise`` (a job) to write a new version of the results, published at once if the
    results were; the earlier one is kept."""
    reason = reason.strip()
    if not valid:
        reason = checked_reason(reason)
    elif len(reason) > MAX_REASON:
        raise LotteryRefused("reason_too_long", maximum=MAX_REASON)
    lottery = get_lottery(session, listing_id, lock=True)
    if lottery.status is LotteryStatus.DRAWING:
        raise LotteryRefused("already_drawing")
    application = session.scalars(
        select(Application).where(
            Application.listing_id == listing_id,
            Application.public_id == typed_number(application_number),
            Application.status != ApplicationStatus.DRAFT,
        )
    ).first()
    if application is None:
        raise LotteryRefused("no_such_application")
    answers = application.submitted_answers or {}
    as_veteran = code.startswith(VETERAN_PREFIX)
    preference = base_code(code)
    claim = (answers.get("preferences") or {}).get(preference)
    claimed = isinstance(claim, Mapping) and claim.get("claimed") is True
    if as_veteran:
        veteran_lists = {
            str(rule["code"])
            for rule in lottery.rules.get("preferences", [])
            if rule.get("veteran_list")
        }
        claimed = (
            claimed
            and preference in veteran_lists
            and isinstance(claim, Mapping)
            and claim.get("veteran") is True
        )
    if not claimed:
        raise LotteryRefused("not_claimed")
    in_manifest = lottery.status is not LotteryStatus.PREREGISTERED and any(
        entrant["id"] == application.public_id
        and preference in entrant.get("veteran_preferences" if as_veteran else "preferences", ())
        for entrant in lottery.manifest or []
    )
    if lottery.status is not LotteryStatus.PREREGISTERED and not in_manifest:
        # Found invalid before the freeze: only a re-freeze can bring the claim back.
        raise LotteryRefused("not_in_manifest")
    decision = session.scalars(
        select(PreferenceDecision).where(
            PreferenceDecision.application_id == application.id,
            PreferenceDecision.preference_code == code,
        )
    ).first()
    if decision is None:
        decision = PreferenceDecision(application_id=application.id, preference_code=code)
        session.add(decision)
    decision.valid = valid
    sign_decision(session, decision, reason, actor, now)
    log.append(
        session,
        "preference_validation",
        now,
        listing_id=listing_id,
        actor=actor,
        detail={
            "application": application.public_id,
            "preference": code,
            "valid": valid,
            "reason": reason,
        },
    )
    outbox.queue_claim_decided(
        session,
        application,
        preference=result_list_names(lottery.listing, application.language).get(
            base_code(code), ""
        ),
        veteran_status=code != base_code(code),
        valid=valid,
        reason=reason,
        decided_at=now,
    )
    if lottery.status in (LotteryStatus.DRAWN, LotteryStatus.PUBLISHED):
        lottery.revision_pending = True  # the job writing the new version takes it from here
    return lottery
