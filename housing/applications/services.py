"""Starting, saving, submitting and withdrawing applications.

Every way in (the web form, the JSON API, staff entering a paper form) goes through
``submit_application``, so no path can skip a rule. Services flush; the caller commits once and
hands the recorded messages to delivery only after the commit.
"""

from __future__ import annotations

import copy
import io
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Executable,
    Insert,
    Select,
    String,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, make_transient_to_detached, selectinload
from sqlalchemy.orm.util import identity_key

from housing import uploads
from housing.accounts.models import User
from housing.applications import proofs
from housing.applications.duplicates import DuplicateRule, duplicate_keys
from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationVersion,
    DuplicateKey,
    PreferenceClaim,
)
from housing.applications.rules import (
    ListingRules,
    PreferenceRule,
    Problem,
    annual_income,
    check_application,
    check_draft,
    check_section,
)
from housing.db_types import AnySession, utcnow
from housing.i18n import DEFAULT_LOCALE, LOCALE_CODES
from housing.listings.models import CLOSED_STATUSES, Listing, ListingStatus, Unit
from housing.listings.preferences import ListingPreference
from housing.listings.services import senior_requirement, unit_terms
from housing.metrics import SUBMISSIONS
from housing.storage import Storage

PROOF_TYPES = frozenset({uploads.PDF, uploads.PNG, uploads.JPEG, uploads.WEBP})
# Statuses past which not even a paper application can be entered: the entrants are frozen.
FROZEN_STATUSES = CLOSED_STATUSES - {ListingStatus.CLOSED}
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread on the phone


class ApplicationNotFound(LookupError):
    """No such application, or not one the caller may see."""


class ListingUnavailable(Exception):
    """The listing does not take applications right now; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ApplicationRefused(Exception):
    """The application cannot be submitted as it is; each problem names a field and a rule."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__([f"{problem.field}:{problem.code}" for problem in problems])
        self.problems = list(problems)


class AnswersRefused(ApplicationRefused):
    """The answers cannot be kept even in a draft: a value is past its limit or of the wrong
    shape. Nothing was saved."""


class ApplicationLocked(Exception):
    """The application can no longer be changed (the deadline passed, or it was withdrawn)."""


class UnsentChanges(Exception):
    """Withdrawing would discard changes not submitted yet, and the applicant did not agree."""


class IdempotencyConflict(Exception):
    """An Idempotency-Key was sent again with a different application."""


@dataclass(frozen=True)
class Submission:
    application: Application
    # False when this call found the application already submitted (a retry, a double click).
    created: bool = True
    # A withdrawal discarded changes that had not been submitted.
    discarded_changes: bool = False


# Each listing's rules, kept per process: in a deadline rush every submission needs them, and
# reading a listing's units and preferences was a fifth of a submission's work. The key holds
# the listing's version, which every change to the listing, its units and its preferences
# raises (``management.record_change``), so such a change applies at once; the creation time
# tells apart a deleted listing's id used again. A change to the preference catalogue's proof
# types applies within RULES_SECONDS.
RULES_SECONDS = 5.0
_CACHED_RULES = 500
_RULES: dict[tuple[int, datetime | None, int], tuple[float, ListingRules]] = {}


def listing_rules(listing: Listing) -> ListingRules:
    key = (listing.id, listing.created_at, listing.version)
    now = time.monotonic()
    kept = _RULES.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    rules = read_listing_rules(listing)
    if listing.id is not None and listing.version is not None:
        if len(_RULES) >= _CACHED_RULES:
            _RULES.clear()
        _RULES[key] = (now + RULES_SECONDS, rules)
    return rules


def read_listing_rules(listing: Listing) -> ListingRules:
    return ListingRules(
        units=tuple(unit_terms(unit) for unit in listing.units),
        senior=senior_requirement(listing),
        preferences=tuple(
            PreferenceRule(
                choice.preference.code,
                tuple(choice.preference.proof_types or ()),
                veteran_list=bool(choice.veterans_first),
            )
            for choice in listing.preferences
        ),
    )


def local_date(listing: Listing, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(listing.timezone)).date()


