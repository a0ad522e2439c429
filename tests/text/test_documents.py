"""PDF and DOCX text, and the carrier dispatcher."""

from __future__ import annotations

import io
import json
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.text.carriers import DOCX_MEDIA_TYPE, extract_text
from vigil.text.documents import docx_text, pdf_text


def make_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a text layer, offsets computed exactly."""
    text = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("latin-1")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_docx(paragraphs: list[str], extra: str = "") -> bytes:
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            f'{extra}<w:document xmlns:w="x"><w:body>{body}</w:body></w:document>',
        )
    return buffer.getvalue()


def test_pdf_text_per_page() -> None:
    document = pdf_text(make_pdf(["Invoice overdue", "Pay today"]))
    assert len(document.pages) == 1
    assert "Invoice overdue" in document.pages[0]
    assert not document.warnings


def test_broken_pdf_is_a_warning() -> None:
    assert pdf_text(b"%PDF-1.4\n garbage").warnings
    assert pdf_text(make_pdf(["x"])[:-40]).pages or pdf_text(make_pdf(["x"])[:-40]).warnings


def test_docx_paragraphs_and_entities() -> None:
    document = docx_text(make_docx(["First &amp; foremost", "Second"]))
    assert document.pages == ("First & foremost\nSecond\n",)


def test_docx_with_a_dtd_is_refused() -> None:
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa">]>'
    assert docx_text(make_docx(["&a;"], extra=bomb)).warnings
    assert docx_text(b"PK\x03\x04 not a zip").warnings


def test_dispatch_by_media_type() -> None:
    assert extract_text(make_pdf(["Hello PDF"]), "application/pdf").segments[0].text.strip()
    docx = extract_text(make_docx(["Hello DOCX"]), DOCX_MEDIA_TYPE)
    assert docx.carrier == "docx" and "Hello DOCX" in docx.full_text()
    html = extract_text(b"<html><body><p>Hi <b>there</b></p></body></html>", "text/html")
    assert (html.carrier, html.full_text()) == ("html", "Hi there")
    chat = extract_text(b"12/31/20, 9:41 PM - A: one\n12/31/20, 9:42 PM - B: two\n", "text/plain")
    assert chat.carrier == "whatsapp" and [s.sender for s in chat.segments] == ["A", "B"]
    assert str(chat.segments[1].locator) == "chat_message=2"
    telegram = {"name": "c", "messages": [{"id": 7, "from": "X", "text": "hey", "date": ""}]}
    assert extract_text(json.dumps(telegram).encode(), "application/json").carrier == "telegram"
    assert extract_text(b'{"a": 1}', "application/json").carrier == "unsupported"
    mail = extract_text(b"From: a@example.test\r\nSubject: Hi\r\n\r\nBody\r\n", "message/rfc822")
    assert mail.carrier == "email" and mail.email is not None
    assert mail.full_text() == "Hi\n\nBody\n"
    assert extract_text(b"", "text/plain").carrier == "unreadable"
    assert extract_text(b"\x00\x01\x02" * 100, "text/plain").carrier == "unsupported"
    assert extract_text(b"GIF89a", "image/gif").carrier == "unsupported"
    assert extract_text(make_pdf(["x"]), "application/pdf", truncated=True).carrier == "unreadable"


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=400),
    st.sampled_from(
        ["text/plain", "text/html", "message/rfc822", "application/json", "application/pdf",
         DOCX_MEDIA_TYPE, "text/csv", "image/png"]
    ),
)  # fmt: skip
def test_any_bytes_any_carrier(data: bytes, media_type: str) -> None:
    extracted = extract_text(data, media_type)
    assert extracted.carrier
    assert isinstance(extracted.full_text(), str)
    if not extracted.ok:
        assert extracted.warnings
