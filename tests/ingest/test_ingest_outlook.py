"""Outlook .msg files: attachments and embedded messages become derived items
located by attachment number; broken files are warnings."""

from __future__ import annotations

import pytest

pytest.importorskip("extract_msg")

from tests.text.msg_fixtures import draft, nested, ole_document, to_bytes  # noqa: E402

from .helpers import IngestEnv, steps_of, write  # noqa: E402


def test_msg_attachments_become_derived_items(env: IngestEnv) -> None:
    message = draft(
        "Invoice",
        "See the attachments.",
        ("Billing", "billing@example.org"),
        "bob@example.org",
        (("invoice.pdf", b"%PDF-1.4\n%fake\n", "application/pdf"), ("notes.txt", b"n\n", "")),
    )
    path = write(env.evidence / "invoice.msg", to_bytes(message))
    summary = env.add(path)
    items = env.by_steps()
    top = items[(("path", str(path)),)]
    assert top.media_type == "application/vnd.ms-outlook"
    pdf = items[(("path", str(path)), ("msg_attachment", "1"))]
    notes = items[(("path", str(path)), ("msg_attachment", "2"))]
    assert (pdf.name, notes.name) == ("invoice.pdf", "notes.txt")
    assert env.blob(pdf) == b"%PDF-1.4\n%fake\n" and pdf.media_type == "application/pdf"
    assert (summary.derived, summary.warnings) == (2, 0)


def test_embedded_message_is_expanded_as_a_message(env: IngestEnv) -> None:
    path = write(env.evidence / "forward.msg", nested(2))
    env.add(path)
    derived = [i for i in env.items() if i.parent_id is not None]
    assert [steps_of(i)[-1] for i in derived] == [("msg_attachment", "1")]
    assert derived[0].media_type == "message/rfc822"


def test_broken_and_foreign_ole_files(env: IngestEnv) -> None:
    broken = write(
        env.evidence / "broken.msg",
        to_bytes(draft("x", "y", ("A", "a@example.org"), "b@example.org"))[:2000],
    )
    document = write(env.evidence / "report.doc", ole_document())
    env.add(broken, document)
    assert [w.message for w in env.warnings_with("corrupt_container")] == [
        "Outlook message: the .msg could not be opened (OleFileError)"
    ]
    assert len(env.items()) == 2  # nothing derived, and no warning for the .doc