def window_problem(
    listing: Listing,
    now: datetime,
    channel: ApplicationChannel,
    received_on: date | None = None,
) -> str | None:
    """Why the listing cannot take this application now, or None when it can."""
    if not listing.is_public(now):
        return "not_published"
    if channel is ApplicationChannel.PAPER:
        # A paper form counts from the day it arrived, and may be entered until the freeze.
        if listing.status in FROZEN_STATUSES:
            return "closed"
        if received_on is None:
            return "received_on_required"
        if received_on < local_date(listing, listing.application_open_at):
            return "received_before_open"
        if received_on > local_date(listing, listing.application_due_at):
            return "received_after_deadline"
        return None
    if listing.status in CLOSED_STATUSES:
        return "closed"
    if now < listing.application_open_at:
        return "not_open_yet"
    if now >= listing.application_due_at:
        return "deadline_passed"
    return None


def new_public_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


# What a submission reads of its listing: the window, the time zone, the key of its rules kept
# per process, and what its senior rule needs. The rest (the texts, their translations) is
# loaded only if something asks for it.
_SUBMISSION_COLUMNS = (
    Listing.id,
    Listing.status,
    Listing.publish_at,
    Listing.application_open_at,
    Listing.application_due_at,
    Listing.timezone,
    Listing.created_at,
    Listing.version,
    Listing.reserved_community,
    Listing.senior_minimum_age,
    Listing.senior_rule,
)


_SUBMISSION_LISTING = select(*_SUBMISSION_COLUMNS).where(Listing.id == bindparam("listing_id"))


def _submission_listing(session: AnySession, listing_id: int) -> Listing:
    """The listing with only what a submission reads, in one plain statement; anything else
    of it is read if and when something asks. Loading the whole row through the ORM (its
    texts and their translations among it) was the dearest statement of a submission."""
    kept = session.identity_map.get(identity_key(Listing, listing_id))
    if isinstance(kept, Listing):
        return kept
    row = session.connection().execute(_SUBMISSION_LISTING, {"listing_id": listing_id}).first()
    if row is None:
        _LISTINGS_SEEN.pop(listing_id, None)
        raise ListingUnavailable("not_published")
    values = dict(row._mapping)
    if len(_LISTINGS_SEEN) >= _CACHED_RULES:
        _LISTINGS_SEEN.clear()
    _LISTINGS_SEEN[listing_id] = values
    return _kept_by_session(session, values)


def _kept_by_session(session: AnySession, values: Mapping[str, Any]) -> Listing:
    listing = Listing(**values)
    # Kept by the session as if it had loaded it: the other columns are loaded when read.
    make_transient_to_detached(listing)
    session.add(listing)
    return listing


# What a submission last read of each listing, per process. In a deadline rush every
# submission needs it, and reading it took a round trip and a sixth of a submission's work; so
# a submission is checked against what was read last, and its application is written only if
# the listing's row still holds exactly that (``_application_with_its_rows``). Otherwise, and
# whenever such a submission would be refused, the row is read again and the submission
# checked against it: what was last read decides nothing the row itself would not.
_LISTINGS_SEEN: dict[int, dict[str, Any]] = {}


def _listing_as_seen(session: AnySession, listing_id: int) -> Listing | None:
    """The listing as a submission last read it in this process, kept by the session; None
    when none was read, when the session already holds the listing, or where the statement
    that writes the application cannot check the listing's row (SQLite)."""
    values = _LISTINGS_SEEN.get(listing_id)
    if values is None or session.identity_map.get(identity_key(Listing, listing_id)) is not None:
        return None
    if session.get_bind().dialect.name != "postgresql":
        return None
    return _kept_by_session(session, values)


class _ListingChanged(Exception):
    """The listing's row no longer holds what the submission was checked against."""


def _listing(session: AnySession, listing_id: int) -> Listing:
    """The listing, with its units and preferences in the same statement."""
    options = [
        joinedload(Listing.units).joinedload(Unit.ami_chart),
        joinedload(Listing.preferences).joinedload(ListingPreference.preference),
    ]
    listing = session.get(Listing, listing_id, options=options)
    if listing is None:
        raise ListingUnavailable("not_published")
    return listing


def _clean_language(language: str | None) -> str:
    return language if language in LOCALE_CODES else DEFAULT_LOCALE


