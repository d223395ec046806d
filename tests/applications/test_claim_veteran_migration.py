"""The migration to a veteran status per preference claim loses nothing either way."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.orm import Session

from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    PreferenceClaim,
)
from housing.db_types import utcnow
from housing.extensions import db
from tests import factories
from tests.test_migrations import MIGRATIONS
from tests.test_migrations import empty_app as _empty_app  # noqa: F401 - a fixture

BEFORE = "0011_app_role"
claims_table = PreferenceClaim.__table__


def add(
    session: Session, listing: Any, number: int, answers: dict[str, Any], **fields: Any
) -> None:
    """An application written directly, its claims in the claims table as a submission
    before the migration wrote them (no veteran column yet: all false)."""
    application = Application(
        public_id=f"V{number:07d}",
        listing_id=listing.id,
        status=fields.get("status", ApplicationStatus.SUBMITTED),
        channel=ApplicationChannel.ONLINE,
        answers=answers,
        submitted_answers=fields.get("submitted", answers),
        lottery_number=str(30_000_000 + number),
        applicant_name=f"Person {number}",
        contact_email=f"person{number}@example.org",
        household_size=1,
        annual_income=Decimal(50_000),
        submitted_at=utcnow(),
    )
    session.add(application)
    session.flush()
    for code, claim in (answers.get("preferences") or {}).items():
        if claim.get("claimed") and fields.get("submitted", answers) is not None:
            session.add(
                PreferenceClaim(
                    application_id=application.id, preference_code=code, listing_id=listing.id
                )
            )


def answers_of(veteran: bool | None, **claims: dict[str, Any]) -> dict[str, Any]:
    applicant: dict[str, Any] = {"first_name": "Ana"}
    if veteran is not None:
        applicant["veteran"] = veteran
    return {"applicant": applicant, "preferences": claims}


APPLICATIONS = sa.table(
    "applications",
    sa.column("public_id", sa.String()),
    sa.column("answers", sa.JSON()),
    sa.column("submitted_answers", sa.JSON()),
)


def state() -> dict[str, Any]:
    """Each application's two copies of its answers, and its claims table rows."""
    with db.engine.connect() as connection:
        found: dict[str, Any] = {
            public_id: {"answers": answers, "submitted": submitted}
            for public_id, answers, submitted in connection.execute(
                sa.select(
                    APPLICATIONS.c.public_id,
                    APPLICATIONS.c.answers,
                    APPLICATIONS.c.submitted_answers,
                )
            )
        }
        columns = sa.inspect(connection).get_columns("application_preference_claims")
        if "veteran" in {column["name"] for column in columns}:
            for public_id, code, veteran in connection.execute(
                text(
                    "SELECT a.public_id, c.preference_code, c.veteran"
                    " FROM application_preference_claims c"
                    " JOIN applications a ON a.id = c.application_id"
                )
            ):
                found[public_id].setdefault("claims", {})[code] = bool(veteran)
    return found


def test_a_household_veteran_becomes_veteran_claims_of_the_preferences_with_veteran_lists(
    request,
):
    bare_app = request.getfixturevalue("_empty_app")
    claimed = {"claimed": True, "member": 0}
    with bare_app.app_context():
        upgrade(directory=MIGRATIONS, revision=BEFORE)
        upgrade(directory=MIGRATIONS)
        session = Session(bind=db.engine)
        factories.use_session(session)
        try:
            listing = factories.ListingFactory()
            for rank, (code, veteran_list) in enumerate((("COP", True), ("LW", False)), start=1):
                factories.ListingPreferenceFactory(
                    listing=listing,
                    rank=rank,
                    preference=factories.PreferenceFactory(code=code),
                    veterans_first=veteran_list,
                )
            # A veteran household claiming both; one claiming only LW; one not a veteran; a
            # draft; and one already answering per claim.
            add(session, listing, 1, answers_of(True, COP=claimed, LW=claimed))
            add(session, listing, 2, answers_of(True, COP={"claimed": False}, LW=claimed))
            add(session, listing, 3, answers_of(False, COP=claimed))
            add(
                session,
                listing,
                4,
                answers_of(True, COP=claimed),
                status=ApplicationStatus.DRAFT,
                submitted=None,
            )
            add(session, listing, 5, answers_of(None, COP={**claimed, "veteran": True}))
            session.commit()
        finally:
            factories.use_session(None)
            session.close()
        # Back to before the migration: the per-claim answer gives the household-wide one back.
        downgrade(directory=MIGRATIONS, revision=BEFORE)
        before = state()
        assert before["V0000005"]["submitted"]["applicant"]["veteran"] is True
        assert before["V0000005"]["submitted"]["preferences"]["COP"]["veteran"] is True
        assert before["V0000003"]["answers"]["applicant"]["veteran"] is False
        assert "claims" not in before["V0000001"]  # no veteran column before the migration
        upgrade(directory=MIGRATIONS)
        after = state()
        with db.engine.connect() as connection:
            assert connection.scalar(sa.select(sa.func.count()).select_from(claims_table)) == 5
    first = after["V0000001"]
    for copy in ("answers", "submitted"):
        assert first[copy]["preferences"]["COP"]["veteran"] is True  # COP has a veteran list
        assert "veteran" not in first[copy]["preferences"]["LW"]  # LW has none
        assert first[copy]["applicant"]["veteran"] is True  # the household's answer is kept
    assert first["claims"] == {"COP": True, "LW": False}
    assert after["V0000002"]["claims"] == {"LW": False}
    assert after["V0000002"]["submitted"]["applicant"]["veteran"] is True
    assert after["V0000003"]["claims"] == {"COP": False}
    assert "veteran" not in after["V0000003"]["submitted"]["preferences"]["COP"]
    assert after["V0000004"]["answers"]["preferences"]["COP"]["veteran"] is True  # a draft
    assert after["V0000004"]["submitted"] is None
    assert after["V0000005"]["claims"] == {"COP": True}
