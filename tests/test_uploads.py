"""A file is accepted for what it is, not for its first bytes: pictures are measured by Pillow,
PDFs are parsed, and neither may expand into far more than it looks."""

from __future__ import annotations

import pytest

from housing import uploads
from tests.upload_files import (
    animated_png,
    heic,
    pdf_inflating_to,
    pdf_of_html,
    pdf_with_pages,
    pdf_with_picture,
    picture,
    png_of_7000_by_7000,
    proof_pdf,
    webp_declaring,
)

EVERY_KIND = frozenset({uploads.PDF, uploads.PNG, uploads.JPEG, uploads.WEBP})


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(proof_pdf(), uploads.PDF, id="pdf"),
        pytest.param(pdf_with_pages(uploads.MAX_PDF_PAGES), uploads.PDF, id="pdf-most-pages"),
        # Protected against editing only: it opens without a password.
        pytest.param(pdf_with_pages(2, user_password=""), uploads.PDF, id="pdf-owner-password"),
        pytest.param(pdf_inflating_to(20), uploads.PDF, id="pdf-20-mb-of-content"),
        pytest.param(pdf_with_picture(2480, 3508), uploads.PDF, id="pdf-of-a-scanned-page"),
        pytest.param(picture("PNG"), uploads.PNG, id="png"),
        pytest.param(picture("JPEG", 4032, 3024), uploads.JPEG, id="jpeg-12-megapixels"),
        pytest.param(picture("WEBP"), uploads.WEBP, id="webp"),
    ],
)
def test_ordinary_files_are_accepted_as_what_they_are(content, content_type):
    assert uploads.checked_type(content, EVERY_KIND) == content_type


@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(pdf_of_html(), "damaged", id="pdf-of-html"),
        pytest.param(pdf_inflating_to(200), "too_much_content", id="pdf-inflating-to-200-mb"),
        pytest.param(
            pdf_with_pages(uploads.MAX_PDF_PAGES + 1), "too_many_pages", id="pdf-too-many-pages"
        ),
        pytest.param(pdf_with_pages(1, user_password="secret"), "password", id="pdf-password"),
        pytest.param(pdf_with_picture(9000, 9000), "too_many_pixels", id="pdf-of-a-huge-picture"),
        pytest.param(png_of_7000_by_7000(), "too_many_pixels", id="png-7000-by-7000"),
        pytest.param(webp_declaring(16384, 16384), "too_many_pixels", id="webp-16384-square"),
        pytest.param(animated_png(11, 2000, 2000), "too_many_pixels", id="png-of-11-frames"),
        pytest.param(webp_declaring(640, 480), "damaged", id="webp-header-only"),
        pytest.param(picture("PNG")[:60], "damaged", id="png-cut-short"),
        pytest.param(picture("JPEG")[:30], "damaged", id="jpeg-cut-short"),
        pytest.param(heic(), "heic", id="heic"),
    ],
)
def test_hostile_or_broken_files_are_refused_with_their_reason(content, code):
    with pytest.raises(uploads.RejectedUpload) as refused:
        uploads.checked_type(content, EVERY_KIND)
    assert refused.value.code == code


def test_a_picture_where_only_a_pdf_is_accepted_is_the_wrong_type():
    with pytest.raises(uploads.RejectedUpload) as refused:
        uploads.checked_type(picture("PNG"), frozenset({uploads.PDF}))
    assert refused.value.code == "wrong_type"
