"""Charset decisions and bounded reads."""

from __future__ import annotations

import codecs
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.text.decode import decode_text, looks_binary, read_bounded

SAMPLE = "Grüße aus Köln – 10 € für Sie"


def test_utf8_is_read_strictly() -> None:
    decoded = decode_text(SAMPLE.encode("utf-8"))
    assert (decoded.text, decoded.encoding, decoded.replaced) == (SAMPLE, "utf-8", False)


def test_byte_order_marks_win() -> None:
    for bom, codec in [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ]:
        decoded = decode_text(bom + SAMPLE.encode(codec))
        assert decoded.text == SAMPLE
        assert decoded.encoding == codec


def test_utf16_without_bom_is_recognised() -> None:
    decoded = decode_text("Hello, this is a chat export".encode("utf-16-le"))
    assert decoded.text == "Hello, this is a chat export"
    assert decoded.encoding == "utf-16-le"


def test_windows_1252_then_latin1_fallback() -> None:
    assert decode_text(SAMPLE.encode("cp1252")).text == SAMPLE
    assert decode_text(SAMPLE.encode("cp1252")).encoding == "cp1252"
    # 0x81 is undefined in cp1252: latin-1 takes every byte
    decoded = decode_text(b"caf\xe9 \x81")
    assert decoded.encoding == "latin-1"
    assert decoded.text == "caf\xe9 \x81"


def test_declared_charset_is_used_and_bad_names_ignored() -> None:
    koi8 = "Привет".encode("koi8-r")
    assert decode_text(koi8, "koi8-r").text == "Привет"
    assert decode_text(b"plain", "no-such-charset").text == "plain"
    assert decode_text(b"plain", "rot13").text == "plain"  # not a text encoding


def test_a_character_cut_at_the_limit_is_dropped() -> None:
    data = "naïve".encode()[:-1] + "é".encode()[:1]
    decoded = decode_text(data)
    assert decoded.text == "naïv"
    assert decoded.replaced


def test_read_bounded_reports_what_remained() -> None:
    assert read_bounded(io.BytesIO(b"x" * 10), 4) == (b"xxxx", True)
    assert read_bounded(io.BytesIO(b"x" * 4), 4) == (b"xxxx", False)
    assert read_bounded(io.BytesIO(b""), 4) == (b"", False)


def test_looks_binary() -> None:
    assert looks_binary(b"\x00\x01\x02 binary")
    assert not looks_binary(b"plain text\n")
    assert not looks_binary("utf-16 text".encode("utf-16"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.sampled_from([None, "utf-8", "latin-1", "bogus", "utf-16"]))
def test_any_bytes_decode(data: bytes, declared: str | None) -> None:
    decoded = decode_text(data, declared)
    assert isinstance(decoded.text, str)
    assert decoded.encoding
