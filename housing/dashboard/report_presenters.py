"""The staff report as tables: written into spreadsheets as numbers, and shown on the page with
the listing dashboard's charts (``presenters``), its numbers written the reader's way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from babel.lists import format_list

from housing.dashboard import presenters
from housing.dashboard.presenters import ChartView, share_text
from housing.dashboard.report import Figures, ListingRow, PreferenceRow, Report
from housing.dashboard.services import ListingTotals
from housing.exports.rows import Cell, guard
from housing.i18n import current_site_locale, format_number
from housing.i18n import gettext as _
from housing.listings.presenters import status_label
from housing.lottery.wording import veteran_list_name

# A bar chart this many listings long is still read; a longer one is left to its table.
MOST_CHART_LISTINGS = 30


@dataclass(frozen=True)
class ReportTable:
    """One table of the report with its figures as numbers; ``title`` names its sheet."""

    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...]

    def guarded_rows(self) -> list[tuple[Cell, ...]]:
        """Every row and the totals, with text a spreadsheet would run as a formula made plain
        (listing and preference names are typed by people)."""
        return [tuple(guard(cell) for cell in row) for row in (*self.rows, self.totals)]


@dataclass(frozen=True)
class Section:
    """A chart and its table on the page, with the legend of a chart of two series."""

    view: ChartView
    legend: tuple[str, ...] = ()


TABLE_KEYS = (
    "listings",
    "language",
    "channel",
    "preferences",
    "lease-up",
    "lease-up-statuses",
    "lease-up-listings",
)


def preference_name(row: PreferenceRow) -> str:
    name = row.code
    if row.preference is not None:
        name = row.preference.localized("name", current_site_locale().code)
    return veteran_list_name(name) if row.veteran else name


def _listings_table(listings: Sequence[ListingRow], totals: Figures) -> ReportTable:
    def numbers(figures: Figures) -> tuple[int, ...]:
        return (
            figures.submitted,
            figures.online,
            figures.paper,
            figures.possible_duplicates,
            figures.left_out,
            figures.eligible,
            figures.units,
        )

    return ReportTable(
        key="listings",
        title=_("Applications by listing"),
        headers=(
            _("Listing"),
            _("Status"),
            _("Submitted"),
            _("Online"),
            _("Paper"),
            _("Possible duplicates"),
            _("Left out as duplicates"),
            _("Eligible applications"),
            _("Units"),
        ),
        rows=tuple(
            (row.listing.name, status_label(row.listing.status), *numbers(row.figures))
            for row in listings
        ),
        totals=(_("All listings"), "", *numbers(totals)),
    )


def _count_table(
    key: str, title: str, category: str, pairs: Sequence[tuple[str, int]], everything: str
) -> ReportTable:
    return ReportTable(
        key=key,
        title=title,
        headers=(category, _("Applications")),
        rows=tuple(pairs),
        totals=(everything, sum(count for _label, count in pairs)),
    )


def _preferences_table(preferences: Sequence[PreferenceRow]) -> ReportTable:
    return ReportTable(
        key="preferences",
        title=_("Preference claims"),
        headers=(
            _("Preference"),
            _("Claims"),
            _("Confirmed"),
            _("Invalidated"),
            _("Not decided yet"),
        ),
        rows=tuple(
            (preference_name(row), row.claims, row.confirmed, row.invalidated, row.undecided)
            for row in preferences
        ),
        totals=(
            _("All claims"),
            *(
                sum(getattr(row, name) for row in preferences)
                for name in ("claims", "confirmed", "invalidated", "undecided")
            ),
        ),
    )


def _lease_up_listings_table(listings: Sequence[ListingRow], totals: Figures) -> ReportTable:
    return ReportTable(
        key="lease-up-listings",
        title=_("Lease-up by listing"),
        headers=(_("Listing"), _("Units"), _("Households in lease-up"), _("Leases signed")),
        rows=tuple(
            (
                row.listing.name,
                row.figures.units,
                row.figures.in_lease_up,
                row.figures.leases_signed,
            )
            for row in listings
        ),
        totals=(_("All listings"), totals.units, totals.in_lease_up, totals.leases_signed),
    )


def report_tables(report: Report) -> list[ReportTable]:
    """Every table of the report, in the page's order."""
    totals = report.totals
    status_text = presenters.lease_status_wording()
    return [
        _listings_table(report.listings, totals),
        _count_table(
            "language",
            _("Applications by language"),
            _("Language"),
            [(presenters.language_label(code), count) for code, count in report.languages],
            _("All languages"),
        ),
        _count_table(
            "channel",
            _("Online and on paper"),
            _("How they applied"),
            [(presenters.channel_label(channel), count) for channel, count in report.channels],
            _("All applications"),
        ),
        _preferences_table(report.preferences),
        ReportTable(
            key="lease-up",
            title=_("Lease-up stages"),
            headers=(_("Lease-up stage"), _("Households")),
            rows=tuple((status_text(status), count) for status, count in report.funnel),
            totals=(),
        ),
        ReportTable(
            key="lease-up-statuses",
            title=_("Lease-up statuses"),
            headers=(_("Lease-up status"), _("Households")),
            rows=tuple((status_text(status), count) for status, count in report.lease_statuses),
            totals=(_("All households"), sum(count for _status, count in report.lease_statuses)),
        ),
        _lease_up_listings_table(report.listings, totals),
    ]


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    return cell if isinstance(cell, str) else format_number(cell)


