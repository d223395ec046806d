"""Backups restore: ``deploy/restore-check.sh`` loads a ``pg_dump -Fc`` file into a scratch
database and checks its lottery log there, leaving nothing behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import psycopg
import pytest

from housing.config import PROJECT_ROOT
from housing.extensions import db
from housing.lottery.log import head_and_length
from tests.conftest import ADMIN_URL

pytestmark = pytest.mark.postgresql_only
SCRIPT = PROJECT_ROOT / "deploy" / "restore-check.sh"
PG_DUMP = shutil.which("pg_dump") or "/usr/bin/pg_dump"


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def scratch_databases() -> set[str]:
    with psycopg.connect(ADMIN_URL) as admin:
        rows = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'housing_restore_check_%'"
        )
        return {name for (name,) in rows}


def restore_check(dump, *arguments: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [str(SCRIPT), str(dump), *arguments],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "RESTORE_ADMIN_URL": ADMIN_URL,
            "HOUSING_COMMAND": f"{sys.executable} -m flask --app wsgi",
            "SECRET_KEY": "restore-check",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_dump_restores_and_its_lottery_log_verifies(drawn_lottery, tmp_path):
    with drawn_lottery.app.app_context():
        head, length = head_and_length(db.session)
        db.session.remove()
    assert length > 0
    dump = tmp_path / "housing.dump"
    subprocess.run(
        [PG_DUMP, "-Fc", "--file", str(dump), libpq(drawn_lottery.url)],
        check=True,
        timeout=60,
    )
    before = scratch_databases()

    result = restore_check(dump, "--expect", f"{head}:{length}")
    assert result.returncode == 0, result.stderr
    assert f"intact: {length} entries, head {head}" in result.stdout
    assert f"as entry {length}" in result.stdout

    # A head this log never had (or had at another place) fails the check.
    wrong = restore_check(dump, "--expect", f"{head}:{length + 1}")
    assert wrong.returncode == 1
    assert "not entry" in wrong.stderr
    assert scratch_databases() == before


def test_a_file_that_is_not_a_dump_fails_and_leaves_nothing(tmp_path):
    before = scratch_databases()
    junk = tmp_path / "not-a-dump"
    junk.write_text("hello")
    result = restore_check(junk)
    assert result.returncode != 0
    assert scratch_databases() == before
