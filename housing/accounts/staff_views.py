"""Staff pages: accounts, roles, partner-to-listing assignments, and the activity log."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from housing.accounts import emails, services
from housing.accounts.addresses import account_email
from housing.accounts.hooks import assignable_listings
from housing.accounts.models import PartnerAssignment, Role, User
from housing.accounts.permissions import require_roles
from housing.accounts.staff_forms import EditUserForm, NewUserForm
from housing.audit.models import ActivityEntry
from housing.audit.services import record
from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import gettext as _
from housing.notifications.tasks import send_after_commit
from housing.routing import query_id

staff_accounts = Blueprint(
    "staff_accounts", __name__, url_prefix="/staff", template_folder="templates"
)
ACTIVITY_PAGE = 50


@staff_accounts.get("/users")
@require_roles(Role.STAFF)
def users() -> str:
    rows = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template("staff/users.html", users=rows)


@staff_accounts.route("/users/new", methods=["GET", "POST"])
@require_roles(Role.STAFF)
def new_user() -> str | Response:
    form = NewUserForm()
    if form.validate_on_submit():
        if services.find_user_by_email(db.session, form.email.data or "") is not None:
            form.email.errors = [_("An account with this email address already exists.")]
        else:
            user = User(
                email=account_email(form.email.data or ""),
                full_name=(form.full_name.data or "").strip(),
                role=Role(form.role.data),
                # Nobody knows this password: the person chooses their own from the emailed link.
                password_hash=services.passwords.hash_password(secrets.token_urlsafe(32)),
            )
            db.session.add(user)
            db.session.flush()
            emails.queue_password_link(db.session, user, new_account=True)
            record(
                db.session, current_user, "user.created", "user", user.id, {"role": user.role.value}
            )
            db.session.commit()
            send_after_commit()
            flash(_("Account created. We emailed a link to choose a password."), "success")
            return redirect(url_for("staff_accounts.edit_user", user_id=user.id))
    return render_template("staff/new_user.html", form=form)


@staff_accounts.route("/users/<int:user_id>", methods=["GET", "POST"])
@require_roles(Role.STAFF)
def edit_user(user_id: int) -> str | Response:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = EditUserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.role.data = user.role.value
    all_listings = assignable_listings(db.session)
    assigned = {a.listing_id for a in user.assignments}
    if form.validate_on_submit():
        if user.id == current_user.id and (
            form.role.data != Role.STAFF.value or form.disabled.data
        ):
            flash(_("You cannot remove your own staff access."), "error")
            return redirect(url_for("staff_accounts.edit_user", user_id=user_id))
        chosen = set(request.form.getlist("listing"))
        wanted = {listing.id for listing in all_listings if str(listing.id) in chosen}
        new_role = Role(form.role.data)
        if new_role is not Role.PARTNER:
            wanted = set()
        changes = {
            "role": [user.role.value, new_role.value],
            "disabled": bool(form.disabled.data),
            "assigned": sorted(wanted - assigned),
            "unassigned": sorted(assigned - wanted),
        }
        if new_role is not user.role or bool(form.disabled.data) != user.disabled:
            services.sign_out_everywhere(db.session, user)  # new rights apply from the next sign-in
        user.role = new_role
        user.disabled = bool(form.disabled.data)
        for assignment in list(user.assignments):
            if assignment.listing_id not in wanted:
                user.assignments.remove(assignment)
        for listing_id in sorted(wanted - assigned):
            user.assignments.append(PartnerAssignment(listing_id=listing_id))
        record(db.session, current_user, "user.updated", "user", user.id, changes)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("staff_accounts.edit_user", user_id=user_id))
    return render_template(
        "staff/edit_user.html", user=user, form=form, listings=all_listings, assigned=assigned
    )


@staff_accounts.get("/activity")
@require_roles(Role.STAFF, Role.AUDITOR)
def activity() -> str:
    """Who did what. Auditors see roles and actions, not names or free text."""
    before = query_id("before")
    query = select(ActivityEntry).order_by(ActivityEntry.id.desc()).limit(ACTIVITY_PAGE)
    if before is not None:
        query = query.where(ActivityEntry.id < before)
    entries = db.session.scalars(query).all()
    names: dict[int, str] = {}
    if current_user.role is Role.STAFF:
        ids = {entry.actor_id for entry in entries if entry.actor_id}
        rows = db.session.execute(select(User.id, User.email).where(User.id.in_(ids)))
        names = {row[0]: row[1] for row in rows}
    total = db.session.scalar(select(func.count()).select_from(ActivityEntry)) or 0
    return render_template(
        "staff/activity.html",
        entries=entries,
        names=names,
        show_detail=current_user.role is Role.STAFF,
        total=total,
        next_before=entries[-1].id if len(entries) == ACTIVITY_PAGE else None,
        now=utcnow(),
    )
