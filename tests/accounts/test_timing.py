"""Sign-up and the password-reset form take as long for an address with an account as for one
without, so response times do not tell who has an account. Measured as an outsider would,
with many pairs of requests in alternating order, on the portal set up as in production (jobs
handed to workers through Redis), comparing medians."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from itertools import count

from flask import Flask

from tests.accounts.helpers import browser_at, csrf_token
from tests.accounts.test_sign_up_and_sign_in import NEW_PASSWORD
from tests.factories import UserFactory

WARM_UP = 3
# The work is the same on both paths: what is left is noise, well under this share of a request
# (before, a new address cost a password hash, some 15 times the rest of the request, and a
# reset link for a known one over half as much again as the answer for an unknown one).
GAP_SHARE = 0.25


def paired_gap(
    app: Flask,
    url: str,
    pairs: int,
    known: Callable[[int], dict[str, str]],
    unknown: Callable[[int], dict[str, str]],
) -> tuple[float, float]:
    """The median of (known - unknown) seconds over pairs asked one right after the other, in
    alternating order, and the median time for an unknown address. Pairing cancels the load of
    a busy machine, which changes over seconds, not between two requests; each request comes
    from an address of its own, so the rate limit stays out."""
    addresses = (f"10.{n // 60000}.{n // 250 % 240}.{n % 250 + 1}" for n in count())
    gaps: list[float] = []
    unknown_times: list[float] = []
    for index in range(-WARM_UP, pairs):
        took: dict[bool, float] = {}
        for is_known in (True, False) if index % 2 else (False, True):
            browser = browser_at(app, next(addresses))
            form = (known if is_known else unknown)(index + WARM_UP)
            data = {"csrf_token": csrf_token(browser, url), **form}
            started = time.perf_counter()
            response = browser.post(url, data=data)
            took[is_known] = time.perf_counter() - started
            assert response.status_code == 200, response.text
        if index >= 0:
            gaps.append(took[True] - took[False])
            unknown_times.append(took[False])
    return statistics.median(gaps), statistics.median(unknown_times)


def test_sign_up_takes_as_long_for_an_existing_account_as_for_a_new_one(
    app, db_session, with_workers
):
    pairs = 40  # a sign-up hashes a password: a few tenths of a second each
    for index in range(WARM_UP + pairs):
        UserFactory(email=f"known{index}@example.org")

    def form(email: str) -> dict[str, str]:
        return {
            "full_name": "Sam",
            "email": email,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        }

    gap, new = paired_gap(
        app,
        "/account/sign-up",
        pairs,
        lambda index: form(f"known{index}@example.org"),
        lambda index: form(f"new{index}@example.org"),
    )

    assert abs(gap) < GAP_SHARE * new, (gap, new)


def test_the_reset_form_takes_as_long_for_an_unknown_address(app, db_session, with_workers):
    pairs = 60
    for index in range(WARM_UP + pairs):
        UserFactory(email=f"member{index}@example.org")

    gap, unknown = paired_gap(
        app,
        "/account/password/forgot",
        pairs,
        lambda index: {"email": f"member{index}@example.org"},
        lambda index: {"email": f"stranger{index}@example.org"},
    )

    assert abs(gap) < GAP_SHARE * unknown, (gap, unknown)
