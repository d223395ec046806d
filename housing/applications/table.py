"""A listing's applications as its partners and staff work them: filters, search, sorts, and
keyset pages that cost the same on the last page as on the first.

A page is found from the row before it (its sort value and id), never by counting rows to skip,
so no page reads more than a page and one row. Every sort ends in the application's id, so
rows with the same value (two households of four) still have one fixed order. Rows with no
value for the sort (no rank in the published results) come after all the others, in id order:
the pages walk the rows that have a value, then the rows that have none.
"""

from __future__ import annotations

import base64
import binascii
import enum
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
)

from housing.applications.hooks import Ranking, ResultList
from housing.applications.models import (
    Application,
    ApplicationChannel,
    ApplicationStatus,
    DuplicateKey,
    PreferenceClaim,
)
from housing.applications.services import shared_duplicate_keys
from housing.db_types import AnySession
from housing.listings.eligibility import MissingIncomeLimit, annual_income_limit
from housing.listings.models import Listing
from housing.typed_numbers import typed_number

PAGE_SIZE = 50
# Counting every match would read every row; past this many, the page says "more than".
COUNT_LIMIT = 1_000
MAX_SEARCH = 100
# Where a listing has no AMI levels to band by: yearly income ranges, in dollars.
DOLLAR_BANDS = (0, 25_000, 50_000, 75_000, 100_000)
# Household-size choices; the largest means "this many or more".
LARGEST_SIZE_CHOICE = 8
NO_PREFERENCE = "none"
NO_INCOME = "none"
TABLE_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN)


class TableStatus(enum.StrEnum):
    """What the table's status filter chooses: a submitted application that staff left out of
    the lottery as a duplicate of another from its household is not counted as submitted."""

    SUBMITTED = "submitted"
    LEFT_OUT = "left_out"
    WITHDRAWN = "withdrawn"


class BadCursor(ValueError):
    """A page link that is damaged, made up, or made for another sort."""


@dataclass(frozen=True)
class Sort:
    name: str
    descending: bool
    # A sort by lottery rank exists only once results are published.
    needs_ranks: bool = False


SORTS: dict[str, Sort] = {
    sort.name: sort
    for sort in (
        Sort("newest", descending=True),
        Sort("oldest", descending=False),
        Sort("rank", descending=False, needs_ranks=True),
        Sort("name", descending=False),
        Sort("largest", descending=True),
        Sort("smallest", descending=False),
    )
}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class IncomeBand:
    """Household incomes in (lower, upper] of a listing's AMI levels, or of dollar amounts.

    ``kind`` is "ami" (bounds are AMI percentages, limits depend on household size), "dollars"
    or "none" (no income given)."""

    key: str
    kind: str
    lower: int | None
    upper: int | None


@dataclass(frozen=True)
class TableQuery:
    search: str = ""
    status: TableStatus | None = None
    preference: str | None = None
    household_size: int | None = None
    income_band: str | None = None
    channel: ApplicationChannel | None = None
    flagged: bool = False
    sort: str = DEFAULT_SORT
    after: str | None = None
    before: str | None = None

    @property
    def filtered(self) -> bool:
        return bool(
            self.search
            or self.status
            or self.preference
            or self.household_size
            or self.income_band
            or self.channel
            or self.flagged
        )


@dataclass(frozen=True)
class TableChoices:
    """What a listing's table can be filtered and sorted by."""

    # The result lists a preference filter chooses from (what the lottery publishes).
    lists: tuple[ResultList, ...]
    income_bands: tuple[IncomeBand, ...]
    # The published results' ranks, once there are some.
    ranking: Ranking | None = None
    # Application numbers staff left out of the lottery as duplicates.
    left_out: frozenset[str] = frozenset()

    @property
    def preference_codes(self) -> tuple[str, ...]:
        return tuple(chosen.code for chosen in self.lists)

    @property
    def sorts(self) -> list[str]:
        return [name for name, sort in SORTS.items() if not sort.needs_ranks or self.ranking]


