"""Who may do what, decided in one place.

Views ask these functions; services scope their queries with them, so hiding a link in a
template is never the only protection.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import Select, select

from housing.accounts.models import PartnerAssignment, Role, User
from housing.db_types import AnySession

F = TypeVar("F", bound=Callable[..., Any])


class NotAllowed(Exception):
    """The signed-in user may not see or change this."""


def require_roles(*roles: Role) -> Callable[[F], F]:
    """Sign-in first (with the second step for privileged roles), then one of ``roles``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            if current_user.needs_two_factor and not current_user.has_two_factor:
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def assigned_listing_ids(user: User) -> Select[Any]:
    return select(PartnerAssignment.listing_id).where(PartnerAssignment.user_id == user.id)


def can_manage_listing(session: AnySession, user: User, listing_id: int) -> bool:
    """Staff manage every listing; partners only those staff assigned them to."""
    if user.role is Role.STAFF:
        return True
    if user.role is not Role.PARTNER:
        return False
    return (
        session.scalar(
            select(PartnerAssignment.id).where(
                PartnerAssignment.user_id == user.id, PartnerAssignment.listing_id == listing_id
            )
        )
        is not None
    )


def ensure_can_manage_listing(session: AnySession, user: User, listing_id: int) -> None:
    if not can_manage_listing(session, user, listing_id):
        raise NotAllowed(listing_id)
