"""A link in a message opens the application in the language the applicant uses."""

from __future__ import annotations

from tests.accounts.helpers import link_in, path_of
from tests.applications.helpers import YOU_FORM, open_listing, start, step


def test_a_spanish_drafts_emailed_link_opens_in_spanish_in_a_fresh_browser(
    app, client, db_session, mailbox
):
    listing = open_listing()
    client.set_cookie("language", "es")
    public_id = start(client, listing.id)
    response = step(client, public_id, "you", {**YOU_FORM, "language": "es"}, action="save_exit")
    assert response.status_code == 200, response.text
    [message] = mailbox.messages
    link = link_in(message)
    assert "lang=es" in link

    fresh = app.test_client()  # another device: no cookies, a browser set to English
    english = {"Accept-Language": "en-US,en;q=0.9"}
    opened = fresh.get(path_of(link), headers=english)
    assert opened.status_code == 302, opened.text
    assert opened.headers["Location"].endswith(f"/applications/{public_id}/review")
    page = fresh.get(opened.headers["Location"], headers=english)
    assert page.status_code == 200
    assert '<html lang="es"' in page.text


def test_an_expired_or_broken_link_still_answers_in_the_links_language(client, db_session):
    listing = open_listing()
    page = client.get(
        f"/listings/{listing.id}/apply/resume/not-a-token?lang=es",
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 400
    assert '<html lang="es"' in page.text
