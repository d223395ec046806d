"""One rule for email addresses: what the command line accepts, sign-in accepts, and the other
way round."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from housing.accounts.models import User
from tests.accounts.helpers import link_in, path_of, post_form
from tests.accounts.test_sign_up_and_sign_in import NEW_PASSWORD, sign_in

REFUSED = "Enter an email address like name@example.com."


@pytest.mark.parametrize(
    "address",
    [
        "x@sec.test",
        "someone@host.invalid",
        "admin@localhost",
        "no-at-sign.example.org",
        "two@@example.org",
        "Chief.Ops@Example.org",
        "o'brien@city.example.org",
    ],
)
def test_the_command_line_accepts_exactly_the_addresses_that_can_sign_in(
    runner, client, mailbox, db_session, address
):
    created = runner.invoke(args=["accounts", "create", address, "--role", "partner"])
    refused_by_sign_in = REFUSED in sign_in(client, address, NEW_PASSWORD).text

    if created.exit_code != 0:
        assert refused_by_sign_in, address
        assert "not an email address" in created.output
        assert db_session.scalar(select(User)) is None
        return
    assert not refused_by_sign_in, address
    [message] = mailbox.messages
    chosen = post_form(
        client,
        path_of(link_in(message)),
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert chosen.status_code == 302
    signed_in = sign_in(client, address, NEW_PASSWORD)
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/account/two-factor"  # on to the second step
