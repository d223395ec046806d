"""Files to upload, made in memory: ordinary ones, and the hostile ones an outsider sent."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from pypdf import PdfWriter

from housing.demo_files import pdf_document


def picture(kind: str, width: int = 64, height: int = 48) -> bytes:
    """A real picture, encoded by Pillow (``kind``: PNG, JPEG or WEBP)."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(buffer, kind)
    return buffer.getvalue()


def png_of_7000_by_7000() -> bytes:
    """A well-formed PNG of a few kilobytes whose pixels fill 150 MB once decoded."""
    buffer = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buffer, "PNG")
    return buffer.getvalue()


def animated_png(frames: int, width: int, height: int) -> bytes:
    """An animated PNG: each frame small enough alone, all of them together not."""
    pictures = [Image.new("L", (width, height), shade) for shade in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, "PNG", save_all=True, append_images=pictures[1:])
    return buffer.getvalue()


def webp_declaring(width: int, height: int) -> bytes:
    """A lossless WebP header claiming ``width`` x ``height`` pixels, with nothing behind it."""
    bits = (width - 1) | ((height - 1) << 14)
    payload = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 32
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def heic() -> bytes:
    """The first bytes of an iPhone photo (ISO base media file, brand heic)."""
    return struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def pdf_of_html() -> bytes:
    """A file that starts like a PDF and is a web page with a script."""
    return b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"


def pdf_with_pages(count: int, *, user_password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(612, 792)
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_inflating_to(megabytes: int) -> bytes:
    """A one-page PDF whose page content is a FlateDecode stream of ``megabytes`` MB of zeros:
    about a thousandth of that on disk."""
    compressor = zlib.compressobj(9)
    zeros = b"\x00" * (1024 * 1024)
    stream = b"".join(compressor.compress(zeros) for _ in range(megabytes)) + compressor.flush()
    return _one_page_pdf(b"/Contents 4 0 R", b"/Filter /FlateDecode", stream)


def pdf_with_picture(width: int, height: int) -> bytes:
    """A one-page PDF showing a JPEG-compressed picture that declares ``width`` x ``height``."""
    return _one_page_pdf(
        b"/Resources << /XObject << /Im1 4 0 R >> >>",
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /DCTDecode" % (width, height),
        picture("JPEG", 8, 8),
    )


def _one_page_pdf(page_entries: bytes, stream_entries: bytes, stream: bytes) -> bytes:
    """A PDF of one page whose object 4 is a stream, written with its cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " + page_entries + b" >>",
        b"<< /Length %d " % len(stream)
        + stream_entries
        + b" >>\nstream\n"
        + stream
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def proof_pdf(title: str = "Proof") -> bytes:
    return pdf_document(title, ["March"])
