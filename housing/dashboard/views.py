"""Dashboard pages: read-only, for staff, auditors, and partners on their own listings."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.alerts import services as alert_services
from housing.dashboard import presenters, report, report_presenters, services
from housing.dashboard.forms import ReportFilterForm
from housing.db_types import utcnow
from housing.exports.writers import CsvWriter, TableWriter, XlsxWriter
from housing.extensions import db
from housing.listings.presenters import status_label

dashboard = Blueprint(
    "dashboard", __name__, url_prefix="/staff/dashboard", template_folder="templates"
)
READERS = (Role.STAFF, Role.AUDITOR, Role.PARTNER)
# The report covers every listing: for the city's staff, and auditors who read everything.
REPORT_READERS = (Role.STAFF, Role.AUDITOR)
DOWNLOAD_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dashboard.get("")
@require_roles(*READERS)
def index() -> str:
    totals = services.eligible_versus_units(db.session, current_user)
    return render_template(
        "dashboard/index.html",
        totals=totals,
        overview=presenters.eligible_versus_units_chart(totals),
        alert_counts=(
            alert_services.alert_counts(db.session)
            if current_user.role in (Role.STAFF, Role.AUDITOR)
            else None
        ),
    )


@dashboard.get("/listings/<int:listing_id>")
@require_roles(*READERS)
def listing(listing_id: int) -> str:
    try:
        found = services.visible_listing(db.session, current_user, listing_id)
    except services.ListingNotFound:
        abort(404)
    session = db.session
    sizes = services.by_household_size(session, listing_id)
    charts = [
        presenters.per_day_chart(
            services.applications_per_day(session, found, utcnow()), found.timezone
        ),
        presenters.language_chart(services.by_language(session, listing_id)),
        presenters.channel_chart(services.by_channel(session, listing_id)),
        presenters.household_chart(sizes),
        presenters.income_chart(
            services.by_income_band(session, found, [size for size, _count in sizes])
        ),
        presenters.funnel_chart(services.lease_up_funnel(session, listing_id)),
    ]
    return render_template(
        "dashboard/listing.html",
        listing=found,
        status_label=status_label,
        counts=services.status_counts(session, listing_id),
        charts=charts,
        ratio_text=presenters.ratio_text,
    )


class _ReportRequest:
    """The report the query string asks for. Filters that do not validate are all set aside
    (none is applied), and the page says why."""

    def __init__(self) -> None:
        self.form = ReportFilterForm(request.args)
        self.valid = self.form.validate()
        timezone = current_app.config["HOUSING"].default_timezone
        self.filters = (
            self.form.filters(timezone) if self.valid else report.ReportFilters(timezone=timezone)
        )
        self.report = report.staff_report(db.session, self.filters)

    def page(self) -> tuple[str, int]:
        chosen = self.form.chosen() if self.valid else {}
        return render_template(
            "dashboard/report.html",
            form=self.form,
            valid=self.valid,
            report=self.report,
            totals=self.report.totals,
            timezone=self.filters.timezone,
            sections=report_presenters.report_sections(
                self.report, lambda listing_id: url_for(".listing", listing_id=listing_id)
            ),
            workbook_url=url_for(".report_workbook", **chosen),
            table_urls={
                key: url_for(".report_table", table=key, **chosen)
                for key in report_presenters.TABLE_KEYS
            },
        ), (200 if self.valid else 422)


@dashboard.get("/report")
@require_roles(*REPORT_READERS)
def staff_report() -> tuple[str, int]:
    return _ReportRequest().page()


def _write(writer: TableWriter, tables: list[report_presenters.ReportTable]) -> None:
    for table in tables:
        writer.begin(table.title, table.headers)
        for row in table.guarded_rows():
            if row:
                writer.row(row)
    writer.finish()


def _download(content: BytesIO, file_format: str, name: str) -> Response:
    content.seek(0)
    response = send_file(
        content,
        mimetype=DOWNLOAD_TYPES[file_format],
        as_attachment=True,
        download_name=f"{name}-{utcnow():%Y%m%d-%H%M}.{file_format}",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@dashboard.get("/report/export.xlsx")
@require_roles(*REPORT_READERS)
def report_workbook() -> Response | tuple[str, int]:
    """Every table of the report, a sheet each."""
    asked = _ReportRequest()
    if not asked.valid:
        return asked.page()
    content = BytesIO()
    _write(XlsxWriter(content), report_presenters.report_tables(asked.report))
    return _download(content, "xlsx", "report")


@dashboard.get("/report/export.csv")
@require_roles(*REPORT_READERS)
def report_table() -> Response | tuple[str, int]:
    """One table of the report (``table``: its key), as CSV."""
    key = request.args.get("table", "")
    if key not in report_presenters.TABLE_KEYS:
        abort(404)
    asked = _ReportRequest()
    if not asked.valid:
        return asked.page()
    tables = [t for t in report_presenters.report_tables(asked.report) if t.key == key]
    content = BytesIO()
    _write(CsvWriter(content), tables)
    return _download(content, "csv", f"report-{key}")
