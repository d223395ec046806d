"""Checking uploaded files: the type is read from the bytes, never from the name or header.

The first bytes only say what a file claims to be. A picture is then measured by Pillow from its
header, without decoding it, so that a small file that would expand into an enormous picture (a
decompression bomb) is refused before anyone opens it; a PDF must parse, with a bounded number
of pages and content that does not expand far beyond the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image
from pypdf import PdfReader, apply_configuration, get_configuration
from pypdf.errors import FileNotDecryptedError, LimitReachedError
from pypdf.generic import ArrayObject, StreamObject

MAX_BYTES = 10 * 1024 * 1024
# A 40-megapixel photo is beyond what a proof or a listing picture needs; decoded, it fills
# about 160 MB.
MAX_PIXELS = 40_000_000
MAX_PDF_PAGES = 50
# What all of a PDF's streams may add up to once decompressed.
MAX_PDF_CONTENT = 100 * 1024 * 1024


@dataclass(frozen=True)
class UploadQuota:
    """How many files, and bytes in all, one holder of uploads may keep."""

    files: int
    total_bytes: int


# Per application, and per address for files not yet in a submitted application: well above
# what any household's proofs need.
UPLOAD_QUOTA = UploadQuota(files=20, total_bytes=50 * 1024 * 1024)

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
# Recognised only to say why it is refused: Pillow cannot read HEIC without a plugin, and
# phones send JPEG to a form that does not ask for HEIC.
HEIC = "image/heic"

SUFFIXES = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", WEBP: ".webp"}
PICTURE_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# Filters whose data pypdf hands over as it is (pictures for a viewer to decode) or can only
# decode with an outside program; such a picture is bounded by its pixels instead.
_PICTURE_FILTERS = {"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"}
# pypdf's limits on what one stream may decompress to, set to what is left of MAX_PDF_CONTENT.
_DECODED_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "array_based_stream_maximum_output_length",
)


class RejectedUpload(Exception):
    """The file cannot be accepted; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def sniff_type(head: bytes) -> str | None:
    """The content type the first bytes claim, or None for anything we do not recognise."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return HEIC
    return None


def read_limited(stream: IO[bytes], maximum: int = MAX_BYTES) -> bytes:
    data = stream.read(maximum + 1)
    if len(data) > maximum:
        raise RejectedUpload("too_large")
    if not data:
        raise RejectedUpload("empty")
    return data


def checked_type(data: bytes, accepted: frozenset[str]) -> str:
    """The proven type of ``data`` if it is one of ``accepted``; otherwise RejectedUpload."""
    content_type = sniff_type(data[:16])
    if content_type == HEIC and HEIC not in accepted:
        raise RejectedUpload("heic")
    if content_type is None or content_type not in accepted:
        raise RejectedUpload("wrong_type")
    if content_type == PDF:
        check_pdf(data)
    else:
        check_picture(data, PICTURE_FORMATS[content_type])
    return content_type


def check_picture(data: bytes, picture_format: str) -> None:
    """The picture's header must parse, declare at most MAX_PIXELS (counting every frame of an
    animated one), and its structure verify. Nothing is decoded: Pillow reads the size and the
    number of frames from the headers."""
    try:
        with Image.open(io.BytesIO(data), formats=[picture_format]) as picture:
            width, height = picture.size
            if width * height * getattr(picture, "n_frames", 1) > MAX_PIXELS:
                raise RejectedUpload("too_many_pixels")
            picture.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own, larger, limit: met while opening, before the size can be read.
        raise RejectedUpload("too_many_pixels") from None
    except RejectedUpload:
        raise
    except Exception:  # Pillow reports a broken file with many kinds of exception
        raise RejectedUpload("damaged") from None
    if width == 0 or height == 0:
        raise RejectedUpload("damaged")


def check_pdf(data: bytes) -> None:
    """The PDF must parse (a page of HTML behind "%PDF-" does not), open without a password,
    have 1 to MAX_PDF_PAGES pages, pictures of at most MAX_PIXELS, and streams that decompress
    to at most MAX_PDF_CONTENT in all; decompression stops as soon as that is passed."""
    if b"%%EOF" not in data[-1024:]:
        raise RejectedUpload("damaged")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PDF_PAGES:
            raise RejectedUpload("too_many_pages" if pages else "damaged")
        remaining = MAX_PDF_CONTENT
        for stream in _streams(reader):
            _check_embedded_picture(stream)
            if _filter_names(stream) & _PICTURE_FILTERS:
                continue
            # pypdf reads a limit of 0 as none at all.
            limits = dict.fromkeys(_DECODED_LIMITS, remaining + 1)
            with apply_configuration(get_configuration().with_overwrites(**limits)):
                remaining -= len(stream.get_data())
            if remaining < 0:
                raise RejectedUpload("too_much_content")
    except RejectedUpload:
        raise
    except LimitReachedError:
        raise RejectedUpload("too_much_content") from None
    except FileNotDecryptedError:
        raise RejectedUpload("password") from None
    except Exception:  # pypdf reports a broken file with many kinds of exception
        raise RejectedUpload("damaged") from None


def _streams(reader: PdfReader) -> list[StreamObject]:
    """Every stream the file's cross-reference table names (a stream cannot sit inside an
    object stream, so the table names them all)."""
    found = []
    for numbers in reader.xref.values():
        for number in numbers:
            value = reader.get_object(number)
            if isinstance(value, StreamObject):
                found.append(value)
    return found


def _entry(stream: StreamObject, key: str) -> Any:
    """A stream dictionary's entry, followed if it is a reference; None when absent."""
    value = stream.get(key)
    return None if value is None else value.get_object()


def _filter_names(stream: StreamObject) -> set[str]:
    filters = _entry(stream, "/Filter")
    if isinstance(filters, ArrayObject):
        return {str(name.get_object()) for name in filters}
    return set() if filters is None else {str(filters)}


def _check_embedded_picture(stream: StreamObject) -> None:
    if _entry(stream, "/Subtype") != "/Image":
        return
    width, height = _entry(stream, "/Width"), _entry(stream, "/Height")
    if isinstance(width, int) and isinstance(height, int) and width * height > MAX_PIXELS:
        raise RejectedUpload("too_many_pixels")


def safe_filename(filename: str | None) -> str:
    name = (filename or "file").replace("/", "_").replace("\\", "_")
    return "".join(char for char in name if char.isprintable())[-200:] or "file"
