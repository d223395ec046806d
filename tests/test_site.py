"""Site-wide files browsers ask for on their own."""

from __future__ import annotations

from io import BytesIO

from PIL import Image


def test_the_favicon_is_an_icon(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert Image.open(BytesIO(response.data)).format == "ICO"


def test_pages_name_their_icons(client):
    page = client.get("/listings").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico" sizes="any">' in page
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