@dataclass(frozen=True)
class Row:
    application: Application
    rank: int | None
    flagged: bool
    left_out: bool = False


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    # How many applications match, up to COUNT_LIMIT + 1 (meaning "more than COUNT_LIMIT").
    total: int
    next_cursor: str | None
    previous_cursor: str | None
    # Problems with the page link itself; the page shown is then the first.
    problems: list[str] = field(default_factory=list)


# Parsing the query string ----------------------------------------------------------------------


def parse_query(args: Mapping[str, str], choices: TableChoices) -> tuple[TableQuery, list[str]]:
    """The table's query from a query string, and a problem code for each value it ignored."""
    problems: list[str] = []
    # A text column cannot hold a NUL character, so no search can match one.
    search = " ".join(str(args.get("q", "")).replace("\x00", "").split())[:MAX_SEARCH]

    status = None
    raw_status = args.get("status", "")
    if raw_status:
        status = next((s for s in TableStatus if s.value == raw_status), None)
        if status is None:
            problems.append("status")

    preference = args.get("preference", "") or None
    if preference and preference != NO_PREFERENCE and preference not in choices.preference_codes:
        problems.append("preference")
        preference = None

    household_size = None
    raw_size = args.get("size", "").strip()
    if raw_size:
        if raw_size.isascii() and raw_size.isdigit() and 1 <= int(raw_size) <= 99:
            household_size = min(int(raw_size), LARGEST_SIZE_CHOICE)
        else:
            problems.append("size")

    income_band = args.get("income", "") or None
    if income_band and income_band not in {band.key for band in choices.income_bands}:
        problems.append("income")
        income_band = None

    channel = None
    raw_channel = args.get("channel", "")
    if raw_channel:
        channel = next((c for c in ApplicationChannel if c.value == raw_channel), None)
        if channel is None:
            problems.append("channel")

    flagged = args.get("flagged", "") in ("1", "y", "yes", "on")

    sort = args.get("sort", "") or DEFAULT_SORT
    if sort not in choices.sorts:
        problems.append("sort")
        sort = DEFAULT_SORT

    after = args.get("after", "") or None
    before = None if after else (args.get("before", "") or None)
    query = TableQuery(
        search=search,
        status=status,
        preference=preference,
        household_size=household_size,
        income_band=income_band,
        channel=channel,
        flagged=flagged,
        sort=sort,
        after=after,
        before=before,
    )
    return query, problems


def query_args(query: TableQuery, **changes: Any) -> dict[str, str]:
    """The query string of ``query`` (with ``changes``), without empty values."""
    query = replace(query, **changes)
    values = {
        "q": query.search,
        "status": query.status.value if query.status else "",
        "preference": query.preference or "",
        "size": str(query.household_size or ""),
        "income": query.income_band or "",
        "channel": query.channel.value if query.channel else "",
        "flagged": "1" if query.flagged else "",
        "sort": query.sort if query.sort != DEFAULT_SORT else "",
        "after": query.after or "",
        "before": query.before or "",
    }
    return {name: value for name, value in values.items() if value}


# Cursors -------------------------------------------------------------------------------------