def start_application(
    session: AnySession,
    listing_id: int,
    now: datetime,
    *,
    language: str,
    user: User | None = None,
    entered_by: User | None = None,
    received_on: date | None = None,
    copied_answers: Mapping[str, Any] | None = None,
) -> Application:
    """A new draft, or the draft or application this account already has for the listing.

    ``copied_answers`` (from ``reuse.copied_answers``) start a new draft of an account; they
    are checked again like any answers at each step and at submission."""
    listing = _listing(session, listing_id)
    channel = ApplicationChannel.PAPER if entered_by is not None else ApplicationChannel.ONLINE
    if user is not None:
        existing = own_application(session, listing_id, user)
        if existing is not None:
            return existing
    problem = window_problem(listing, now, channel, received_on)
    if problem is not None:
        raise ListingUnavailable(problem)
    application = Application(
        public_id=new_public_id(),
        listing=listing,
        user_id=user.id if user else None,
        entered_by_id=entered_by.id if entered_by else None,
        channel=channel,
        language=_clean_language(language),
        answers={"language": _clean_language(language)},
        received_on=received_on,
    )
    if user is not None:
        application.answers = {
            "language": application.language,
            "applicant": {"email": user.email},
            **copy.deepcopy(dict(copied_answers or {})),
        }
    session.add(application)
    session.flush()
    return application


def own_application(session: AnySession, listing_id: int, user: User) -> Application | None:
    """The application this account has for the listing, whatever its state."""
    return session.scalars(
        select(Application).where(
            Application.listing_id == listing_id, Application.user_id == user.id
        )
    ).first()


def get_application(session: AnySession, public_id: str, *, lock: bool = False) -> Application:
    query = select(Application).where(Application.public_id == public_id)
    if lock:
        # Locked rows are read afresh: another transaction may just have changed them.
        query = query.with_for_update().execution_options(populate_existing=True)
    application = session.scalars(query).first()
    if application is None:
        raise ApplicationNotFound(public_id)
    return application


def applications_of(session: AnySession, user: User) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(Application.user_id == user.id)
            .options(selectinload(Application.listing))
            .order_by(Application.created_at.desc())
        )
    )


def can_change(application: Application, now: datetime) -> bool:
    """Drafts change while the listing takes applications; submitted ones until the deadline.
    A paper draft set aside (``paper_drafts.discard``) never changes again."""
    if application.discarded_at is not None:
        return False
    listing = application.listing
    if application.channel is ApplicationChannel.PAPER:
        return listing.status not in FROZEN_STATUSES
    if application.status is ApplicationStatus.DRAFT:
        return window_problem(listing, now, application.channel) is None
    return now < listing.application_due_at and listing.status not in CLOSED_STATUSES


def save_answers(
    session: AnySession, public_id: str, values: Mapping[str, Any], now: datetime
) -> Application:
    """Merge one step's answers into the working copy. Incomplete answers are kept too, but
    not answers past the limits of a submission (``AnswersRefused``, and nothing changes)."""
    application = get_application(session, public_id, lock=True)
    if not can_change(application, now):
        raise ApplicationLocked(public_id)
    listing = application.listing
    problems = check_draft(
        {**(application.answers or {}), **values},
        listing_rules(listing),
        local_date(listing, now),
        parts=list(values),
    )
    if problems:
        raise AnswersRefused(problems)
    answers = copy.deepcopy(application.answers or {})
    answers.update(copy.deepcopy(dict(values)))
    application.answers = answers
    # A file uploaded for no application joins the one whose answers name it, and then lives
    # as long as it does; one that cannot is left for the submission to refuse.
    for _field, document_id in proofs.named_documents(values):
        proofs.claim_document(session, application, document_id)
    if "language" in values:
        application.language = _clean_language(values.get("language"))
    if application.status is ApplicationStatus.DRAFT:
        # Lets a resident who lost the link ask for it by email.
        you = answers.get("applicant") or {}
        email = you.get("email") if isinstance(you, Mapping) else None
        # A draft keeps whatever was typed, but a text column cannot hold a NUL character.
        application.contact_email = (
            email.replace("\x00", "")[:254] if isinstance(email, str) else ""
        )
    session.flush()
    return application


def section_problems(application: Application, section: str, now: datetime) -> list[Problem]:
    listing = application.listing
    return check_section(
        section, application.answers or {}, listing_rules(listing), local_date(listing, now)
    )


def all_problems(application: Application, now: datetime) -> list[Problem]:
    """What still stands between the working copy and a submission (shown on review)."""
    listing = application.listing
    problems = []
    window = window_problem(listing, now, application.channel, application.received_on)
    if window is not None:
        problems.append(Problem("listing", window))
    problems += check_application(
        application.answers or {}, listing_rules(listing), local_date(listing, now)
    )
    return problems


