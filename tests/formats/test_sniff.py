"""Media types come from content, never from names."""

from __future__ import annotations

import io
import random
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.formats import (
    EXECUTABLE_TYPES,
    SNIFF_BYTES,
    expected_media_types,
    is_executable_extension,
    sniff_media_type,
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "a")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20), "image/jpeg"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf"),
        (_zip(), "application/zip"),
        (b"\x7fELF\x02\x01\x01" + bytes(60), "application/x-elf"),
        (b"MZ\x90\x00\x03" + bytes(60), "application/x-msdownload"),
        (b"From: a@example.org\r\nTo: b@example.org\r\nSubject: x\r\n\r\nbody", "message/rfc822"),
        (
            b"Received: from mx.example.org\n\tby relay.example.org\nFrom: a\n\nbody",
            "message/rfc822",
        ),
        (
            b"From a@example.org Mon Mar  2 10:00:00 2020\nFrom: a@example.org\n\nbody\n",
            "application/mbox",
        ),
        (
            b"From MAILER-DAEMON Mon Mar  2 10:00:00 2020\nReturn-Path: <a@example.org>\n",
            "application/mbox",
        ),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "text/html"),
        (b"\xef\xbb\xbf \n <HTML><body></body></HTML>", "text/html"),
        (b'{"a": 1, "b": [1, 2]}\n', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"<?xml version='1.0'?><root/>", "application/xml"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b"hello world\nsecond line\n", "text/plain"),
        (b"From the desk of the director\nplease read\n", "text/plain"),
        (b"Subject: notes for the meeting\nwe need to talk\n", "text/plain"),
        (b"", "application/x-empty"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_known_content(head: bytes, expected: str) -> None:
    assert sniff_media_type(head) == expected


def test_mail_whose_second_header_is_not_a_common_one() -> None:
    """Exported mail often opens with MIME-Version or Received and then any
    header at all (Cc, Thread-Topic, Content-Transfer-Encoding...)."""
    heads = [
        b"MIME-Version: 1.0\nCc: someone@example.org\nFrom: a@example.org\n\nbody",
        b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\naGk=",
        b"Date: Mon, 2 Mar 2020 10:00:00 +0000\nThread-Topic: hello\nFrom: a\n\nb",
    ]
    for head in heads:
        assert sniff_media_type(head) == "message/rfc822", head


def test_utf8_text_cut_mid_character_at_the_sniff_boundary_is_text() -> None:
    text = ("3€ " * 4000).encode()  # 5 bytes a unit: 8192 splits a euro sign
    head = text[:SNIFF_BYTES]
    with pytest.raises(UnicodeDecodeError):
        head.decode("utf-8")  # the cut really splits a character
    assert sniff_media_type(head) == "text/plain"
    json_head = ('{"note": "' + "€" * 4000 + '"}').encode()[:SNIFF_BYTES]
    assert sniff_media_type(json_head) == "text/plain"  # cut JSON is not closed


def test_latin1_text_is_text() -> None:
    head = "Le café de la place, ñandú, olé, façade.\n".encode("latin-1") * 40
    with pytest.raises(UnicodeDecodeError):
        head.decode("utf-8")
    assert sniff_media_type(head) == "text/plain"


def test_random_binary_is_octet_stream() -> None:
    rng = random.Random(7)
    for size in (64, 1000, SNIFF_BYTES):
        head = rng.randbytes(size).replace(b"\x00", b"\x01")  # no NUL to give it away
        assert sniff_media_type(head) == "application/octet-stream", size


def test_binary_with_nul_bytes_is_octet_stream() -> None:
    assert sniff_media_type(b"abc\x00def" * 100) == "application/octet-stream"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=SNIFF_BYTES + 16))
def test_any_bytes_give_a_media_type(head: bytes) -> None:
    media_type = sniff_media_type(head)
    assert isinstance(media_type, str)
    kind, _, subtype = media_type.partition("/")
    assert kind and subtype


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=3000),
    cut=st.integers(1, 9000),
)
def test_printable_text_cut_anywhere_is_not_binary(text: str, cut: int) -> None:
    head = text.encode()[: min(cut, SNIFF_BYTES)]
    assert sniff_media_type(head) not in ("application/octet-stream", "application/x-empty")


def test_expected_media_types_by_extension() -> None:
    assert expected_media_types("photo.JPG") == ("image/jpeg",)
    assert "application/zip" in (expected_media_types("x.docx") or ())
    assert expected_media_types("mail.eml") == ("message/rfc822", "text/plain")
    assert expected_media_types("no-extension") is None
    assert expected_media_types("x.unknownext") is None


def test_executable_extensions() -> None:
    assert is_executable_extension("setup.EXE")
    assert is_executable_extension("lib.dll")
    assert not is_executable_extension("report.pdf")
    assert set(expected_media_types("a.exe") or ()) == EXECUTABLE_TYPES
