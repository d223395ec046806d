"""A PostgreSQL database of its own holding one drawn lottery (its log included), for what
must see committed rows: the draw job, and a dump restored elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask_migrate import upgrade

from housing import create_app
from housing.config import PROJECT_ROOT
from housing.extensions import db
from housing.lottery.tasks import run_draw
from tests.conftest import create_postgres_database, drop_postgres_database, make_config
from tests.lottery.synthetic import seed_lottery


@dataclass(frozen=True)
class DrawnLottery:
    app: Flask
    url: str
    lottery_id: int


@pytest.fixture
def drawn_lottery(tmp_path) -> Iterator[DrawnLottery]:  # type: ignore[no-untyped-def]
    name, url = create_postgres_database()
    app = create_app(make_config(url, tmp_path))
    try:
        with app.app_context():
            upgrade(directory=str(PROJECT_ROOT / "migrations"))
            lottery_id = seed_lottery(30)
            run_draw(lottery_id)
            db.session.remove()
        yield DrawnLottery(app, url, lottery_id)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_postgres_database(name)
