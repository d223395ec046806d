"""Liveness and readiness for load balancers and orchestrators.

``/healthz`` says the process answers, and touches nothing else: a database outage must not
have every web process restarted. ``/readyz`` says whether this process can do its work now:
the database answers, its schema is the one this release's migrations lead to (a release
started before ``db upgrade`` is not ready), and Redis answers when it is configured. A failing
part is named in the answer, so that the operator knows where to look.
"""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from housing import jobs
from housing.extensions import db
from housing.ops.scrape import metrics

ops = Blueprint("ops", __name__)
ops.add_url_rule("/metrics", "metrics", metrics)


@ops.get("/healthz")
def health() -> Response:
    """Liveness: answers without touching the database."""
    return Response("ok\n", mimetype="text/plain")


@ops.get("/readyz")
def ready() -> tuple[Response, int]:
    checks = {
        "database": _database(),
        "migrations": "skipped",
        "redis": "skipped" if jobs.redis_connection() is None else _redis(),
    }
    if checks["database"] == "ok":
        checks["migrations"] = _migrations(current_app)
    db.session.rollback()
    failing = sorted(part for part, state in checks.items() if state not in {"ok", "skipped"})
    body = {"status": "unready" if failing else "ready", "failing": failing, "checks": checks}
    return jsonify(body), 503 if failing else 200


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return "unreachable"
    return "ok"


def _migrations(app: Flask) -> str:
    """Whether the database records exactly the heads of the migration scripts ("ok")."""
    heads = app.extensions.get("ops_migration_heads")
    if heads is None:
        script = ScriptDirectory(str(app.config["HOUSING"].migrations_folder))
        heads = app.extensions["ops_migration_heads"] = frozenset(script.get_heads())
    connection = db.session.connection()
    if not inspect(connection).has_table("alembic_version"):
        return "not migrated"
    current = frozenset(
        db.session.scalars(select(text("version_num")).select_from(text("alembic_version")))
    )
    return "ok" if current == heads else "not at head"


def _redis() -> str:
    return "ok" if jobs.redis_available() else "unreachable"