def encode_cursor(sort: str, has_value: bool, value: Any, row_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, 1 if has_value else 0, value, row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[bool, Any, int]:
    """(whether the row had a value, the value, the id) of a cursor made for ``sort``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        made_for, has_value, value, row_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    if made_for != sort or has_value not in (0, 1) or type(row_id) is not int:
        raise BadCursor(cursor)
    if not -(2**63) < row_id < 2**63:
        raise BadCursor(cursor)
    if not has_value:
        return False, None, row_id
    if sort in ("newest", "oldest"):
        if not isinstance(value, str):
            raise BadCursor(cursor)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise BadCursor(cursor) from None
        if moment.tzinfo is None:
            raise BadCursor(cursor)  # a time with no zone is ambiguous
        try:
            moment = moment.astimezone(UTC)  # as the column stores it; fails out of range
        except OverflowError:
            raise BadCursor(cursor) from None
        return True, moment, row_id
    if sort == "name":
        if not isinstance(value, str) or "\x00" in value or len(value) > 250:
            raise BadCursor(cursor)
        return True, value, row_id
    if type(value) is not int or abs(value) > 2**31 - 1:
        raise BadCursor(cursor)
    return True, value, row_id


# Choices -------------------------------------------------------------------------------------


def table_choices(
    listing: Listing,
    *,
    lists: tuple[ResultList, ...] = (),
    ranking: Ranking | None = None,
    left_out: frozenset[str] = frozenset(),
) -> TableChoices:
    """The listing's choices, with what the lottery gives the table (``hooks.listing_lottery``):
    its result lists to filter by, its published ranks and who it leaves out as a duplicate."""
    return TableChoices(
        lists=lists, income_bands=income_bands(listing), ranking=ranking, left_out=left_out
    )


def ami_levels(listing: Listing) -> dict[int, Mapping[tuple[int, int], Decimal]]:
    """The listing's AMI percentages, each with the income limits of its (first) unit's chart."""
    levels: dict[int, Mapping[tuple[int, int], Decimal]] = {}
    for unit in sorted(listing.units, key=lambda unit: unit.id or 0):
        levels.setdefault(unit.ami_percent, unit.ami_chart.income_limits())
    return dict(sorted(levels.items()))


def income_bands(listing: Listing) -> tuple[IncomeBand, ...]:
    """Bands between the listing's AMI levels (up to the lowest, between each two, over the
    highest); dollar ranges when the listing has no units yet."""
    percents = list(ami_levels(listing))
    bands: list[IncomeBand] = []
    if percents:
        lower: int | None = None
        for percent in percents:
            bands.append(IncomeBand(f"ami-{percent}", "ami", lower, percent))
            lower = percent
        bands.append(IncomeBand("ami-over", "ami", lower, None))
    else:
        edges = [*DOLLAR_BANDS, None]
        for low, high in itertools.pairwise(edges):
            bands.append(IncomeBand(f"usd-{low}", "dollars", low, high))
    bands.append(IncomeBand(NO_INCOME, "none", None, None))
    return tuple(bands)


def _income_condition(
    session: AnySession, listing: Listing, band: IncomeBand
) -> ColumnElement[bool]:
    income = Application.annual_income
    if band.kind == "none":
        return income.is_(None)
    if band.kind == "dollars":
        parts = [income >= (band.lower or 0)]
        if band.upper is not None:
            parts.append(income < band.upper)
        return and_(*parts)
    # AMI limits depend on the household size: one condition per size the listing has seen.
    levels = ami_levels(listing)
    largest = session.scalar(
        select(func.max(Application.household_size)).where(Application.listing_id == listing.id)
    )
    per_size = []
    for size in range(1, max(largest or 1, 1) + 1):
        try:
            low = (
                annual_income_limit(levels[band.lower], band.lower, size)
                if band.lower is not None
                else None
            )
            high = (
                annual_income_limit(levels[band.upper], band.upper, size)
                if band.upper is not None
                else None
            )
        except MissingIncomeLimit:
            continue  # the chart has no limit for this size: its households fit no band
        parts = [Application.household_size == size]
        if low is not None:
            parts.append(income > low)
        if high is not None:
            parts.append(income <= high)
        per_size.append(and_(*parts))
    return or_(*per_size) if per_size else false()


# The query -----------------------------------------------------------------------------------


def flagged_condition() -> ColumnElement[bool]:
    """The application shares a duplicate key with another submitted application."""
    # Plain table aliases: ORM aliases cost more to build than the query takes to run.
    mine = DuplicateKey.__table__.alias("mine")
    other = DuplicateKey.__table__.alias("other")
    peer = Application.__table__.alias("peer")
    return and_(
        Application.status == ApplicationStatus.SUBMITTED,
        exists(
            select(1)
            .select_from(mine)
            .join(
                other,
                and_(
                    other.c.listing_id == mine.c.listing_id,
                    other.c.rule == mine.c.rule,
                    other.c.match_key == mine.c.match_key,
                    other.c.application_id != mine.c.application_id,
                ),
            )
            .join(peer, peer.c.id == other.c.application_id)
            .where(
                mine.c.application_id == Application.id,
                peer.c.status == ApplicationStatus.SUBMITTED,
            )
        ),
    )


def _search_condition(session: AnySession, listing_id: int, term: str) -> ColumnElement[bool]:
    """An application or lottery number, as typed (in groups, in small letters), finds that
    application alone (through its unique index); any other text is looked for in names and
    email addresses."""
    number = typed_number(term)
    exact = or_(Application.public_id == number, Application.lottery_number == number)
    found = session.scalar(
        select(Application.id).where(Application.listing_id == listing_id, exact).limit(1)
    )
    if found is not None:
        return exact
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(
        func.lower(Application.applicant_name).like(pattern, escape="\\"),
        func.lower(Application.contact_email).like(pattern, escape="\\"),
    )


def filter_conditions(
    session: AnySession, listing: Listing, query: TableQuery, choices: TableChoices
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Application.listing_id == listing.id,
        Application.status.in_(TABLE_STATUSES),
    ]
    if query.search:
        conditions.append(_search_condition(session, listing.id, query.search))
    if query.status is TableStatus.WITHDRAWN:
        conditions.append(Application.status == ApplicationStatus.WITHDRAWN)
    elif query.status is TableStatus.SUBMITTED:
        conditions.append(Application.status == ApplicationStatus.SUBMITTED)
        if choices.left_out:
            conditions.append(Application.public_id.not_in(sorted(choices.left_out)))
    elif query.status is TableStatus.LEFT_OUT:
        conditions.append(Application.status == ApplicationStatus.SUBMITTED)
        conditions.append(
            Application.public_id.in_(sorted(choices.left_out)) if choices.left_out else false()
        )
    if query.preference == NO_PREFERENCE:
        conditions.append(~exists().where(PreferenceClaim.application_id == Application.id))
    elif query.preference:
        chosen = next(item for item in choices.lists if item.code == query.preference)
        claimed = [
            PreferenceClaim.application_id == Application.id,
            PreferenceClaim.preference_code == chosen.preference,
        ]
        if chosen.veteran:
            # A veteran list: the claims of its preference made as a veteran.
            claimed.append(PreferenceClaim.veteran.is_(True))
        conditions.append(exists().where(*claimed))
    if query.household_size:
        if query.household_size >= LARGEST_SIZE_CHOICE:
            conditions.append(Application.household_size >= LARGEST_SIZE_CHOICE)
        else:
            conditions.append(Application.household_size == query.household_size)
    if query.income_band:
        band = next(b for b in choices.income_bands if b.key == query.income_band)
        conditions.append(_income_condition(session, listing, band))
    if query.channel:
        conditions.append(Application.channel == query.channel)
    if query.flagged:
        conditions.append(flagged_condition())
    return conditions


@dataclass(frozen=True)
class _Order:
    key: Any  # the sorted column
    tie: Any  # the id column that breaks ties in it
    descending: bool


def _order_of(sort: Sort, ranking: Ranking | None) -> _Order:
    if sort.name in ("newest", "oldest"):
        return _Order(Application.submitted_at, Application.id, sort.descending)
    if sort.name == "name":
        return _Order(Application.applicant_name, Application.id, sort.descending)
    if sort.name == "rank":
        if ranking is None:
            raise ValueError("the rank sort needs the published ranks")
        # Ranks are unique in a run; the rank row's own id column lets its index do the work.
        ranks = ranking.rows.c
        return _Order(ranks.rank, ranks.application_id, sort.descending)
    return _Order(Application.household_size, Application.id, sort.descending)


def _segment(
    session: AnySession,
    base: Select[Any],
    order: _Order,
    has_value: bool,
    bound: tuple[Any, int] | None,
    forward: bool,
    limit: int,
) -> list[Any]:
    """Up to ``limit`` rows of one segment (rows with a value, or without), past ``bound``."""
    ascending = order.descending != forward  # read backwards to page back
    if has_value:
        statement = base.where(order.key.is_not(None))
        if bound is not None:
            position = tuple_(order.key, order.tie)
            edge = tuple_(literal(bound[0], order.key.type), literal(bound[1], order.tie.type))
            statement = statement.where(position > edge if ascending else position < edge)
        columns: tuple[Any, ...] = (order.key, order.tie)
    else:
        statement = base.where(order.key.is_(None))
        if bound is not None:
            statement = statement.where(
                Application.id > bound[1] if ascending else Application.id < bound[1]
            )
        columns = (Application.id,)
    statement = statement.order_by(
        *(column.asc() if ascending else column.desc() for column in columns)
    ).limit(limit)
    return list(session.execute(statement).all())


def _read(
    session: AnySession,
    base: Select[Any],
    order: _Order,
    cursor: tuple[bool, Any, int] | None,
    forward: bool,
    limit: int,
) -> list[Any]:
    """Up to ``limit`` rows in page order after (or, backwards, before) the cursor."""
    # Segments in reading order: forwards, valued rows then rows without a value.
    segments = [True, False] if forward else [False, True]
    if cursor is not None:
        start = segments.index(cursor[0])
        segments = segments[start:]
    found: list[Any] = []
    for index, has_value in enumerate(segments):
        bound = None
        if index == 0 and cursor is not None:
            bound = (cursor[1], cursor[2])
        found += _segment(session, base, order, has_value, bound, forward, limit - len(found))
        if len(found) >= limit:
            break
    return found


def _cursor_of(sort: Sort, row: Any) -> str:
    value = row.sort_value
    return encode_cursor(sort.name, value is not None, value, row.Application.id)


def applications_page(
    session: AnySession,
    listing: Listing,
    query: TableQuery,
    choices: TableChoices,
    *,
    page_size: int = PAGE_SIZE,
) -> Page:
    """One page of the listing's submitted and withdrawn applications."""
    sort = SORTS[query.sort]
    order = _order_of(sort, choices.ranking)
    problems: list[str] = []
    conditions = filter_conditions(session, listing, query, choices)
    base = select(Application, order.key.label("sort_value")).where(*conditions)
    if sort.needs_ranks and choices.ranking is not None:
        ranks = choices.ranking.rows
        base = base.outerjoin(ranks, ranks.c.application_id == Application.id)
    cursor: tuple[bool, Any, int] | None = None
    forward = query.before is None
    raw_cursor = query.after or query.before
    if raw_cursor:
        try:
            cursor = decode_cursor(raw_cursor, sort.name)
        except BadCursor:
            problems.append("cursor")
            forward = True

    rows = _read(session, base, order, cursor, forward, page_size + 1)
    if (not forward and len(rows) <= page_size) or (cursor is not None and not rows):
        # Back at the start, or past the end of a link made earlier: show the first page.
        cursor, forward = None, True
        rows = _read(session, base, order, None, True, page_size + 1)

    more = len(rows) > page_size
    rows = rows[:page_size]
    if not forward:
        rows.reverse()
    has_next = more if forward else True
    has_previous = cursor is not None if forward else more
    matches = select(Application.id).where(*conditions).limit(COUNT_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(matches)) or 0
    applications = [row.Application for row in rows]
    return Page(
        rows=_decorate(session, applications, choices.ranking, choices.left_out),
        total=total,
        next_cursor=_cursor_of(sort, rows[-1]) if rows and has_next else None,
        previous_cursor=_cursor_of(sort, rows[0]) if rows and has_previous else None,
        problems=problems,
    )


def _decorate(
    session: AnySession,
    applications: Sequence[Application],
    ranking: Ranking | None,
    left_out: frozenset[str] = frozenset(),
) -> list[Row]:
    """Each row's rank, duplicate flag and whether it is left out as a duplicate, read for
    the page's rows only."""
    ids = [application.id for application in applications]
    ranks: dict[int, int] = {}
    if ranking is not None and ids:
        rows = ranking.rows.c
        ranks = dict(
            session.execute(
                select(rows.application_id, rows.rank).where(rows.application_id.in_(ids))
            ).all()
        )
    flagged: set[int] = set()
    if ids:
        flagged = set(
            session.scalars(
                select(Application.id).where(Application.id.in_(ids), flagged_condition())
            )
        )
    return [
        Row(
            application,
            ranks.get(application.id),
            application.id in flagged,
            application.status is ApplicationStatus.SUBMITTED and application.public_id in left_out,
        )
        for application in applications
    ]


def flagged_group_count(session: AnySession, listing_id: int) -> int:
    """How many groups of submitted applications share a duplicate key."""
    groups = shared_duplicate_keys(listing_id).subquery()
    return session.scalar(select(func.count()).select_from(groups)) or 0