def _shown(table: ReportTable) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    return (
        tuple(tuple(_text(cell) for cell in row) for row in table.rows),
        tuple(_text(cell) for cell in table.totals),
    )


def _summary(texts: Sequence[str], empty: str) -> str:
    return str(format_list(list(texts), locale=current_site_locale().code)) if texts else empty


def _with_totals(view: ChartView, table: ReportTable) -> ChartView:
    """A dashboard chart of counts with the sum under its table (every share of it: 100%)."""
    total = sum(count for _label, count in table.rows if isinstance(count, int))
    return replace(
        view,
        totals=(_text(table.totals[0]), format_number(total), share_text(total, total)),
    )


def report_sections(report: Report, listing_link: Callable[[int], str]) -> list[Section]:
    """The report's charts and tables, for the page."""
    tables = {table.key: table for table in report_tables(report)}
    charted = report.listings[:MOST_CHART_LISTINGS]
    too_many = (
        (
            _(
                "The chart shows the first %(count)s listings; the table has every one.",
                count=format_number(MOST_CHART_LISTINGS),
            ),
        )
        if len(report.listings) > MOST_CHART_LISTINGS
        else ()
    )
    links = tuple(listing_link(row.listing.id) for row in report.listings)
    no_listings = _("No listings match these filters.")

    listings = tables["listings"]
    rows, totals = _shown(listings)
    overview = presenters.eligible_versus_units_chart(
        [
            ListingTotals(
                row.listing, row.figures.submitted, row.figures.left_out, row.figures.units
            )
            for row in charted
        ]
    )
    by_listing = ChartView(
        key="listings",
        title=listings.title,
        summary=overview.summary if report.listings else no_listings,
        chart=overview.chart if report.listings else None,
        headers=listings.headers,
        rows=rows,
        totals=totals,
        links=links,
        notes=(
            _(
                "Possible duplicates share a name and date of birth, an email address or a home address with another application to the same listing. Those left out are the ones staff found to be another application of a household whose kept application stays in the lottery."
            ),
            *too_many,
        ),
    )

    preferences = tables["preferences"]
    rows, totals = _shown(preferences)
    by_preference = ChartView(
        key="preferences",
        title=preferences.title,
        summary=_summary(
            [
                _(
                    "%(preference)s: %(claims)s claims, %(confirmed)s confirmed",
                    preference=str(name),
                    claims=format_number(int(claims or 0)),
                    confirmed=format_number(int(confirmed or 0)),
                )
                for name, claims, confirmed, *_rest in preferences.rows
            ],
            _("No preference claims yet."),
        ),
        chart=presenters.paired_bars(
            [
                (str(name), int(claims or 0), int(confirmed or 0))
                for name, claims, confirmed, *_rest in preferences.rows
            ]
        )
        if preferences.rows
        else None,
        headers=preferences.headers,
        rows=rows,
        totals=totals,
        notes=(
            _(
                "A claim made as a veteran is counted under its preference and again under its veteran list, where staff decide on the veteran status."
            ),
        ),
    )

    status_text = presenters.lease_status_wording()
    statuses = presenters.breakdown(
        "lease-up-statuses",
        tables["lease-up-statuses"].title,
        _("Lease-up status"),
        [(status_text(status), count) for status, count in report.lease_statuses],
    )
    if not report.lease_statuses:
        statuses = replace(statuses, summary=_("No household is in lease-up yet."))

    lease_up = tables["lease-up-listings"]
    rows, totals = _shown(lease_up)
    by_listing_lease_up = ChartView(
        key="lease-up-listings",
        title=lease_up.title,
        summary=_summary(
            [
                _(
                    "%(listing)s: %(signed)s leases signed for %(units)s units",
                    listing=row.listing.name,
                    signed=format_number(row.figures.leases_signed),
                    units=format_number(row.figures.units),
                )
                for row in charted
            ],
            no_listings,
        ),
        chart=presenters.paired_bars(
            [(row.listing.name, row.figures.leases_signed, row.figures.units) for row in charted]
        )
        if report.listings
        else None,
        headers=lease_up.headers,
        rows=rows,
        totals=totals,
        links=links,
        notes=too_many,
    )

    return [
        Section(by_listing, (_("Eligible applications"), _("Units"))),
        Section(_with_totals(presenters.language_chart(report.languages), tables["language"])),
        Section(_with_totals(presenters.channel_chart(report.channels), tables["channel"])),
        Section(by_preference, (_("Claims"), _("Confirmed"))),
        Section(
            presenters.funnel_chart(
                report.funnel, _("Lease-up has not started for these listings.")
            )
        ),
        Section(
            _with_totals(statuses, tables["lease-up-statuses"])
            if report.lease_statuses
            else statuses
        ),
        Section(by_listing_lease_up, (_("Leases signed"), _("Units"))),
    ]
