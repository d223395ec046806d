"""An export written by a real rq worker on real Redis, in a database of its own (the worker
is another process and sees only committed rows)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from housing.db_types import utcnow
from housing.exports import services, tasks
from housing.exports.models import Export, ExportFormat, ExportKind, ExportState
from housing.extensions import db
from housing.lottery.models import Lottery
from housing.lottery.publish import publish
from housing.lottery.tasks import run_draw
from tests import factories
from tests.conftest import PROJECT_ROOT
from tests.exports.helpers import read_xlsx
from tests.lottery.synthetic import seed_lottery
from tests.lottery.test_worker import own_database, worker_environment

pytestmark = pytest.mark.postgresql_only
__all__ = ["own_database"]  # the fixture, used by name

ENTRANTS = 3000


def test_a_real_worker_writes_an_export_with_progress_and_a_download_link(own_database, tmp_path):
    app, url, prefix = own_database
    with app.app_context():
        lottery_id = seed_lottery(ENTRANTS)
        run_draw(lottery_id)
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        publish(db.session, listing_id, None, utcnow())
        staff = factories.UserFactory.build(staff=True)
        db.session.add(staff)
        db.session.flush()
        with app.test_request_context():
            export = services.request_export(
                db.session,
                listing_id,
                staff,
                ExportKind.APPLICATIONS,
                ExportFormat.XLSX,
                utcnow(),
                include_demographics=True,
            )
        db.session.commit()
        export_id = export.id
        assert tasks.start(export_id)  # on the queue, not run here
        assert db.session.get(Export, export_id).state is ExportState.QUEUED
    subprocess.run(
        [sys.executable, "-m", "housing.worker", "--burst"],
        cwd=PROJECT_ROOT,
        env={**worker_environment(url, prefix), "STORAGE_FOLDER": str(tmp_path)},
        check=True,
        timeout=120,
    )
    with app.app_context():
        db.session.remove()
        export = db.session.get(Export, export_id)
        assert export.state is ExportState.DONE, export.error
        assert export.rows_done == export.rows_total == ENTRANTS
        assert export.expires_at is not None and export.expires_at > utcnow()
        with app.extensions["storage"].open(export.storage_key) as stream:
            data = stream.read()
        assert len(data) == export.byte_size
    (sheet,) = read_xlsx(data).values()
    assert len(sheet) == ENTRANTS + 1
    assert "Race" in sheet[0]
