"""the lottery's large JSON values compressed with lz4 on PostgreSQL

Revision: 0014_lottery_lz4
Parent: 0013_run_audit_log
Created: 2026-12-07 01:40:00

A frozen manifest and a version's bundle are tens of megabytes at a million entrants.
PostgreSQL's default compression (pglz) took 2.7 s to store a 107 MB bundle, lz4 1.1 s for a
tenth more space. A server built without lz4 keeps pglz: the upgrade says so and goes on.
"""

from alembic import op

revision = "0014_lottery_lz4"
down_revision = "0013_run_audit_log"
branch_labels = None
depends_on = None

COLUMNS = (("lotteries", "manifest"), ("lottery_runs", "bundle"))


def _compress_with(method: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite compresses nothing
    statements = " ".join(
        f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method};"
        for table, column in COLUMNS
    )
    op.execute(
        "DO $$ BEGIN "
        f"{statements} "
        "EXCEPTION WHEN feature_not_supported THEN "
        f"RAISE NOTICE 'this server cannot compress with {method}; values stay as they are'; "
        "END $$"
    )


def upgrade() -> None:
    _compress_with("lz4")


def downgrade() -> None:
    _compress_with("pglz")
