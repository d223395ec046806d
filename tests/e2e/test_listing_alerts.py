"""Listing alerts in real Chromium against the live site: a resident signs up in Spanish on the
demo city's alerts page, confirms from the email the real SMTP server received, and when a
listing opens gets exactly one Spanish alert, delivered by the real rq worker, whose one-click
unsubscribe works; a text-message subscriber confirms with the code from the SMS stand-in and
gets one text."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from housing import create_app, jobs
from housing.alerts.models import AlertSubscription
from housing.config import Config, MailConfig
from housing.db_types import utcnow
from housing.extensions import db
from housing.listings.models import Listing
from housing.notifications.models import OutboundMessage
from tests.conftest import make_config
from tests.e2e.conftest import LiveSite, axe_violations, plain_text, wait_for_mail
from tests.notifications.test_worker_delivery import REDIS_URL, let_go

pytestmark = pytest.mark.postgresql_only

EASTGATE = "Eastgate Family Apartments"


def _site_environment(site: LiveSite) -> dict[str, str]:
    """The environment the site's worker runs with (its queue prefix, its SMS folder)."""
    raw = Path(f"/proc/{site.worker.pid}/environ").read_bytes()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {key.decode(): value.decode() for key, value in pairs}


@contextmanager
def _beside(site: LiveSite, smtp_port: int) -> Iterator[Flask]:
    """An app on the live site's database and queues, as a second host would be."""
    environment = _site_environment(site)
    app = create_app(
        make_config(
            site.database_url,
            site.storage,
            redis_url=REDIS_URL,
            queue_prefix=environment["HOUSING_QUEUE_PREFIX"],
            mail=MailConfig(host="127.0.0.1", port=smtp_port),
        )
    )
    try:
        yield app
    finally:
        let_go(app)


def _texts(site: LiveSite, number: str) -> list[dict[str, str]]:
    folder = Config.from_env(_site_environment(site)).sms.folder
    assert folder is not None
    path = folder / "messages.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [line for line in lines if line["to"] == number]


def _wait_for_texts(site: LiveSite, number: str, count: int) -> list[dict[str, str]]:
    deadline = time.monotonic() + 30
    while len(found := _texts(site, number)) < count:
        assert site.worker.poll() is None, site.worker_log.read_text()[-2000:]
        assert time.monotonic() < deadline, f"{count} text messages never reached {number}"
        time.sleep(0.1)
    return found


