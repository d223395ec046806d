"""Staff pages for AMI charts: list, read, create from a pasted or uploaded table, version."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.extensions import db
from housing.forms import required
from housing.i18n import gettext as _
from housing.listings import ami_services
from housing.listings.ami import AmiChart
from housing.listings.management_forms import ActionForm
from housing.listings.staff_forms import ChartForm
from housing.listings.wording import chart_problem_text
from housing.routing import query_id

ami_charts = Blueprint(
    "ami_charts", __name__, url_prefix="/staff/ami-charts", template_folder="templates"
)


def _chart(chart_id: int) -> AmiChart:
    chart = db.session.get(AmiChart, chart_id)
    if chart is None:
        abort(404)
    return chart


@ami_charts.get("")
@require_roles(Role.STAFF, Role.AUDITOR)
def index() -> str:
    charts = db.session.scalars(
        select(AmiChart).order_by(AmiChart.year.desc(), AmiChart.name, AmiChart.version.desc())
    ).all()
    usage = {chart.id: ami_services.units_using(db.session, chart.id) for chart in charts}
    return render_template("staff/ami_charts/index.html", charts=charts, usage=usage)


@ami_charts.get("/<int:chart_id>")
@require_roles(Role.STAFF, Role.AUDITOR)
def detail(chart_id: int) -> str:
    chart = _chart(chart_id)
    return render_template(
        "staff/ami_charts/detail.html",
        chart=chart,
        limits=chart.income_limits(),
        sizes=ami_services.HOUSEHOLD_SIZES,
        in_use=ami_services.units_using(db.session, chart.id),
        action=ActionForm(),
    )


def _table_from(form: ChartForm) -> tuple[str | None, str | None]:
    """(table text, problem) from the upload if there is one, else from the text box."""
    upload = form.file.data
    if isinstance(upload, FileStorage) and upload.filename:
        data = upload.stream.read(ami_services.MAX_TABLE_BYTES + 1)
        if len(data) > ami_services.MAX_TABLE_BYTES:
            return None, _("The file is larger than 200 kB.")
        try:
            return data.decode("utf-8-sig"), None
        except UnicodeDecodeError:
            return None, _("The file is not a text (CSV) file in UTF-8.")
    return form.table.data or "", None


@ami_charts.route("/new", methods=["GET", "POST"])
@require_roles(Role.STAFF)
def create() -> str | Response | tuple[str, int]:
    form = ChartForm()
    problems: list[str] = []
    source_id = query_id("from") if request.method == "GET" else None
    if source_id is not None:
        source = _chart(source_id)
        form.name.data, form.chart_type.data, form.year.data = (
            source.name,
            source.chart_type,
            source.year,
        )
        form.table.data = ami_services.table_text(source)
    if form.validate_on_submit():
        text, upload_problem = _table_from(form)
        if upload_problem:
            problems = [upload_problem]
        else:
            parsed = ami_services.parse_chart_table(text or "")
            problems = [chart_problem_text(problem) for problem in parsed.problems]
            if not problems:
                chart = ami_services.create_chart(
                    db.session,
                    current_user,
                    name=(form.name.data or "").strip(),
                    chart_type=(form.chart_type.data or "").strip(),
                    year=required(form.year.data),
                    rows=parsed.rows,
                )
                db.session.commit()
                flash(_("Saved."), "success")
                return redirect(url_for("ami_charts.detail", chart_id=chart.id))
    status = 422 if request.method == "POST" else 200
    return render_template("staff/ami_charts/new.html", form=form, problems=problems), status


@ami_charts.post("/<int:chart_id>/delete")
@require_roles(Role.STAFF)
def delete(chart_id: int) -> Response:
    _chart(chart_id)
    if ActionForm().validate_on_submit():
        try:
            ami_services.delete_chart(db.session, current_user, chart_id)
        except ami_services.ChartInUse:
            flash(
                _("Listings use this chart, so it cannot be deleted. Make a new version instead."),
                "error",
            )
            return redirect(url_for("ami_charts.detail", chart_id=chart_id))
        db.session.commit()
        flash(_("The chart is deleted."), "success")
    return redirect(url_for("ami_charts.index"))