def _document_problems(
    session: AnySession, application: Application, answers: Mapping[str, Any]
) -> list[Problem]:
    """Each claimed proof (of the preference, and of the military service of a claim made as a
    veteran) must be a file uploaded for this application (or, from the API, uploaded to this
    listing and not yet claimed); claimed files are attached here."""
    return [
        Problem(field, "unknown_document")
        for field, document_id in proofs.named_documents(answers)
        if not proofs.claim_document(session, application, document_id)
    ]


def _lottery_number() -> str:
    return str(10_000_000 + secrets.randbelow(90_000_000))


def _new_lottery_number(session: AnySession, listing_id: int) -> str:
    """Eight digits, unique within the listing, drawn at random: the number says nothing about
    rank or submission order and plays no part in the draw (which uses the public id)."""
    table = Application.__table__
    # On the session's connection, without the ORM: no object is loaded, and none is flushed.
    connection = session.connection()
    while True:
        number = _lottery_number()
        taken = connection.execute(
            select(table.c.id).where(
                table.c.listing_id == listing_id, table.c.lottery_number == number
            )
        ).first()
        if taken is None:
            return number


_NEW_APPLICATION: dict[str, Insert] = {}


def _new_application_statement(dialect: str) -> Insert:
    """Writes an application and returns its id, or nothing when its lottery number is taken
    in its listing (the unique constraint decides, even against a transaction running at the
    same moment); any other conflict (the public id, the Idempotency-Key) still fails."""
    statement = _NEW_APPLICATION.get(dialect)
    if statement is None:
        table = Application.__table__
        upsert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        statement = upsert.on_conflict_do_nothing(
            index_elements=[table.c.listing_id, table.c.lottery_number]
        ).returning(table.c.id)
        _NEW_APPLICATION[dialect] = statement
    return statement


def _application_with_its_rows(*, as_seen: bool) -> Select[tuple[int | None, bool]]:
    """On PostgreSQL, one statement writes a new application and the rows that refer to it (its
    first version, its duplicate keys, its preference claims) and returns its id; when its
    lottery number is taken in its listing it writes nothing and returns no id, as
    ``_new_application_statement`` does. Each kind of row took a statement, a round trip and
    its share of the database's work of its own.

    ``as_seen``: the application is written only if the listing's row still holds the values
    the submission was checked against (the parameters named ``seen_`` and a column's name);
    the second value returned says whether it did."""
    applications = Application.__table__
    columns = [column for column in applications.columns if column.key != "id"]
    # Typed in the statement: a value that is NULL would otherwise be taken as text.
    row = select(
        *(cast(bindparam(column.key, type_=column.type), column.type) for column in columns)
    )
    unchanged: ColumnElement[bool] = true()
    if as_seen:
        listings = Listing.__table__
        unchanged = exists().where(
            listings.c.id == bindparam("seen_id", type_=listings.c.id.type),
            *(
                listings.c[column.key].is_not_distinct_from(
                    bindparam(f"seen_{column.key}", type_=listings.c[column.key].type)
                )
                for column in _SUBMISSION_COLUMNS
                if column.key != "id"
            ),
        )
        row = row.where(unchanged)
    written = (
        postgresql.insert(applications)
        .from_select([column.key for column in columns], row)
        .on_conflict_do_nothing(
            index_elements=[applications.c.listing_id, applications.c.lottery_number]
        )
        .returning(applications.c.id, applications.c.listing_id, applications.c.submitted_answers)
        .cte("written")
    )
    versions = ApplicationVersion.__table__
    version = (
        insert(versions)
        .from_select(
            ["application_id", "number", "action", "at", "actor_id", "answers"],
            select(
                written.c.id,
                bindparam("version_number", type_=versions.c.number.type),
                bindparam("version_action", type_=versions.c.action.type),
                bindparam("version_at", type_=versions.c.at.type),
                bindparam("version_actor_id", type_=versions.c.actor_id.type),
                # The version keeps the answers as submitted, read back from the row just
                # written rather than sent a second time.
                written.c.submitted_answers,
            ),
        )
        .cte("version")
    )
    keys = (
        func.unnest(
            bindparam("key_rules", type_=postgresql.ARRAY(String)),
            bindparam("key_matches", type_=postgresql.ARRAY(String)),
        )
        .table_valued("rule", "match_key")
        .render_derived()
    )
    duplicate_keys = (
        insert(DuplicateKey.__table__)
        .from_select(
            ["application_id", "listing_id", "rule", "match_key"],
            select(written.c.id, written.c.listing_id, keys.c.rule, keys.c.match_key).select_from(
                written.join(keys, true())
            ),
        )
        .cte("duplicate_keys")
    )
    claimed = (
        func.unnest(
            bindparam("claim_codes", type_=postgresql.ARRAY(String)),
            bindparam("claim_veterans", type_=postgresql.ARRAY(Boolean)),
        )
        .table_valued("preference_code", "veteran")
        .render_derived()
    )
    claims = (
        insert(PreferenceClaim.__table__)
        .from_select(
            ["application_id", "preference_code", "listing_id", "veteran"],
            select(
                written.c.id, claimed.c.preference_code, written.c.listing_id, claimed.c.veteran
            ).select_from(written.join(claimed, true())),
        )
        .cte("claims")
    )
    return select(
        select(written.c.id).scalar_subquery(), unchanged.label("listing_unchanged")
    ).add_cte(version, duplicate_keys, claims)


