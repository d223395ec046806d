"""Checking uploaded files: the type is read from the bytes, never from the name or header.

Pictures are not decoded here; their declared dimensions are read so that a small file that
would expand into an enormous picture (a decompression bomb) is refused before anyone opens it.
"""

from __future__ import annotations

import struct
from typing import IO

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
HEIC = "image/heic"

SUFFIXES = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", WEBP: ".webp", HEIC: ".heic"}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


class RejectedUpload(Exception):
    """The file cannot be accepted; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def sniff_type(head: bytes) -> str | None:
    """The content type the first bytes prove, or None for anything we do not accept."""
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


def png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The frame size from the first start-of-frame marker."""
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def checked_type(data: bytes, accepted: frozenset[str]) -> str:
    """The proven type of ``data`` if it is one of ``accepted``; otherwise RejectedUpload."""
    content_type = sniff_type(data[:16])
    if content_type is None or content_type not in accepted:
        raise RejectedUpload("wrong_type")
    if content_type == PDF and b"%%EOF" not in data[-1024:]:
        raise RejectedUpload("damaged")
    size = png_size(data) if content_type == PNG else None
    if content_type == JPEG:
        size = jpeg_size(data)
    if content_type in (PNG, JPEG):
        if size is None:
            raise RejectedUpload("damaged")
        width, height = size
        if width == 0 or height == 0:
            raise RejectedUpload("damaged")
        if width * height > MAX_PIXELS:
            raise RejectedUpload("too_many_pixels")
    return content_type


def safe_filename(filename: str | None) -> str:
    name = (filename or "file").replace("/", "_").replace("\\", "_")
    return "".join(char for char in name if char.isprintable())[-200:] or "file"
