"""A lottery number typed as long numbers are written, in groups with a dash or with spaces,
is found: by the resident looking up their result, and by staff searching the applications."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from housing import create_app
from housing.applications.models import Application
from housing.db_types import utcnow
from housing.extensions import db
from housing.lottery.models import Lottery
from housing.lottery.publish import publish
from housing.lottery.tasks import run_draw
from tests.conftest import make_config
from tests.e2e.conftest import sign_in
from tests.lottery.synthetic import seed_lottery

pytestmark = pytest.mark.postgresql_only

ENTRANTS = 30


def published_lottery(site, folder) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """A published lottery in which one entrant holds lottery number 83583663: the listing's
    id and that entrant's application number."""
    app = create_app(make_config(site.database_url, folder))
    with app.app_context():
        lottery_id = seed_lottery(ENTRANTS, ("DASHES", "SPACES"), id_prefix="T")
        listing_id = db.session.get(Lottery, lottery_id).listing_id
        entrant = db.session.scalars(
            select(Application).where(Application.listing_id == listing_id)
        ).first()
        entrant.lottery_number = "83583663"  # the draw reads public ids only
        public_id = entrant.public_id
        db.session.commit()
        run_draw(lottery_id)
        publish(db.session, listing_id, None, utcnow())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return listing_id, public_id


def test_a_lottery_number_typed_in_groups_is_found(page, live_site, tmp_path):
    listing_id, public_id = published_lottery(live_site, tmp_path)
    for typed in ("8358-3663", " 8358 3663 "):
        page.goto(f"{live_site.url}/listings/{listing_id}/lottery")
        page.get_by_label("Your lottery number").fill(typed)
        page.get_by_role("button", name="Look up").click()
        page.wait_for_load_state("load")
        assert (
            page.get_by_role("status").inner_text().startswith("Lottery number 83583663: rank")
        ), typed
        assert f"of {ENTRANTS}" in page.get_by_role("status").inner_text()

    sign_in(page, live_site, live_site.staff)
    page.goto(f"{live_site.url}/partner/listings/{listing_id}/applications")
    page.get_by_label("Search", exact=True).fill("8358-3663")
    page.get_by_role("button", name="Show applications").click()
    page.wait_for_load_state("load")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("th, td").all_inner_texts()[:2] == [public_id, "83583663"]
    page.get_by_role("button", name="Sign out").click()
