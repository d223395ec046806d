"""A database that drops the connection mid-submit leaves no half-saved application."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from housing.applications.models import Application, ApplicationStatus, ApplicationVersion
from housing.extensions import db
from housing.notifications.models import OutboundMessage
from tests.applications.helpers import fill_all, open_listing, start, submit


class ConnectionDropped(Exception):
    """What the driver raises when the server goes away."""


def test_a_connection_drop_mid_submit_keeps_the_draft_and_asks_to_retry(client, app, db_session):
    listing = open_listing()
    public_id = start(client, listing.id)
    fill_all(client, public_id)

    def drop_on_version_insert(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # The application row is already updated in this transaction when this runs.
        if statement.lstrip().upper().startswith("INSERT INTO APPLICATION_VERSIONS"):
            raise OperationalError(
                statement, parameters, ConnectionDropped("server closed the connection")
            )

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", drop_on_version_insert)
    try:
        response = submit(client, public_id)
    finally:
        event.remove(engine, "before_cursor_execute", drop_on_version_insert)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Nothing was lost" in response.text
    db_session.expire_all()
    draft = db_session.scalars(select(Application).where(Application.public_id == public_id)).one()
    assert draft.status is ApplicationStatus.DRAFT
    assert draft.lottery_number is None
    assert draft.answers["applicant"]["first_name"] == "Maria"
    assert db_session.scalars(select(ApplicationVersion)).all() == []
    assert db_session.scalars(select(OutboundMessage)).all() == []

    retried = submit(client, public_id)
    assert retried.status_code == 302
    db_session.expire_all()
    assert db_session.get(Application, draft.id).status is ApplicationStatus.SUBMITTED


def test_the_api_answers_503_with_retry_after_when_the_database_drops(client, app, db_session):
    from tests.api.test_applications_api import post
    from tests.applications.helpers import valid_answers

    listing = open_listing()

    def drop(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # The confirmation is written last, after the application and its rows.
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOUND_MESSAGES"):
            raise OperationalError(statement, parameters, ConnectionDropped("gone"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", drop)
    try:
        response = post(client, listing.id, valid_answers())
    finally:
        event.remove(engine, "before_cursor_execute", drop)
    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"
    assert db_session.scalars(select(Application)).all() == []
    assert db_session.scalars(select(ApplicationVersion)).all() == []
