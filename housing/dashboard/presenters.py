"""The dashboard's numbers as charts and tables in the reader's language."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale

from housing.dashboard import charts
from housing.dashboard.services import DaySeries, IncomeBands, ListingTotals
from housing.i18n import DEFAULT_LOCALE, current_site_locale, format_money, format_number, ngettext
from housing.i18n import gettext as _
from housing.listings.presenters import status_label

WORDING_PROVIDER = "housing.leaseup.wording"


@dataclass(frozen=True)
class ChartView:
    """One chart, its text alternative and its numbers as a table."""

    key: str
    title: str
    summary: str
    chart: charts.BarChart | charts.ColumnChart | None
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = field(default=())
    # A last row summing the others (a table's footer), and where each row's label links to.
    totals: tuple[str, ...] = field(default=())
    links: tuple[str | None, ...] = field(default=())


def _locale() -> Locale:
    return get_locale() or Locale.parse(DEFAULT_LOCALE)


def _rtl() -> bool:
    return current_site_locale().rtl


def share_text(part: int, whole: int) -> str:
    if whole == 0:
        return ""
    return str(format_percent(Decimal(part) / whole, locale=_locale()))


def ratio_text(part: int, whole: int) -> str:
    if whole == 0:
        return _("No units")
    ratio = (Decimal(part) / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return str(format_decimal(ratio, format="#,##0.0", locale=_locale()))


def _pairs_summary(pairs: Sequence[tuple[str, int]]) -> str:
    if not any(count for _label, count in pairs):
        return _("No applications yet.")
    return str(
        format_list(
            [
                _("%(label)s: %(count)s", label=label, count=format_number(count))
                for label, count in pairs
            ],
            locale=_locale(),
        )
    )


def breakdown(
    key: str, title: str, category: str, pairs: Sequence[tuple[str, int]], notes: Sequence[str] = ()
) -> ChartView:
    """A one-series bar chart of applications per category, with each category's share."""
    total = sum(count for _label, count in pairs)
    chart = charts.bar_chart(
        [(label, [(count, format_number(count))]) for label, count in pairs], rtl=_rtl()
    )
    return ChartView(
        key=key,
        title=title,
        summary=_pairs_summary(pairs),
        chart=None if chart.is_empty else chart,
        headers=(category, _("Applications"), _("Share")),
        rows=tuple(
            (label, format_number(count), share_text(count, total)) for label, count in pairs
        ),
        notes=tuple(notes),
    )


def language_label(code: str) -> str:
    try:
        name = Locale.parse(code).get_display_name(_locale())
    except (ValueError, UnknownLocaleError):
        name = None
    return name or code


def channel_label(channel: str) -> str:
    return {"online": _("Online"), "paper": _("Paper")}.get(channel, channel)


def household_label(size: int | None) -> str:
    if size is None:
        return _("Size not given")
    return ngettext("%(count)s person", "%(count)s people", size, count=format_number(size))


def per_day_chart(series: DaySeries, timezone: str) -> ChartView:
    locale = _locale()
    values = [count for _day, count in series.days]
    axis_texts = [str(format_skeleton("MMMd", day, locale=locale)) for day, _count in series.days]
    ticks = charts.axis_ticks(max(values, default=0))
    chart = charts.column_chart(
        values, axis_texts, {tick: format_number(tick) for tick in ticks}, rtl=_rtl()
    )
    notes = [_("Days are counted in the listing's time zone, %(zone)s.", zone=timezone)]
    if series.earlier:
        notes.append(
            ngettext(
                "%(count)s application came in before the first day shown.",
                "%(count)s applications came in before the first day shown.",
                series.earlier,
                count=format_number(series.earlier),
            )
        )
    if series.after_deadline:
        notes.append(
            ngettext(
                "%(count)s application was recorded after the deadline, such as a paper application entered later.",
                "%(count)s applications were recorded after the deadline, such as paper applications entered later.",
                series.after_deadline,
                count=format_number(series.after_deadline),
            )
        )
    return ChartView(
        key="per-day",
        title=_("Applications per day"),
        summary=_day_summary(series),
        chart=chart,
        headers=(_("Day"), _("Applications")),
        rows=tuple(
            (str(format_date(day, "medium", locale=locale)), format_number(count))
            for day, count in series.days
        ),
        notes=tuple(notes),
    )


def _day_text(day: date) -> str:
    return str(format_date(day, "long", locale=_locale()))


def _day_summary(series: DaySeries) -> str:
    in_days = sum(count for _day, count in series.days)
    if not series.days or in_days == 0:
        return _("No applications yet.")
    first, last = series.days[0][0], series.days[-1][0]
    busiest_day, busiest = max(series.days, key=lambda item: (item[1], -item[0].toordinal()))
    return " ".join(
        (
            ngettext(
                "%(count)s application from %(first)s to %(last)s.",
                "%(count)s applications from %(first)s to %(last)s.",
                in_days,
                count=format_number(in_days),
                first=_day_text(first),
                last=_day_text(last),
            ),
            ngettext(
                "The busiest day was %(day)s, with %(count)s application.",
                "The busiest day was %(day)s, with %(count)s applications.",
                busiest,
                count=format_number(busiest),
                day=_day_text(busiest_day),
            ),
        )
    )


