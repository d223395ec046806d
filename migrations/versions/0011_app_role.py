"""the application's role: ordinary rights on every table, only SELECT and INSERT on the lottery log

Revision: 0011_app_role
Parent: 0010_lease_up
Created: 2026-12-02 10:00:00

On PostgreSQL, when the application connects as a role other than the one running the
migrations (the tables' owner), that role gets SELECT, INSERT, UPDATE and DELETE on every table
and USAGE on every sequence, now and (through default privileges) for tables later revisions
create; on ``lottery_log`` only SELECT and INSERT, and on ``alembic_version`` only SELECT. Owning
no table, it cannot disable or drop the log's triggers, nor drop or truncate the log. On SQLite,
or when the application connects as the owner, nothing is granted.
"""

import sqlalchemy as sa
from alembic import context, op

revision = '0011_app_role'
down_revision = '0010_lease_up'
branch_labels = None
depends_on = None

TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
# Tables the application may read and add to but never change.
APPEND_ONLY = ("lottery_log",)
READ_ONLY = ("alembic_version",)


def _app_role() -> str | None:
    """The application's role when it is not the one running the migrations; None on SQLite,
    when no role is configured, or when the application connects as the owner."""
    bind = op.get_bind()
    role = context.config.attributes.get("app_role")
    if bind.dialect.name != "postgresql" or not role:
        return None
    if role == bind.execute(sa.text("SELECT current_user")).scalar_one():
        return None
    return str(role)


def _quoted(name: str) -> str:
    return op.get_bind().dialect.identifier_preparer.quote(name)


def _check_role(role: str) -> None:
    """Refuse a role that is missing, or that could act as the owner anyway."""
    found = op.get_bind().execute(
        sa.text(
            "SELECT rolsuper, pg_has_role(rolname, current_user, 'MEMBER') "
            "FROM pg_roles WHERE rolname = :role"
        ),
        {"role": role},
    ).first()
    if found is None:
        raise RuntimeError(
            f"The application's database role {role!r} does not exist. Create it first "
            f"(CREATE ROLE {_quoted(role)} LOGIN PASSWORD '...'), then run the upgrade again."
        )
    if any(found):
        raise RuntimeError(
            f"The application's database role {role!r} is a superuser or a member of the role "
            "that runs the migrations, so it could take the lottery log's protection away. "
            "Give the application a role of its own that owns nothing."
        )


def _schema() -> str:
    return op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()


def upgrade() -> None:
    name = _app_role()
    if name is None:
        return
    _check_role(name)
    role, schema = _quoted(name), _quoted(_schema())
    uses_schema = op.get_bind().execute(
        sa.text("SELECT has_schema_privilege(:role, current_schema(), 'USAGE')"), {"role": name}
    ).scalar_one()
    if not uses_schema:  # PUBLIC has it on "public"; kept on downgrade, it grants nothing alone
        op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    op.execute(f"GRANT {TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {schema} TO {role}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    for table in APPEND_ONLY:
        op.execute(f"REVOKE UPDATE, DELETE ON {table} FROM {role}")
    for table in READ_ONLY:
        op.execute(f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM {role}")
    # Tables and sequences later revisions create, as this same owner, are granted too; a
    # revision that adds another append-only table revokes UPDATE and DELETE on it itself.
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {TABLE_RIGHTS} ON TABLES TO {role}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE ON SEQUENCES TO {role}")


def downgrade() -> None:
    name = _app_role()
    exists = name is not None and op.get_bind().execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": name}
    ).first()
    if name is None or not exists:
        return
    role, schema = _quoted(name), _quoted(_schema())
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE {TABLE_RIGHTS} ON TABLES FROM {role}"
    )
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE USAGE ON SEQUENCES FROM {role}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}")
