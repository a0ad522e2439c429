"""Mail: attachments and attached messages of .eml and .mbox files become
derived items located by MIME part number or mbox message number."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from vigil.ingest import IngestLimits

from .helpers import IngestEnv, message_with_attachments, steps_of, write


def _message(sender: str, subject: str, body: str, files: dict[str, bytes]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "inbox@example.org"
    message["Subject"] = subject
    message.set_content(body)
    for name, data in files.items():
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message


def test_eml_attachments_and_attached_message_become_derived_items(env: IngestEnv) -> None:
    path = write(env.evidence / "mail.eml", message_with_attachments())

    summary = env.add(path)

    items = env.by_steps()
    top = items[(("path", str(path)),)]
    assert top.media_type == "message/rfc822"
    pdf = items[(("path", str(path)), ("mime_part", "2"))]
    notes = items[(("path", str(path)), ("mime_part", "3"))]
    attached = items[(("path", str(path)), ("mime_part", "4"))]
    inner_file = items[(("path", str(path)), ("mime_part", "4"), ("mime_part", "2"))]
    assert (pdf.name, notes.name, inner_file.name) == ("report.pdf", "notes.txt", "inner.bin")
    assert pdf.parent_id == notes.parent_id == attached.parent_id == top.id
    assert inner_file.parent_id == attached.id
    assert env.blob(pdf) == b"%PDF-1.4\n%fake pdf for the test\n"
    assert pdf.media_type == "application/pdf"
    assert env.blob(notes) == b"plain notes\n"
    assert env.blob(inner_file) == b"inner attachment bytes"
    assert attached.media_type == "message/rfc822"
    inner = email.message_from_bytes(env.blob(attached), policy=email.policy.default)
    assert inner["Subject"] == "forwarded"
    assert str(inner_file.locator) == f"path={path} > mime_part=4 > mime_part=2"
    # the text body is not an attachment and is not split off
    assert (summary.added, summary.derived, summary.warnings) == (1, 4, 0)
    env.assert_consistent()


def test_nested_multipart_parts_are_numbered_like_imap(env: IngestEnv) -> None:
    message = EmailMessage()
    message["From"] = "a@example.org"
    message["To"] = "b@example.org"
    message["Subject"] = "html with an inline image"
    message.set_content("text version")
    message.add_alternative("<html><body><img src='cid:logo'></body></html>", subtype="html")
    html = message.get_payload()[1]
    html.add_related(
        b"\x89PNG\r\n\x1a\nnot really",
        maintype="image",
        subtype="png",
        cid="<logo>",
        filename="logo.png",
    )
    message.add_attachment(
        b"attached", maintype="application", subtype="octet-stream", filename="file.bin"
    )
    path = write(env.evidence / "nested.eml", message.as_bytes())

    env.add(path)

    derived = {steps_of(i)[1:]: i.name for i in env.items() if i.parent_id}
    assert derived == {
        (("mime_part", "1.2.2"),): "logo.png",
        (("mime_part", "2"),): "file.bin",
    }
    env.assert_consistent()


def test_mbox_messages_and_their_attachments(env: IngestEnv) -> None:
    first = _message("alice@example.org", "one", "first body\n", {"a1.bin": b"attachment one"})
    second = _message(
        "bob@example.org", "two", "quoted below\n\nFrom the start it was\nplanned\n", {}
    )
    third = _message(
        "carol@example.org", "three", "third\n", {"c1.bin": b"carol one", "c2.bin": b"carol two"}
    )
    second_bytes = second.as_bytes().replace(b"\nFrom the start", b"\n>From the start")
    assert b"\n>From the start" in second_bytes
    mbox = b""
    for sender, raw in (
        ("alice", first.as_bytes()),
        ("bob", second_bytes),
        ("carol", third.as_bytes()),
    ):
        mbox += f"From {sender}@example.org Mon Mar  2 10:00:00 2020\n".encode()
        mbox += raw.rstrip(b"\n") + b"\n\n"
    path = write(env.evidence / "inbox.mbox", mbox)

    summary = env.add(path)

    items = env.by_steps()
    top = items[(("path", str(path)),)]
    assert top.media_type == "application/mbox"
    messages = [items[(("path", str(path)), ("mbox_message", str(n)))] for n in (1, 2, 3)]
    assert [m.name for m in messages] == ["message-1.eml", "message-2.eml", "message-3.eml"]
    assert all(m.parent_id == top.id and m.media_type == "message/rfc822" for m in messages)
    subjects = [
        email.message_from_bytes(env.blob(m), policy=email.policy.default)["Subject"]
        for m in messages
    ]
    assert subjects == ["one", "two", "three"]
    body = env.blob(messages[1])
    assert b"\nFrom the start it was\n" in body and b">From" not in body
    assert not env.blob(messages[0]).startswith(b"From ")
    attachments = {steps_of(i)[1:]: env.blob(i) for i in env.items() if len(i.locator.steps) == 3}
    assert attachments == {
        (("mbox_message", "1"), ("mime_part", "2")): b"attachment one",
        (("mbox_message", "3"), ("mime_part", "2")): b"carol one",
        (("mbox_message", "3"), ("mime_part", "3")): b"carol two",
    }
    assert (summary.added, summary.derived, summary.warnings) == (1, 6, 0)
    env.assert_consistent()


def test_mbox_message_over_the_mail_limit_is_not_expanded(env: IngestEnv) -> None:
    small = _message("a@example.org", "small", "small\n", {})
    big = _message("b@example.org", "big", "big\n", {"big.bin": bytes(200_000)})
    mbox = b""
    for raw in (small.as_bytes(), big.as_bytes()):
        mbox += b"From x@example.org Mon Mar  2 10:00:00 2020\n" + raw + b"\n"
    path = write(env.evidence / "box.mbox", mbox)

    env.add(path, limits=IngestLimits(max_mail_bytes=100_000))

    [warning] = env.warnings_with("message_too_large")
    assert steps_of(warning)[-1] == ("mbox_message", "2")
    assert sorted(i.name for i in env.items()) == ["box.mbox", "message-1.eml"]
    env.assert_consistent()


def test_eml_over_the_mail_limit_is_kept_with_a_warning(env: IngestEnv) -> None:
    big = _message("b@example.org", "big", "big\n", {"big.bin": bytes(200_000)})
    path = write(env.evidence / "big.eml", big.as_bytes())

    env.add(path, limits=IngestLimits(max_mail_bytes=100_000))

    assert env.codes() == ["message_too_large"]
    assert [i.name for i in env.items()] == ["big.eml"]
    env.assert_consistent()


def test_malformed_multipart_gives_defect_warnings_not_a_crash(env: IngestEnv) -> None:
    raw = (
        b"From: a@example.org\nTo: b@example.org\nSubject: broken\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="XYZ"\n\n'
        b"--XYZ\nContent-Type: application/octet-stream\n"
        b'Content-Disposition: attachment; filename="cut.bin"\n'
        b"Content-Transfer-Encoding: base64\n\nAAEC!!!not base64"
    )
    path = write(env.evidence / "broken.eml", raw)

    env.add(path)

    assert env.items()[0].name == "broken.eml"
    assert "mail_defect" in env.codes()
    env.assert_consistent()


def test_attachment_without_a_filename_gets_a_part_name(env: IngestEnv) -> None:
    message = EmailMessage()
    message["From"] = "a@example.org"
    message["To"] = "b@example.org"
    message["Subject"] = "nameless"
    message.set_content("body")
    message.add_attachment(
        b"data", maintype="application", subtype="octet-stream", disposition="attachment"
    )
    path = write(env.evidence / "nameless.eml", message.as_bytes())

    env.add(path)

    [child] = [i for i in env.items() if i.parent_id]
    assert child.name == "part-2"
    assert env.blob(child) == b"data"


def test_attachment_filename_with_a_path_is_reduced_to_its_last_part(env: IngestEnv) -> None:
    message = _message(
        "a@example.org", "paths", "body", {"../../etc/passwd": b"p", "C:\\Users\\x\\evil.exe": b"e"}
    )
    path = write(env.evidence / "paths.eml", message.as_bytes())

    env.add(path)

    assert sorted(i.name for i in env.items() if i.parent_id) == ["evil.exe", "passwd"]
    env.assert_consistent()
