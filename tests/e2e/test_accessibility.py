"""axe-core on every public page, in English and in Arabic (right to left), at phone width.

Moderate violations fail too, which is stricter than the target of no serious or critical one.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations, screenshot

pytestmark = pytest.mark.postgresql_only

PAGES = [
    "/listings",
    "/listings?household_size=3&income=4200&income_period=month",
    "/eligibility",
    "/eligibility?household_size=0&income=-5&income_period=month",
    "/eligibility?household_size=2&income=4200&income_period=month",
    "/listings/1",
    "/listings/1/lottery",
    # The demo's published lottery: its page, the results and a look-up that finds nothing.
    "/listings/5/lottery",
    "/listings/5/lottery/results",
    "/listings/5/lottery/lookup?number=12345678",
    "/listings/2?household_size=1&income=2000&income_period=month&oldest_age=70",
    "/listings/1/apply",
    # A resume link that is not one: the page that offers to email a new link.
    "/listings/1/apply/resume/not-a-token",
    "/account/sign-in",
    "/account/sign-up",
    "/account/password/forgot",
    "/no-such-page",
]


# Pages that answer an error on purpose (and must still be accessible).
STATUS = {
    "/no-such-page": 404,
    "/listings/5/lottery/lookup?number=12345678": 404,
    "/listings/1/apply/resume/not-a-token": 400,
}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_moderate_serious_or_critical_violations(page, live_site, language):
    page.context.add_cookies([{"name": "language", "value": language, "url": live_site.url}])
    found = {}
    for number, path in enumerate(PAGES):
        response = page.goto(live_site.url + path)
        assert response is not None
        assert response.status == STATUS.get(path, 200), path
        serious = axe_violations(page)
        if serious:
            found[path] = serious
        screenshot(page, f"a11y-{language}-{number:02d}")
    assert found == {}
