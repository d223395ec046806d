"""veteran status per preference claim

Revision: 0012_claim_veteran
Parent: 0011_app_role
Created: 2026-12-03 09:00:00

A veteran status is claimed per preference claim (``answers["preferences"][code]["veteran"]``),
no longer once for the household (``answers["applicant"]["veteran"]``). Upgrading adds the
``veteran`` column to ``application_preference_claims`` and, for every draft or submitted
application whose household said it had a veteran, marks as made as a veteran each claim it
made of a preference of its listing that has a veteran list (``veterans_first``); the
household-wide answer stays where it was, so nothing the applicant said is lost. Downgrading
gives the household-wide answer back to households with a claim made as a veteran and drops
the column; the per-claim answers stay in the answers, where the older code ignores them.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012_claim_veteran"
down_revision = "0011_app_role"
branch_labels = None
depends_on = None

BATCH = 1000

applications = sa.table(
    "applications",
    sa.column("id", sa.Integer()),
    sa.column("listing_id", sa.Integer()),
    sa.column("answers", sa.JSON()),
    sa.column("submitted_answers", sa.JSON()),
)
listing_preferences = sa.table(
    "listing_preferences",
    sa.column("listing_id", sa.Integer()),
    sa.column("preference_id", sa.Integer()),
    sa.column("veterans_first", sa.Boolean()),
)
preferences = sa.table("preferences", sa.column("id", sa.Integer()), sa.column("code", sa.String()))
claims = sa.table(
    "application_preference_claims",
    sa.column("application_id", sa.Integer()),
    sa.column("preference_code", sa.String()),
    sa.column("veteran", sa.Boolean()),
)


def _rows(connection: sa.Connection) -> Iterator[list[Any]]:
    """Every application, a batch at a time, keyed on its id."""
    after = 0
    while True:
        batch = connection.execute(
            sa.select(
                applications.c.id,
                applications.c.listing_id,
                applications.c.answers,
                applications.c.submitted_answers,
            )
            .where(applications.c.id > after)
            .order_by(applications.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        yield list(batch)
        after = batch[-1][0]


def _household_veteran(answers: Any) -> bool:
    applicant = answers.get("applicant") if isinstance(answers, Mapping) else None
    return isinstance(applicant, Mapping) and applicant.get("veteran") is True


def _claims_as_veteran(answers: Any, codes: set[str]) -> Any:
    """The answers with each claim of a preference in ``codes`` made as a veteran, or None when
    nothing changes."""
    if not _household_veteran(answers):
        return None
    claimed = answers.get("preferences")
    if not isinstance(claimed, Mapping):
        return None
    changed = False
    converted = dict(claimed)
    for code, claim in claimed.items():
        if (
            code in codes
            and isinstance(claim, Mapping)
            and claim.get("claimed") is True
            and "veteran" not in claim
        ):
            converted[code] = {**claim, "veteran": True}
            changed = True
    return {**answers, "preferences": converted} if changed else None


def _veteran_lists(connection: sa.Connection) -> dict[int, set[str]]:
    lists: dict[int, set[str]] = {}
    for listing_id, code in connection.execute(
        sa.select(listing_preferences.c.listing_id, preferences.c.code)
        .join(preferences, preferences.c.id == listing_preferences.c.preference_id)
        .where(listing_preferences.c.veterans_first.is_(True))
    ):
        lists.setdefault(listing_id, set()).add(code)
    return lists


def upgrade() -> None:
    with op.batch_alter_table("application_preference_claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("veteran", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    connection = op.get_bind()
    lists = _veteran_lists(connection)
    if not lists:
        return
    for batch in _rows(connection):
        for application_id, listing_id, answers, submitted in batch:
            codes = lists.get(listing_id)
            if not codes:
                continue
            working = _claims_as_veteran(answers, codes)
            kept = _claims_as_veteran(submitted, codes)
            values = {}
            if working is not None:
                values["answers"] = working
            if kept is not None:
                values["submitted_answers"] = kept
            if values:
                connection.execute(
                    applications.update().where(applications.c.id == application_id).values(values)
                )
            # The claims table says, for each claim submitted, whether it is made as a veteran.
            as_veteran = _veteran_codes(kept if kept is not None else submitted, codes)
            if as_veteran:
                connection.execute(
                    claims.update()
                    .where(
                        claims.c.application_id == application_id,
                        claims.c.preference_code.in_(as_veteran),
                    )
                    .values(veteran=True)
                )


def _veteran_codes(answers: Any, codes: set[str]) -> list[str]:
    claimed = answers.get("preferences") if isinstance(answers, Mapping) else None
    if not isinstance(claimed, Mapping):
        return []
    return sorted(
        code
        for code, claim in claimed.items()
        if code in codes
        and isinstance(claim, Mapping)
        and claim.get("claimed") is True
        and claim.get("veteran") is True
    )


def _with_household_veteran(answers: Any) -> Any:
    """The answers with the household-wide answer set where a claim is made as a veteran, or
    None when nothing changes."""
    if not isinstance(answers, Mapping) or _household_veteran(answers):
        return None
    claimed = answers.get("preferences")
    if not isinstance(claimed, Mapping) or not any(
        isinstance(claim, Mapping) and claim.get("claimed") is True and claim.get("veteran") is True
        for claim in claimed.values()
    ):
        return None
    applicant = answers.get("applicant")
    applicant = dict(applicant) if isinstance(applicant, Mapping) else {}
    return {**answers, "applicant": {**applicant, "veteran": True}}


def downgrade() -> None:
    connection = op.get_bind()
    for batch in _rows(connection):
        for application_id, _listing_id, answers, submitted in batch:
            values = {}
            working = _with_household_veteran(answers)
            kept = _with_household_veteran(submitted)
            if working is not None:
                values["answers"] = working
            if kept is not None:
                values["submitted_answers"] = kept
            if values:
                connection.execute(
                    applications.update().where(applications.c.id == application_id).values(values)
                )
    with op.batch_alter_table("application_preference_claims", schema=None) as batch_op:
        batch_op.drop_column("veteran")
