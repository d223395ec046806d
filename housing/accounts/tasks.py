"""Account jobs."""

from __future__ import annotations

from housing.accounts import emails, services
from housing.db_types import utcnow
from housing.extensions import db
from housing.notifications.tasks import send_after_commit

SEND_PASSWORD_LINK = f"{__name__}.send_password_link"


def send_password_link(email: str) -> None:
    """Email a link to choose a new password to the account with this address, if there is
    one, it is not disabled, and it has not had its share of such emails lately.

    The form queues this job for every address typed, so the request does the same work, and
    takes the same time, whether or not the address has an account. Running it twice sends
    at most one more link, within the same cap.
    """
    session = db.session
    user = services.find_user_by_email(session, email)
    if (
        user is not None
        and not user.disabled
        and emails.claim_unasked_email(session, user, utcnow())
    ):
        emails.queue_password_link(session, user)
    session.commit()
    send_after_commit()