def _sign_up(page, site: LiveSite, **fields: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/alerts?lang=es")
    assert page.get_attribute("html", "lang") == "es"
    assert axe_violations(page) == []
    if fields.get("channel") == "sms":
        page.check("input[name=channel][value=sms]")
        page.fill("input[name=phone]", fields["phone"])
    else:
        page.fill("input[name=email]", fields["email"])
    page.check("input[name=neighborhoods][value=Eastgate]")
    page.fill("input[name=household_size]", "4")
    page.fill("input[name=annual_income]", "60000")
    page.locator("form[action$='/alerts'] button[type=submit]").click()
    page.wait_for_url(f"{site.url}/alerts/sent")
    assert page.get_attribute("html", "lang") == "es"


def test_a_spanish_subscriber_gets_one_alert_by_email_and_one_by_text(
    page, live_site, mailbox, smtp_server
):
    site = live_site
    email = f"alertas.{int(time.time())}@example.org"
    number = f"415555{int(time.time()) % 10000:04d}"
    international = f"+1{number}"
    page.context.add_cookies([{"name": "language", "value": "es", "url": site.url}])

    # On a listing not open yet, a resident can ask to hear when it opens.
    with _beside(site, smtp_server[1]) as app, app.app_context():
        eastgate_id = db.session.scalars(select(Listing.id).where(Listing.name == EASTGATE)).one()
    page.goto(f"{site.url}/listings/{eastgate_id}")
    page.locator(f"form[action$='/alerts/listing/{eastgate_id}'] button").click()
    page.wait_for_url(re.compile(rf".*/alerts/listing/{eastgate_id}\??$"))
    assert page.locator("input[name=email]").count() == 1

    _sign_up(page, site, email=email)
    confirmation = wait_for_mail(
        mailbox,
        site,
        lambda message: message["To"] == email and "/alerts/confirm/" in plain_text(message),
    )
    assert confirmation["Content-Language"] == "es"
    link = re.search(r"https?://\S+/alerts/confirm/\S+", plain_text(confirmation)).group(0)
    page.goto(link)
    assert page.get_attribute("html", "lang") == "es"
    page.locator("form[action*='/alerts/confirm/'] button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("[role=status]").count() == 1

    # A second resident, by text message, on another device.
    phone = page.context.browser.new_context(viewport={"width": 360, "height": 780}, locale="es-ES")
    try:
        texting = phone.new_page()
        _sign_up(texting, site, channel="sms", phone=number)
        [code_text] = _wait_for_texts(site, international, 1)
        code = re.search(r"\b(\d{6})\b", code_text["body"]).group(1)
        texting.fill("input[name=code]", code)
        texting.locator("form[action$='/alerts/code'] button[type=submit]").click()
        texting.wait_for_load_state("load")
        assert texting.locator("[role=status]").count() == 1
    finally:
        phone.close()

    with _beside(site, smtp_server[1]) as app, app.app_context():
        eastgate = db.session.scalars(select(Listing).where(Listing.name == EASTGATE)).one()
        opens_at = eastgate.application_open_at
        try:
            # The moment comes: the listing opens, and the worker's periodic job notices it,
            # twice over (a retried job, or a second worker).
            eastgate.application_open_at = utcnow() - timedelta(minutes=1)
            db.session.commit()
            assert jobs.enqueue("housing.alerts.tasks.announce_openings")
            assert jobs.enqueue("housing.alerts.tasks.announce_openings")

            alert = wait_for_mail(
                mailbox,
                site,
                lambda message: message["To"] == email and "/alerts/stop/" in plain_text(message),
            )
            [text_alert] = _wait_for_texts(site, international, 2)[1:]
            time.sleep(3)  # room for a second copy, which must not come
            alerts = [
                message
                for message in list(mailbox.messages)
                if message["To"] == email and "/alerts/stop/" in plain_text(message)
            ]
            assert len(alerts) == 1
            assert len(_texts(site, international)) == 2
        finally:
            eastgate = db.session.get(Listing, eastgate.id)
            eastgate.application_open_at = opens_at
            db.session.commit()

        assert alert["Content-Language"] == "es"
        body = plain_text(alert)
        assert f"/listings/{eastgate.id}?lang=es" in body
        assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", body), body
        assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        stop = re.fullmatch(r"\s*<(\S+)>\s*", str(alert["List-Unsubscribe"])).group(1)
        assert stop in body
        assert f"/listings/{eastgate.id}?lang=es" in text_alert["body"]
        assert "/alerts/stop/" in text_alert["body"]

        # The link in the listing opens the listing in Spanish, on any device.
        page.goto(re.search(r"https?://\S+/listings/\S+", body).group(0))
        assert page.get_attribute("html", "lang") == "es"
        assert EASTGATE in page.locator("h1").inner_text()

        # One click on the unsubscribe link, then the button: the address is gone.
        page.goto(stop)
        page.locator("form[action*='/alerts/stop/'] button[type=submit]").click()
        page.wait_for_load_state("load")
        assert page.locator("[role=status]").count() == 1
        db.session.expire_all()
        assert (
            db.session.scalars(
                select(AlertSubscription).where(AlertSubscription.address == email)
            ).all()
            == []
        )
        assert (
            db.session.scalars(
                select(OutboundMessage.id).where(OutboundMessage.recipient == email)
            ).all()
            == []
        )
