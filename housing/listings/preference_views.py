"""Staff pages for the preference catalogue that listings choose from."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from housing.accounts.models import Role
from housing.accounts.permissions import require_roles
from housing.audit.services import record
from housing.extensions import db
from housing.i18n import gettext as _
from housing.listings.preferences import ListingPreference, Preference
from housing.listings.staff_forms import PreferenceForm, translation_fields

preference_catalogue = Blueprint(
    "preference_catalogue", __name__, url_prefix="/staff/preferences", template_folder="templates"
)


def _used(preference_id: int) -> int:
    query = (
        select(func.count())
        .select_from(ListingPreference)
        .where(ListingPreference.preference_id == preference_id)
    )
    return int(db.session.scalar(query) or 0)


@preference_catalogue.get("")
@require_roles(Role.STAFF)
def index() -> str:
    preferences = db.session.scalars(select(Preference).order_by(Preference.name)).all()
    return render_template(
        "staff/preferences/index.html",
        preferences=preferences,
        usage={p.id: _used(p.id) for p in preferences},
    )


def _apply(form: PreferenceForm, preference: Preference) -> None:
    preference.name = (form.name.data or "").strip()
    preference.description = (form.description.data or "").strip()
    preference.proof_types = [
        line.strip() for line in (form.proof_types.data or "").splitlines() if line.strip()
    ]
    translations: dict[str, dict[str, str]] = {}
    for locale, name, description in translation_fields(form):
        entry = {
            key: value.strip()
            for key, value in (("name", name.data or ""), ("description", description.data or ""))
            if value.strip()
        }
        if entry:
            translations[locale.code] = entry
    preference.translations = translations


def _fill(form: PreferenceForm, preference: Preference) -> None:
    form.code.data, form.name.data, form.description.data = (
        preference.code,
        preference.name,
        preference.description,
    )
    form.proof_types.data = "\n".join(preference.proof_types or [])
    for locale, name, description in translation_fields(form):
        entry = (preference.translations or {}).get(locale.code, {})
        name.data, description.data = entry.get("name", ""), entry.get("description", "")


def _code_taken(code: str, own_id: int | None) -> bool:
    existing = db.session.scalar(select(Preference.id).where(Preference.code == code))
    return existing is not None and existing != own_id


@preference_catalogue.route("/new", methods=["GET", "POST"])
@preference_catalogue.route("/<int:preference_id>", methods=["GET", "POST"])
@require_roles(Role.STAFF)
def edit(preference_id: int | None = None) -> str | Response | tuple[str, int]:
    preference = db.session.get(Preference, preference_id) if preference_id else None
    if preference_id and preference is None:
        abort(404)
    form = PreferenceForm()
    if request.method == "GET" and preference is not None:
        _fill(form, preference)
    used = _used(preference.id) if preference else 0
    if form.validate_on_submit():
        code = form.code.data or ""
        if _code_taken(code, preference.id if preference else None):
            form.code.errors = [_("Another preference already uses this code.")]
        elif preference is not None and used and code != preference.code:
            form.code.errors = [_("Listings use this preference, so its code cannot change.")]
        else:
            target = preference or Preference(code=code)
            target.code = code
            _apply(form, target)
            db.session.add(target)
            db.session.flush()
            record(
                db.session,
                current_user,
                "preference.saved",
                "preference",
                target.id,
                {"code": code},
            )
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("preference_catalogue.index"))
    status = 422 if request.method == "POST" else 200
    context: dict[str, Any] = {
        "form": form,
        "preference": preference,
        "used": used,
        "translations": translation_fields(form),
    }
    return render_template("staff/preferences/edit.html", **context), status
