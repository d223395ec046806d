"""The beacon fetcher against a local HTTP server answering like a drand endpoint."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from housing.db_types import utcnow
from housing.lottery.beacon import BeaconUnavailable, fetch_round
from housing.lottery.freeze import freeze
from housing.lottery.seed import beacon_round_of
from tests.accounts.helpers import post_form
from tests.lottery.conftest import lottery_of

VALUE = "5e" * 32  # a recorded response's shape; the value itself is made up


class Beacon(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        number = self.path.removeprefix("/public/")
        if number.isdigit() and len(number) > 2:
            body = json.dumps(
                {"round": int(number), "randomness": VALUE, "signature": "0"}
            ).encode()
            self.send_response(200)
        elif self.path == "/public/7":
            body = json.dumps({"round": 8, "randomness": VALUE}).encode()  # the wrong round
            self.send_response(200)
        else:
            body = b"not found"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def beacon_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Beacon)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_staff_fetch_a_round_check_it_and_save_it(
    app, client, db_session, lottery_listing, staff, beacon_url, monkeypatch
):
    listing = lottery_listing
    frozen = freeze(db_session, listing.id, staff, utcnow())
    wanted = str(beacon_round_of(frozen))
    base = f"/staff/lottery/{listing.id}"
    page = client.get(base).text
    assert "Fetch this round" not in page  # no beacon configured
    assert f"names beacon round {wanted}" in page and f'value="{wanted}"' in page
    config = dataclasses.replace(app.config["HOUSING"], beacon_url=beacon_url)
    monkeypatch.setitem(app.config, "HOUSING", config)
    form = {"beacon_source": "drand mainnet", "beacon_round": wanted, "beacon_value": ""}
    fetched = post_form(client, f"{base}/seed", {**form, "fetch": "1"}, token_from=base)
    assert fetched.status_code == 200
    assert f'value="{VALUE}"' in fetched.text
    assert lottery_of(db_session, listing).beacon is None  # shown to check, not saved
    post_form(client, f"{base}/seed", {**form, "beacon_value": VALUE}, token_from=base)
    assert lottery_of(db_session, listing).beacon == {
        "source": "drand mainnet",
        "round": wanted,
        "value": VALUE,
    }


@pytest.mark.parametrize("round_number", ["7", "99", "abc", "²"])
def test_a_wrong_or_missing_round_says_so_and_changes_nothing(
    app, client, db_session, lottery_listing, staff, beacon_url, monkeypatch, round_number
):
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    config = dataclasses.replace(app.config["HOUSING"], beacon_url=beacon_url)
    monkeypatch.setitem(app.config, "HOUSING", config)
    base = f"/staff/lottery/{listing.id}"
    form = {
        "beacon_source": "drand",
        "beacon_round": round_number,
        "beacon_value": "",
        "fetch": "1",
    }
    page = post_form(client, f"{base}/seed", form, token_from=base)
    assert f"The beacon did not give round {round_number}" in page.text
    assert lottery_of(db_session, listing).beacon is None


def test_an_unreachable_beacon_says_so(
    app, client, db_session, lottery_listing, staff, monkeypatch
):
    listing = lottery_listing
    freeze(db_session, listing.id, staff, utcnow())
    config = dataclasses.replace(app.config["HOUSING"], beacon_url="http://127.0.0.1:1")
    monkeypatch.setitem(app.config, "HOUSING", config)
    base = f"/staff/lottery/{listing.id}"
    form = {"beacon_source": "drand", "beacon_round": "5", "beacon_value": "", "fetch": "1"}
    page = post_form(client, f"{base}/seed", form, token_from=base)
    assert "enter the value by hand" in page.text


def test_only_http_beacons_are_fetched():
    with pytest.raises(BeaconUnavailable, match="url"):
        fetch_round("file:///etc", "1")