_WITH_ITS_ROWS = _application_with_its_rows(as_seen=False)
_WITH_ITS_ROWS_AS_SEEN = _application_with_its_rows(as_seen=True)


def _insert_application(
    session: AnySession,
    application: Application,
    version: dict[str, Any],
    *,
    listing_as_seen: Mapping[str, Any] | None = None,
) -> None:
    """Write a new application, settling its lottery number in the same statement, and the
    rows that refer to it (``version``: its first version's row, without the application's
    id); then keep it in the session as if the unit of work had written it: neither the unit
    of work's bookkeeping nor a separate look-up of the number is needed.

    ``listing_as_seen`` (PostgreSQL only): the listing's columns the application was checked
    against, read earlier than this transaction; ``_ListingChanged`` if its row no longer holds
    them, and then nothing is written."""
    table = Application.__table__
    moment = utcnow()
    # The columns' defaults, set here so that every attribute is loaded and none is read again.
    application.created_at = moment
    application.updated_at = moment
    application.listing_id = application.listing.id
    row = {
        column.key: getattr(application, column.key)
        for column in table.columns
        if column.key != "id"
    }
    for key, value in row.items():
        setattr(application, key, value)
    connection = session.connection()
    together = connection.dialect.name == "postgresql"
    statement: Executable
    if together:
        keys = list(duplicate_keys(application.submitted_answers or {}))
        claims = _preference_claims(application)
        parameters = {
            **row,
            "version_number": version["number"],
            "version_action": version["action"],
            "version_at": version["at"],
            "version_actor_id": version["actor_id"],
            "key_rules": [rule.value for rule, _key in keys],
            "key_matches": [key for _rule, key in keys],
            "claim_codes": [code for code, _veteran in claims],
            "claim_veterans": [veteran for _code, veteran in claims],
        }
        statement = _WITH_ITS_ROWS
        if listing_as_seen is not None:
            parameters.update({f"seen_{key}": value for key, value in listing_as_seen.items()})
            statement = _WITH_ITS_ROWS_AS_SEEN
    else:
        if listing_as_seen is not None:
            raise ValueError("only PostgreSQL checks the listing as it was seen")
        parameters = row
        statement = _new_application_statement(connection.dialect.name)
    written: int | None = None
    while written is None:
        parameters["lottery_number"] = _lottery_number()
        if together:
            result = connection.execute(statement, parameters).one()
            written, listing_unchanged = result[0], bool(result[1])
            if not listing_unchanged:
                raise _ListingChanged(application.listing_id)
        else:
            written = connection.execute(statement, parameters).scalar()
    application.lottery_number = parameters["lottery_number"]
    application.id = written
    make_transient_to_detached(application)
    session.add(application)
    if not together:
        _insert(session, ApplicationVersion, [{**version, "application_id": written}])
        _refresh_duplicate_keys(session, application, first=True)
        _refresh_preference_claims(session, application, first=True)


def _copy_columns(application: Application, answers: Mapping[str, Any]) -> None:
    you = answers.get("applicant") or {}
    application.applicant_name = " ".join(
        part for part in (you.get("first_name"), you.get("last_name")) if part
    )[:250]
    application.contact_email = "" if you.get("no_email") else str(you.get("email") or "")[:254]
    application.household_size = 1 + len(answers.get("household") or [])
    application.annual_income = annual_income(answers.get("income") or {})
    application.language = _clean_language(answers.get("language"))


