"""The keyboard alone: every element reached by Tab shows where the focus is, and a whole
application is completed with Tab, Shift+Tab, Space, Enter, the arrow keys and typing."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.postgresql_only

HARBOR_FLATS = "/listings/1"

# The focused element, how it is drawn, and whether it matches a selector. Box-shadow is read
# again without the focus when there is no outline, as the indicator may be a shadow instead.
FOCUSED = """selector => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    const found = {
        name: `${element.tagName.toLowerCase()}#${element.id} ${element.getAttribute("href") || ""}`
            + ` ${(element.innerText || element.value || "").trim().slice(0, 40)}`,
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
        shadow: style.boxShadow,
        shown: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
            && box.top < innerHeight && box.left < innerWidth,
        matches: !!selector && element.matches(selector),
    };
    if (!found.outline) {
        element.blur();
        found.unfocusedShadow = getComputedStyle(element).boxShadow;
        element.focus();
    }
    return found;
}"""


def focus_shown(page, selector: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    """What has the focus, having checked that it is on the screen and drawn differently."""
    focused = page.evaluate(FOCUSED, selector)
    assert focused is not None, f"the focus left the page at {page.url}"
    assert focused["shown"], f"{focused['name']} is focused but not on the screen"
    assert focused["outline"] or focused["shadow"] != focused["unfocusedShadow"], (
        f"{focused['name']} shows no focus indicator"
    )
    return dict(focused)


def tab_through(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Tab from the top of the page to its end, checking the focus indicator of each stop."""
    page.wait_for_load_state("load")  # a click that navigated returns before the page is whole
    stops = []
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            return stops
        stops.append(focus_shown(page)["name"])
    raise AssertionError(f"Tab never reached the end of {page.url}")


def test_every_element_reached_by_tab_shows_where_the_focus_is(page, live_site):
    site = live_site
    page.goto(f"{site.url}{HARBOR_FLATS}")
    stops = tab_through(page)
    assert stops[0].startswith("a# #main ")  # the skip link comes first
    assert any(f"{HARBOR_FLATS}/apply" in stop for stop in stops)

    page.goto(f"{site.url}/account/sign-in")
    stops = tab_through(page)
    assert [stop for stop in stops if stop.startswith(("input#email", "input#password"))]
    assert any(stop.startswith("button#") and "Sign in" in stop for stop in stops)

    # An application step with errors: the summary's links, fields, radios, the buttons.
    page.goto(f"{site.url}{HARBOR_FLATS}/apply")
    page.click("form[action$='/apply'] button[type=submit]")
    page.click('button[name="action"][value="continue"]')
    stops = tab_through(page)
    assert any(stop.startswith("a# #first_name") for stop in stops)
    assert any(stop.startswith("input#phone_type-0") for stop in stops)
    assert any(stop.startswith("button#") and "Save and continue" in stop for stop in stops)
    screenshot(page, "keyboard-01-focus-on-a-step")


def tab_to(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    """Tab (or Shift+Tab, when the element is behind) until ``selector`` has the focus,
    checking the focus indicator at every stop on the way."""
    behind = page.evaluate(
        """selector => {
            const target = document.querySelector(selector);
            const here = document.activeElement;
            return !!target && here !== document.body
                && !!(target.compareDocumentPosition(here) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""",
        selector,
    )
    if page.evaluate("s => document.activeElement.matches(s)", selector):
        return
    key = "Shift+Tab" if behind else "Tab"
    for _ in range(120):
        page.keyboard.press(key)
        if focus_shown(page, selector)["matches"]:
            return
    raise AssertionError(f"{key} never reached {selector} on {page.url}")


def type_into(page, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page, group: str, option: int) -> None:  # type: ignore[no-untyped-def]
    """Tab into a radio group with nothing chosen (its first option takes the focus), then
    Space for the first option or the down arrow to move to a later one, which chooses it."""
    tab_to(page, f"#{group}-0")
    if option == 0:
        page.keyboard.press("Space")
    for _ in range(option):
        page.keyboard.press("ArrowDown")
    assert page.evaluate("s => document.querySelector(s).checked", f"#{group}-{option}")


def press_on(page, selector: str, key: str = "Enter") -> None:  # type: ignore[no-untyped-def]
    tab_to(page, selector)
    page.keyboard.press(key)


def continue_(page, step: str) -> None:  # type: ignore[no-untyped-def]
    press_on(page, 'button[name="action"][value="continue"]')
    page.wait_for_url(re.compile(f"/{step}$"))


def test_an_application_is_completed_with_the_keyboard_alone(page, live_site):
    site = live_site
    page.goto(f"{site.url}{HARBOR_FLATS}")

    # The skip link comes first and takes the focus to the main content.
    page.keyboard.press("Tab")
    assert focus_shown(page, ".skip-link")["matches"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    press_on(page, f'a[href="{HARBOR_FLATS}/apply"]')
    page.wait_for_url(re.compile("/apply$"))
    press_on(page, "form[action$='/apply'] button[type=submit]")
    page.wait_for_url(re.compile("/you$"))

    type_into(page, "#first_name", "Keyboard")
    type_into(page, "#last_name", "Only")
    # The date of birth's boxes, in the order English writes dates: month, day, year.
    type_into(page, "#date_of_birth-month", "11")
    type_into(page, "#date_of_birth-day", "2")
    type_into(page, "#date_of_birth-year", "1979")
    type_into(page, "#email", "keys@example.org")
    type_into(page, "#phone", "555-234-9876")
    choose(page, "phone_type", 1)
    type_into(page, "#street", "9 Tab Street")
    type_into(page, "#city", "Port Alder")
    type_into(page, "#state", "CA")
    type_into(page, "#postal_code", "94999")
    # Back up with Shift+Tab to correct a field already passed.
    tab_to(page, "#first_name")
    page.keyboard.press("End")
    page.keyboard.type("a")
    choose(page, "works_in_city", 0)
    screenshot(page, "keyboard-02-you")
    continue_(page, "alternate")

    choose(page, "kind", 0)  # no alternate contact
    continue_(page, "household")
    continue_(page, "accessibility")  # living alone; nothing needed
    continue_(page, "income")
    choose(page, "has_voucher", 1)
    type_into(page, "#amount", "3100")
    choose(page, "period", 0)
    continue_(page, "preferences")

    claims = page.locator("input[id$='-claimed-1']").count()
    assert claims > 0
    for index in range(claims):
        choose(page, f"claims-{index}-claimed", 1)  # not claimed
    continue_(page, "demographics")
    continue_(page, "review")

    assert page.locator("#error-summary").count() == 0
    assert "Keyboarda" in page.locator("main").inner_text()
    press_on(page, "a.button[href$='/terms']")
    page.wait_for_url(re.compile("/terms$"))
    press_on(page, "#terms_accepted", "Space")
    assert page.evaluate("document.querySelector('#terms_accepted').checked")
    press_on(page, 'button[name="action"][value="submit"]')

    page.wait_for_url(re.compile("/confirmation$"))
    assert re.search(r"\b\d{8}\b", page.locator(".big-number").nth(1).inner_text())
    screenshot(page, "keyboard-03-confirmation")
