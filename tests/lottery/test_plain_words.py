"""The public lottery pages say how the lottery works in plain words, above a technical record
that stays one click away; the registered rules are told in the reader's language and the text
registered is kept as it was, marked as English."""

from __future__ import annotations

import re

from flask_babel import force_locale
from flask_babel import gettext as _

from housing.lottery.registration import DUPLICATE_RULE, RANDOMNESS_RULE
from housing.lottery.wording import described_rule
from tests.lottery.conftest import lottery_of


def english_spans(page: str) -> list[str]:
    return re.findall(r'<span lang="en" dir="ltr">([^<]*)</span>', page)


def test_the_lottery_page_explains_first_and_keeps_the_record_folded(
    app, client, db_session, lottery_listing
):
    client.set_cookie("language", "es")
    page = client.get(f"/listings/{lottery_listing.id}/lottery").text
    how = page.index('id="how-title"')
    record = page.index('<details class="technical-record">')
    assert how < record < page.index('id="rules-title"')
    assert 'id="technical-record"' in page[record:]
    assert 'href="#technical-record"' in page[how:record]
    with app.test_request_context(), force_locale("es"):
        told = [described_rule(DUPLICATE_RULE), described_rule(RANDOMNESS_RULE)]
        english_only = _("Available in English only.")
    for text in told:
        assert text in page[record:]
    # The registered text is there as registered, only marked as English.
    registered = [text.replace("&#39;", "'") for text in english_spans(page)]
    assert registered == [DUPLICATE_RULE, RANDOMNESS_RULE]
    assert english_only not in page

    # A rule registered in other words is shown as registered, said to be in English only.
    lottery = lottery_of(db_session, lottery_listing)
    lottery.rules = {**lottery.rules, "duplicate_rule": "one entry per household, checked by hand"}
    db_session.flush()
    page = client.get(f"/listings/{lottery_listing.id}/lottery").text
    assert "one entry per household, checked by hand" in english_spans(page)
    assert page.count(english_only) == 1


def test_the_lookup_explains_the_lottery_and_links_to_its_record(client, lottery_listing):
    page = client.get(f"/listings/{lottery_listing.id}/lottery/lookup").text
    assert 'id="how-title"' in page
    assert f'href="/listings/{lottery_listing.id}/lottery#technical-record"' in page
    # The preferences are named, in their order, with their share of the units.
    names = [choice.preference.name for choice in lottery_listing.preferences]
    how = page[page.index('id="how-title"') :]
    assert how.index(names[0]) < how.index(names[1])
    assert "up to 40% of units" in how