def _record_version(
    session: AnySession,
    application: Application,
    action: str,
    actor: User | None,
    now: datetime,
    *,
    first: bool = False,
) -> None:
    count = 0
    if not first:
        count = (
            session.scalar(
                select(func.count())
                .select_from(ApplicationVersion)
                .where(ApplicationVersion.application_id == application.id)
            )
            or 0
        )
    row = _version_row(application, action, actor, now, number=count + 1)
    _insert(session, ApplicationVersion, [{**row, "application_id": application.id}])


def _version_row(
    application: Application, action: str, actor: User | None, now: datetime, *, number: int
) -> dict[str, Any]:
    """A version's row, but for the application's id."""
    return {
        "number": number,
        "action": action,
        "at": now,
        "actor_id": actor.id if actor else None,
        # Written out as JSON by the statement itself: no object keeps it.
        "answers": application.submitted_answers or application.answers,
    }


def _insert(session: AnySession, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Write rows that refer to an application already flushed, in one statement and without
    the unit of work: a submission writes several kinds, and the ORM's bookkeeping for objects
    nobody reads again was a third of its cost."""
    if rows:
        session.connection().execute(insert(model.__table__), rows)


def _refresh_duplicate_keys(
    session: AnySession, application: Application, *, first: bool = False
) -> None:
    if not first:
        session.execute(delete(DuplicateKey).where(DuplicateKey.application_id == application.id))
    _insert(
        session,
        DuplicateKey,
        [
            {
                "application_id": application.id,
                "listing_id": application.listing_id,
                "rule": rule,
                "match_key": key,
            }
            for rule, key in duplicate_keys(application.submitted_answers or {})
        ],
    )


def claimed_preferences(answers: Mapping[str, Any], *, as_veteran: bool = False) -> set[str]:
    """The preference codes the answers claim (``as_veteran``: only those claimed as a
    veteran)."""
    claims = answers.get("preferences")
    if not isinstance(claims, Mapping):
        return set()
    return {
        str(code)[:40]
        for code, claim in claims.items()
        if isinstance(claim, Mapping)
        and claim.get("claimed") is True
        and (not as_veteran or claim.get("veteran") is True)
    }


def _preference_claims(application: Application) -> list[tuple[str, bool]]:
    """Each preference the submitted answers claim, and whether as a veteran."""
    answers = application.submitted_answers or {}
    as_veteran = claimed_preferences(answers, as_veteran=True)
    return [(code, code in as_veteran) for code in sorted(claimed_preferences(answers))]


def _refresh_preference_claims(
    session: AnySession, application: Application, *, first: bool = False
) -> None:
    if not first:
        session.execute(
            delete(PreferenceClaim).where(PreferenceClaim.application_id == application.id)
        )
    _insert(
        session,
        PreferenceClaim,
        [
            {
                "application_id": application.id,
                "preference_code": code,
                "listing_id": application.listing_id,
                "veteran": veteran,
            }
            for code, veteran in _preference_claims(application)
        ],
    )


def submit_application(
    session: AnySession, public_id: str, now: datetime, *, actor: User | None = None
) -> Submission:
    """Check everything and submit (or submit the changes to) an application. Idempotent:
    submitting an unchanged submitted application again returns it as it is."""
    application = get_application(session, public_id, lock=True)
    if application.is_submitted and not application.has_unsubmitted_changes:
        return Submission(application, created=False)
    return _submit(session, application, now, actor)


def _submit(
    session: AnySession,
    application: Application,
    now: datetime,
    actor: User | None,
    *,
    listing_as_seen: Mapping[str, Any] | None = None,
) -> Submission:
    """Submit an application this transaction holds (locked, or just made by it).
    ``listing_as_seen``: see ``_insert_application``."""
    from housing.applications import outbox

    listing = application.listing
    problems: list[Problem] = []
    window = window_problem(listing, now, application.channel, application.received_on)
    if window is not None:
        problems.append(Problem("listing", window))
    if application.status is not ApplicationStatus.DRAFT and not can_change(application, now):
        problems.append(Problem("listing", "deadline_passed"))
    new = application.id is None and application not in session
    # A new application's answers are already its own copy (``submit_answers``), and nothing
    # edits them in place, so its submitted answers may be the same object.
    answers = application.answers if new else copy.deepcopy(application.answers or {})
    problems += check_application(answers, listing_rules(listing), local_date(listing, now))
    problems += _document_problems(session, application, answers)
    if problems:
        raise ApplicationRefused(problems)

    first_time = application.submitted_answers is None
    action = "submitted" if first_time else "edited"
    if application.status is ApplicationStatus.WITHDRAWN:
        action = "resubmitted"
    # What the message says: a resubmission may or may not bring changes.
    changed = not first_time and answers != application.submitted_answers
    application.submitted_answers = answers
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = application.submitted_at or now
    application.withdrawn_at = None
    _copy_columns(application, answers)
    if new:
        # The application's row and those that refer to it.
        version = _version_row(application, action, actor, now, number=1)
        _insert_application(session, application, version, listing_as_seen=listing_as_seen)
    else:
        if application.lottery_number is None:
            with session.no_autoflush:
                application.lottery_number = _new_lottery_number(session, listing.id)
        # The application's row in one statement, then everything that refers to it.
        session.flush()
        _record_version(session, application, action, actor, now, first=first_time)
        _refresh_duplicate_keys(session, application, first=first_time)
        _refresh_preference_claims(session, application, first=first_time)
    outbox.queue_submitted(session, application, action=action, changed=changed)
    session.flush()
    if first_time:
        SUBMISSIONS.labels(application.channel.value).inc()
    return Submission(application)


def request_digest(answers: Mapping[str, Any]) -> str:
    import hashlib
    import json

    canonical = json.dumps(answers, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_by_idempotency_key(
    session: AnySession, listing_id: int, key: str, digest: str
) -> Application | None:
    existing = session.scalars(
        select(Application).where(
            Application.listing_id == listing_id, Application.idempotency_key == key
        )
    ).first()
    if existing is not None and existing.request_digest != digest:
        raise IdempotencyConflict(key)
    return existing


def submit_answers(
    session: AnySession,
    listing_id: int,
    answers: Mapping[str, Any],
    now: datetime,
    *,
    idempotency_key: str | None = None,
) -> Submission:
    """Submit a whole application in one call (the API). With an Idempotency-Key, a retry
    returns the application the first call made instead of making another."""
    digest = None
    if idempotency_key:
        digest = request_digest(answers)
        existing = find_by_idempotency_key(session, listing_id, idempotency_key, digest)
        if existing is not None and existing.is_submitted:
            return Submission(existing, created=False)
    # An application that claims files is written before them by the unit of work, which
    # cannot check the listing's row as it writes: its listing is read first.
    claims_files = bool(proofs.named_documents(answers))
    seen = None if claims_files else _listing_as_seen(session, listing_id)
    if seen is None:
        listing = _submission_listing(session, listing_id)
    else:
        as_seen = _submission_values(seen)
        try:
            return _submit_new(
                session, seen, answers, now, idempotency_key, digest, listing_as_seen=as_seen
            )
        except (_ListingChanged, ListingUnavailable, ApplicationRefused) as error:
            # The row decides: read again, and refuse as before only if it still says the same.
            session.expunge(seen)
            listing = _submission_listing(session, listing_id)
            if not isinstance(error, _ListingChanged) and _submission_values(listing) == as_seen:
                raise
    return _submit_new(session, listing, answers, now, idempotency_key, digest)


def _submission_values(listing: Listing) -> dict[str, Any]:
    return {column.key: getattr(listing, column.key) for column in _SUBMISSION_COLUMNS}


def _submit_new(
    session: AnySession,
    listing: Listing,
    answers: Mapping[str, Any],
    now: datetime,
    idempotency_key: str | None,
    digest: str | None,
    *,
    listing_as_seen: Mapping[str, Any] | None = None,
) -> Submission:
    if not listing.is_public(now):
        raise ListingUnavailable("not_published")
    language = answers.get("language")
    application = Application(
        public_id=new_public_id(),
        listing=listing,
        channel=ApplicationChannel.ONLINE,
        language=_clean_language(language if isinstance(language, str) else None),
        answers=copy.deepcopy(dict(answers)),
        idempotency_key=idempotency_key or None,
        request_digest=digest,
    )
    if proofs.named_documents(answers):
        # The files it claims are attached by its id, so its row is written before they are.
        session.add(application)
    return _submit(session, application, now, None, listing_as_seen=listing_as_seen)


def withdraw_application(
    session: AnySession,
    public_id: str,
    now: datetime,
    *,
    actor: User | None = None,
    discard_changes: bool = False,
) -> Submission:
    """Withdraw a submitted application. Changes not submitted yet are discarded only with
    ``discard_changes`` (``UnsentChanges`` otherwise, and nothing changes): the applicant is
    asked first."""
    from housing.applications import outbox

    application = get_application(session, public_id, lock=True)
    if application.status is ApplicationStatus.WITHDRAWN:
        return Submission(application, created=False)
    if not application.is_submitted or not can_change(application, now):
        raise ApplicationLocked(public_id)
    discarded = application.has_unsubmitted_changes
    if discarded and not discard_changes:
        raise UnsentChanges(public_id)
    application.status = ApplicationStatus.WITHDRAWN
    application.withdrawn_at = now
    application.answers = copy.deepcopy(application.submitted_answers or {})
    _record_version(session, application, "withdrawn", actor, now)
    session.flush()
    outbox.queue_withdrawn(session, application, discarded_changes=discarded)
    return Submission(application, discarded_changes=discarded)


def store_proof(
    session: AnySession,
    storage: Storage,
    *,
    listing_id: int,
    application: Application | None,
    filename: str | None,
    stream: IO[bytes],
    quota: uploads.UploadQuota | None = None,
    sender: str | None = None,
) -> ApplicationDocument:
    """Keep an uploaded proof under a random name; its type comes from its bytes. With a
    ``quota``, the application (or, for none, the ``sender``) may hold no more than it allows:
    a file past it is refused before anything is stored."""
    data = uploads.read_limited(stream)
    content_type = uploads.checked_type(data, PROOF_TYPES)
    if quota is not None:
        proofs.ensure_room(session, quota, len(data), application=application, sender=sender)
    key = storage.save(io.BytesIO(data), suffix=uploads.SUFFIXES[content_type])
    document = ApplicationDocument(
        public_id=secrets.token_hex(16),
        listing_id=listing_id,
        application_id=application.id if application else None,
        original_filename=uploads.safe_filename(filename),
        storage_key=key,
        content_type=content_type,
        byte_size=len(data),
        sender=sender,
    )
    session.add(document)
    session.flush()
    return document


def get_document(
    session: AnySession, application: Application, document_public_id: str
) -> ApplicationDocument:
    document = session.scalars(
        select(ApplicationDocument).where(
            ApplicationDocument.public_id == document_public_id,
            ApplicationDocument.application_id == application.id,
        )
    ).first()
    if document is None:
        raise ApplicationNotFound(document_public_id)
    return document


@dataclass(frozen=True)
class FlaggedSet:
    rule: DuplicateRule
    key: str
    applications: list[Application]


def shared_duplicate_keys(listing_id: int) -> Select[DuplicateRule, str]:
    """The (rule, key) pairs that two or more submitted applications to a listing share: the
    one definition of a group of possible duplicates."""
    return (
        select(DuplicateKey.rule, DuplicateKey.match_key)
        .join(Application, Application.id == DuplicateKey.application_id)
        .where(
            DuplicateKey.listing_id == listing_id,
            Application.status == ApplicationStatus.SUBMITTED,
        )
        .group_by(DuplicateKey.rule, DuplicateKey.match_key)
        .having(func.count() > 1)
    )


def flagged_sets(session: AnySession, listing_id: int) -> list[FlaggedSet]:
    """Groups of submitted applications to a listing that share a duplicate key, each with its
    members in submission order; read in one statement, whatever the number of groups."""
    shared = shared_duplicate_keys(listing_id).subquery()
    rows = session.execute(
        select(DuplicateKey.rule, DuplicateKey.match_key, Application)
        .join(Application, Application.id == DuplicateKey.application_id)
        .join(
            shared,
            and_(shared.c.rule == DuplicateKey.rule, shared.c.match_key == DuplicateKey.match_key),
        )
        .where(
            DuplicateKey.listing_id == listing_id,
            Application.status == ApplicationStatus.SUBMITTED,
        )
        .order_by(
            DuplicateKey.rule,
            DuplicateKey.match_key,
            Application.submitted_at,
            Application.id,
        )
    ).all()
    sets: list[FlaggedSet] = []
    for rule, key, application in rows:
        if not sets or (sets[-1].rule, sets[-1].key) != (rule, key):
            sets.append(FlaggedSet(rule, key, []))
        sets[-1].applications.append(application)
    return sets


def listing_applications(
    session: AnySession, listing_id: int, *, limit: int = 200
) -> list[Application]:
    return list(
        session.scalars(
            select(Application)
            .where(
                Application.listing_id == listing_id,
                Application.status != ApplicationStatus.DRAFT,
            )
            .order_by(Application.submitted_at.desc(), Application.id.desc())
            .limit(limit)
        )
    )
