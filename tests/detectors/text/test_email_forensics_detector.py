"""Each e-mail forensics rule on a made-up message, hostile mail, and the
rule rates on the shared labelled mail."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from vigil.detectors.text.email_forensics import (
    ATTACHMENT,
    LINK,
    LOOKALIKE,
    SPOOFING,
    EmailForensicsDetector,
    EmailForensicsOptions,
    check,
)
from vigil.domain.model import Finding, Locator, Status, Verdict
from vigil.text.mail import parse_email


def _mail(
    sender: str = "Alice <alice@example.org>",
    to: str = "bob@example.org",
    headers: dict[str, str] | None = None,
    html: str | None = None,
    text: str = "Hello.\n",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Test"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _rules(message: EmailMessage, own: tuple[str, ...] = ()) -> set[str]:
    hits, _ = check(parse_email(bytes(message)), own)
    return {h.rule for h in hits}


def test_clean_aligned_mail_fires_nothing() -> None:
    headers = {
        "Authentication-Results": "mx.example.org; spf=pass smtp.mailfrom=example.org; "
        "dkim=pass header.d=example.org; dmarc=pass header.from=example.org"
    }
    assert _rules(_mail(headers=headers)) == set()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Authentication-Results": "mx; dmarc=fail header.from=example.org"}, "dmarc_fail"),
        (
            {"Authentication-Results": "mx; spf=softfail smtp.mailfrom=example.org; dkim=none"},
            "spf_fail_no_dkim",
        ),
        (
            {"Authentication-Results": "mx; spf=pass smtp.mailfrom=mailer.example.net"},
            "unaligned_auth",
        ),
        ({"Received-SPF": "Fail (x) envelope-from=a@example.org"}, "spf_fail_no_dkim"),
        ({"Reply-To": "pay@example.net"}, "reply_to_mismatch"),
        ({"Reply-To": "refunds@gmail.com"}, "reply_to_freemail"),
        ({"Return-Path": "<bounce@example.net>"}, "return_path_mismatch"),
    ],
)
def test_sender_rules(headers: dict[str, str], expected: str) -> None:
    assert expected in _rules(_mail(headers=headers))


def test_list_mail_does_not_trip_rules_lists_break() -> None:
    headers = {"Reply-To": "list@lists.example.net", "Return-Path": "<b@lists.example.net>",
               "List-Id": "<dev.lists.example.net>"}  # fmt: skip
    assert _rules(_mail(headers=headers)) == set()


def test_display_name_impersonation() -> None:
    assert "display_name_brand" in _rules(_mail(sender="PayPal Service <help@gmail.com>"))
    assert "display_name_brand" not in _rules(_mail(sender="PayPal <service@paypal.com>"))
    shown = _rules(_mail(sender='"ceo@example.org" <ceo.office@example.net>'))
    assert "display_name_address" in shown


@pytest.mark.parametrize(
    ("sender", "rule"),
    [
        ("Support <support@paypa1.com>", "brand_homoglyph"),
        ("Support <support@xn--pypal-4ve.com>", "brand_homoglyph"),
        ("Support <support@microsofft.com>", "brand_typo"),
        ("Support <support@secure-paypal-login.com>", "brand_in_name"),
    ],
)
def test_lookalike_senders(sender: str, rule: str) -> None:
    assert rule in _rules(_mail(sender=sender))


def test_own_domain_lookalike_from_the_recipient_and_from_options() -> None:
    assert "own_domain_homoglyph" in _rules(
        _mail(sender="CEO <ceo@acme-c0rp.com>", to="staff@acme-corp.com")
    )
    assert "own_domain_typo" in _rules(
        _mail(sender="CEO <ceo@acmecorq.com>", to="x@gmail.com"), own=("acmecorp.com",)
    )


def test_mixed_script_idn() -> None:
    host = "shop-ex\u0430mple.com".encode("idna").decode()  # Cyrillic a among Latin letters
    assert host.startswith("xn--")
    assert "mixed_script_domain" in _rules(_mail(sender=f"Shop <orders@{host}>"))


@pytest.mark.parametrize(
    ("html", "rule"),
    [
        ('<a href="https://evil-login.com/x">www.mybank.com</a>', "link_text_mismatch"),
        ('<a href="http://198.51.100.7/">Log in</a>', "ip_address_link"),
        ('<a href="https://bit.ly/abc">Track parcel</a>', "url_shortener"),
        ('<a href="javascript:void(0)">Open</a>', "script_link"),
        ('<form action="https://x.com/p"><input type="password"></form>', "password_form"),
    ],
)
def test_link_rules(html: str, rule: str) -> None:
    assert rule in _rules(_mail(html=html))


def test_link_text_naming_a_file_is_not_a_domain() -> None:
    html = '<a href="https://github.com/x/y/blob/main/Makefile.inc">Makefile.inc</a>'
    assert "link_text_mismatch" not in _rules(_mail(html=html))


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("filename", "data", "rule"),
    [
        ("invoice.pdf.exe", b"MZ\x90\x00", "double_extension"),
        ("invoice.pdf.exe", b"MZ\x90\x00", "executable"),
        ("report\u202efdp.exe", b"MZ", "double_extension"),
        ("run.js", b"var a = 1;", "executable"),
        ("salary.xlsm", _zip({"xl/vbaProject.bin": b"x"}), "macro_document"),
        ("form.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "_VBA_PROJECT".encode("utf-16-le"),
         "macro_document"),
        ("statement.html", b"<html><p>hi</p></html>", "html_attachment"),
        ("login.htm", b"<form><input type=password></form>", "html_password_form"),
        ("docs.zip", _zip({"scan.scr": b"MZ"}), "archive_executable"),
        ("disk.iso", b"\x00" * 16, "disk_image"),
        ("files.rar", b"Rar!\x1a\x07\x00", "opaque_archive"),
    ],
)  # fmt: skip
def test_attachment_rules(filename: str, data: bytes, rule: str) -> None:
    message = _mail()
    message.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    assert rule in _rules(message)


def test_harmless_attachment() -> None:
    message = _mail()
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="a.pdf")
    assert not {r for r in _rules(message) if r != "unaligned_auth"}


def _run(data: bytes, options: EmailForensicsOptions | None = None) -> list[Finding]:
    detector = EmailForensicsDetector(EmailForensicsDetector.example_services())

    class _View:
        sha256 = hashlib.sha256(data).hexdigest()
        md5 = sha1 = ""
        media_type = "message/rfc822"
        name = "m.eml"
        size = len(data)
        locator = Locator()

        def open(self) -> io.BytesIO:
            return io.BytesIO(data)

    return list(detector.detect(_View(), options or EmailForensicsOptions()))


def test_one_finding_per_label_with_evidence() -> None:
    example = next(e for e in EmailForensicsDetector.examples() if e.name == "spoofed PayPal")
    findings = {f.label: f for f in _run(example.data)}
    assert set(findings) == {SPOOFING, LOOKALIKE, LINK, ATTACHMENT}
    spoofing = findings[SPOOFING]
    assert spoofing.verdict is Verdict.POSITIVE and spoofing.score is not None
    fired = spoofing.details["rules"]
    assert isinstance(fired, list)
    rules = [r["rule"] for r in fired if isinstance(r, dict)]
    assert "dmarc_fail" in rules and "display_name_brand" in rules
    assert findings[LOOKALIKE].indicators[0].value == "paypa1.com"
    assert findings[ATTACHMENT].verdict is Verdict.NEGATIVE


@pytest.mark.parametrize(
    "data",
    [
        b"From: a@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
        + b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                   for i in range(1500)),
        b"From: a@example.org\r\nSubject: " + b"A" * 2_000_000 + b"\r\n\r\nx",
        b"From: a@example.org\r\nContent-Type: text/html\r\n\r\n" + b"<a href=x>" * 300_000,
        b"From: \xff\xfe <\xff@\xfe>\r\nSubject: =?bogus?q?x?=\r\n\r\n\xff",
    ],
    ids=["deep", "huge-header", "html-bomb", "bad-bytes"],
)  # fmt: skip
def test_hostile_mail_gives_findings(data: bytes) -> None:
    findings = _run(data)
    assert len(findings) == 4
    assert all(f.status is Status.OK for f in findings)
    assert all(f.details["warnings"] for f in findings)  # the damage is said, not hidden


def test_not_a_message_is_unsupported() -> None:
    findings = _run(b"just some words without headers\n")
    assert {f.status for f in findings} == {Status.UNSUPPORTED}


def test_rule_rates_on_labelled_mail(shared_data: Path) -> None:
    """Regression guard on the numbers in email_forensics.md."""
    text = shared_data / "text"
    rates = {}
    for folder in ("email_phishing_pot", "email_modern_ham"):
        with (text / folder / "index.csv").open(encoding="utf-8") as handle:
            paths = [text / folder / row["path"] for row in csv.DictReader(handle)]
        spoofed = 0
        for path in paths:
            hits, _ = check(parse_email(path.read_bytes()))
            weights = [h.weight for h in hits if h.label == SPOOFING]
            remaining = 1.0
            for weight in weights:
                remaining *= 1 - weight
            spoofed += 1 - remaining >= 0.5
        rates[folder] = spoofed / len(paths)
    assert rates["email_phishing_pot"] >= 0.3
    assert rates["email_modern_ham"] <= 0.02


def test_examples_cover_every_label() -> None:
    assert {e.expected_label for e in EmailForensicsDetector.examples()} == {
        SPOOFING, LOOKALIKE, LINK, ATTACHMENT
    }  # fmt: skip