def _percent_text(percent: int) -> str:
    return str(format_percent(Decimal(percent) / 100, locale=_locale()))


def income_chart(bands: IncomeBands) -> ChartView:
    labels: list[str] = []
    if bands.chart is not None:
        edges = [_percent_text(edge) for edge in bands.edges]
        labels.append(_("Up to %(limit)s of AMI", limit=edges[0]))
        labels += [
            _("%(low)s to %(high)s of AMI", low=low, high=high) for low, high in pairwise(edges)
        ]
        labels.append(_("Over %(limit)s of AMI", limit=edges[-1]))
        note = _(
            "Each household's yearly income is compared with the income limits of the chart “%(chart)s” (%(year)s) for a household of its size.",
            chart=bands.chart.name,
            year=str(bands.chart.year),
        )
    else:
        amounts = [format_money(edge) for edge in bands.edges]
        labels.append(_("Up to %(amount)s a year", amount=amounts[0]))
        labels += [
            _("%(low)s to %(high)s a year", low=low, high=high) for low, high in pairwise(amounts)
        ]
        note = _(
            "This listing has no AMI chart with limits for these household sizes, so incomes are shown in yearly ranges."
        )
    pairs = list(zip(labels, bands.counts, strict=True))
    if bands.not_given:
        pairs.append((_("Income or household size not given"), bands.not_given))
    return breakdown(
        "income", _("Applications by yearly income"), _("Income band"), pairs, notes=[note]
    )


def lease_status_wording() -> Callable[[str], str]:
    try:
        wording = importlib.import_module(WORDING_PROVIDER)
    except ModuleNotFoundError as missing:
        if missing.name and WORDING_PROVIDER.startswith(missing.name):
            return str
        raise
    text: Callable[[str], str] | None = getattr(wording, "status_text", None)
    return text or str


def funnel_chart(steps: Sequence[tuple[str, int]], not_started: str | None = None) -> ChartView:
    """Households that reached each lease-up stage, or went beyond it, in funnel order."""
    label = lease_status_wording()
    pairs = [(str(label(status)), count) for status, count in steps]
    if not any(count for _label, count in pairs):
        return ChartView(
            key="lease-up",
            title=_("Lease-up"),
            summary=not_started or _("Lease-up has not started for this listing."),
            chart=None,
            headers=(),
            rows=(),
        )
    first = pairs[0][1]
    return ChartView(
        key="lease-up",
        title=_("Lease-up"),
        summary=_pairs_summary(pairs),
        chart=charts.bar_chart(
            [(text, [(count, format_number(count))]) for text, count in pairs], rtl=_rtl()
        ),
        headers=(_("Lease-up stage"), _("Households"), _("Share of the first stage")),
        rows=tuple((text, format_number(count), share_text(count, first)) for text, count in pairs),
        notes=(_("Each stage counts the households that reached it or went beyond it."),),
    )


def paired_bars(rows: Sequence[tuple[str, int, int]]) -> charts.BarChart:
    """Two bars a row, such as a listing's eligible applications and its units."""
    return charts.bar_chart(
        [
            (label, [(first, format_number(first)), (second, format_number(second))])
            for label, first, second in rows
        ],
        rtl=_rtl(),
    )


def eligible_versus_units_chart(totals: Sequence[ListingTotals]) -> ChartView:
    chart = paired_bars([(row.listing.name, row.eligible, row.units) for row in totals])
    summary = (
        str(
            format_list(
                [
                    _(
                        "%(listing)s: %(eligible)s eligible applications for %(units)s units",
                        listing=row.listing.name,
                        eligible=format_number(row.eligible),
                        units=format_number(row.units),
                    )
                    for row in totals
                ],
                locale=_locale(),
            )
        )
        if totals
        else _("No published listings yet.")
    )
    return ChartView(
        key="eligible-units",
        title=_("Eligible applications and units, by listing"),
        summary=summary,
        chart=chart if totals else None,
        headers=(
            _("Listing"),
            _("Status"),
            _("Eligible applications"),
            _("Units"),
            _("Eligible applications per unit"),
        ),
        rows=tuple(
            (
                row.listing.name,
                status_label(row.listing.status),
                format_number(row.eligible),
                format_number(row.units),
                ratio_text(row.eligible, row.units),
            )
            for row in totals
        ),
    )


def language_chart(pairs: Sequence[tuple[str, int]]) -> ChartView:
    return breakdown(
        "language",
        _("Applications by language"),
        _("Language"),
        [(language_label(code), count) for code, count in pairs],
    )


def channel_chart(pairs: Sequence[tuple[str, int]]) -> ChartView:
    return breakdown(
        "channel",
        _("Applications online and on paper"),
        _("How they applied"),
        [(channel_label(channel), count) for channel, count in pairs],
    )


def household_chart(pairs: Sequence[tuple[int | None, int]]) -> ChartView:
    return breakdown(
        "household-size",
        _("Applications by household size"),
        _("Household size"),
        [(household_label(size), count) for size, count in pairs],
    )
