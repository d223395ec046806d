"""AMI charts from a pasted or uploaded table, checked before anything is written."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from sqlalchemy import func, select

from housing.accounts.models import User
from housing.audit.services import record
from housing.db_types import AnySession
from housing.listings.ami import AmiChart, AmiChartLimit
from housing.listings.models import Unit

HOUSEHOLD_SIZES = tuple(range(1, 9))
MAX_TABLE_BYTES = 200 * 1024


@dataclass(frozen=True)
class ChartProblem:
    """One thing wrong with the table: a code, the line it is on, and what to say about it."""

    code: str
    line: int | None = None
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class ParsedChart:
    rows: dict[int, tuple[Decimal, ...]] = field(default_factory=dict)
    problems: list[ChartProblem] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    """Tabs when pasted from a spreadsheet; otherwise CSV, where "75,400" must be quoted."""
    if "\t" in line:
        return [cell.strip() for cell in line.split("\t")]
    return [cell.strip() for cell in next(csv.reader([line]))]


def _amount(text: str) -> Decimal | None:
    cleaned = text.replace("$", "").replace(",", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def parse_chart_table(text: str) -> ParsedChart:
    """Read "AMI,1,2,...,8" then one row per AMI percentage; every problem is reported."""
    parsed = ParsedChart()
    lines = [
        (number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()
    ]
    if not lines:
        parsed.problems.append(ChartProblem("empty"))
        return parsed
    header_number, header = lines[0]
    sizes: list[int] = []
    for cell in _cells(header)[1:]:
        if not cell.isdigit():
            parsed.problems.append(ChartProblem("header", header_number))
            return parsed
        sizes.append(int(cell))
    for size in HOUSEHOLD_SIZES:
        if size not in sizes:
            parsed.problems.append(ChartProblem("missing_size", header_number, {"size": size}))
    for size in sizes:
        if size not in HOUSEHOLD_SIZES or sizes.count(size) > 1:
            parsed.problems.append(ChartProblem("extra_size", header_number, {"size": size}))
    if parsed.problems:
        return parsed
    for number, line in lines[1:]:
        cells = _cells(line)
        if len(cells) != len(sizes) + 1:
            parsed.problems.append(ChartProblem("columns", number, {"count": len(sizes) + 1}))
            continue
        percent_text = cells[0].rstrip("%").strip()
        if not percent_text.isdigit() or not 1 <= int(percent_text) <= 200:
            parsed.problems.append(ChartProblem("percent", number))
            continue
        percent = int(percent_text)
        if percent in parsed.rows:
            parsed.problems.append(ChartProblem("repeated", number, {"percent": percent}))
            continue
        amounts = {}
        for size, cell in zip(sizes, cells[1:], strict=True):
            amount = _amount(cell)
            if amount is None:
                parsed.problems.append(ChartProblem("number", number, {"size": size}))
            else:
                amounts[size] = amount
        if len(amounts) != len(sizes):
            continue
        row = tuple(amounts[size] for size in HOUSEHOLD_SIZES)
        for size in HOUSEHOLD_SIZES[1:]:
            if row[size - 1] <= row[size - 2]:
                parsed.problems.append(ChartProblem("not_increasing", number, {"size": size}))
        parsed.rows[percent] = row
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(ChartProblem("empty"))
    ordered = sorted(parsed.rows)
    for lower, higher in pairwise(ordered):
        for index, size in enumerate(HOUSEHOLD_SIZES):
            if parsed.rows[higher][index] < parsed.rows[lower][index]:
                parsed.problems.append(
                    ChartProblem(
                        "below_lower_percent",
                        None,
                        {"percent": higher, "lower": lower, "size": size},
                    )
                )
    return parsed


def table_text(chart: AmiChart) -> str:
    """The chart as a table to paste back in, for a new version."""
    limits = chart.income_limits()
    lines = ["AMI\t" + "\t".join(str(size) for size in HOUSEHOLD_SIZES)]
    for percent in chart.ami_percentages():
        lines.append(
            f"{percent}\t" + "\t".join(f"{limits[(percent, size)]:.0f}" for size in HOUSEHOLD_SIZES)
        )
    return "\n".join(lines)


def next_version(session: AnySession, name: str, year: int) -> int:
    current = session.scalar(
        select(func.max(AmiChart.version)).where(AmiChart.name == name, AmiChart.year == year)
    )
    return int(current or 0) + 1


def create_chart(
    session: AnySession,
    actor: User,
    *,
    name: str,
    chart_type: str,
    year: int,
    rows: dict[int, tuple[Decimal, ...]],
) -> AmiChart:
    chart = AmiChart(
        name=name, chart_type=chart_type, year=year, version=next_version(session, name, year)
    )
    for percent, incomes in sorted(rows.items()):
        for size, income in zip(HOUSEHOLD_SIZES, incomes, strict=True):
            chart.limits.append(
                AmiChartLimit(ami_percent=percent, household_size=size, annual_income=income)
            )
    session.add(chart)
    session.flush()
    record(
        session,
        actor,
        "ami_chart.created",
        "ami_chart",
        chart.id,
        {"name": name, "year": year, "version": chart.version},
    )
    return chart


def units_using(session: AnySession, chart_id: int) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Unit).where(Unit.ami_chart_id == chart_id))
        or 0
    )


class ChartInUse(Exception):
    """Listings rely on this chart; it can only be superseded by a new version."""


def delete_chart(session: AnySession, actor: User, chart_id: int) -> None:
    chart = session.get(AmiChart, chart_id)
    if chart is None:
        raise LookupError(chart_id)
    if units_using(session, chart_id):
        raise ChartInUse(chart_id)
    record(
        session,
        actor,
        "ami_chart.deleted",
        "ami_chart",
        chart_id,
        {"name": chart.name, "year": chart.year, "version": chart.version},
    )
    session.delete(chart)
