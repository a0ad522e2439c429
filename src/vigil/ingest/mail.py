"""RFC 822 messages, Outlook .msg files and mbox files: attachments and
attached messages become derived items, located by IMAP-style MIME part
numbers (.msg: by attachment number)."""

from __future__ import annotations

import email
import email.policy
import io
from collections.abc import Callable, Iterator
from email.message import EmailMessage, Message
from typing import BinaryIO

from vigil.ingest.members import Member, Problem, display_name
from vigil.text.outlook import outlook_to_rfc822

__all__ = ["expand_mbox", "expand_message", "expand_outlook"]

Opener = Callable[[], BinaryIO]


def expand_message(open_blob: Opener) -> Iterator[Member | Problem]:
    with open_blob() as raw:
        message = email.message_from_binary_file(raw, policy=email.policy.default)
    for defect in message.defects[:20]:
        yield Problem("mail_defect", f"message header defect: {type(defect).__name__}")
    yield from _parts(message, "")


def expand_outlook(open_blob: Opener, max_bytes: int) -> Iterator[Member | Problem]:
    """Attachments and embedded messages of an Outlook .msg, expanded as an
    .eml's are from the RFC 822 form `vigil.text.outlook` makes of it. An OLE
    file that is not a message (a .doc) has nothing to expand."""
    with open_blob() as raw:
        data = raw.read(max_bytes + 1)
    if len(data) > max_bytes:
        yield Problem(
            "message_too_large", f"over the {max_bytes}-byte limit, kept but not expanded"
        )
        return
    converted = outlook_to_rfc822(data)
    if converted.status == "unsupported":
        return
    for warning in converted.warnings[:20]:
        code = "mail_defect" if converted.status == "ok" else "corrupt_container"
        yield Problem(code, f"Outlook message: {warning}")
    if converted.status != "ok":
        return
    for member in expand_message(lambda: io.BytesIO(converted.rfc822)):
        if isinstance(member, Member) and member.step_kind == "mime_part":
            # part 1 holds the bodies; attachments follow as parts 2, 3, ...
            number = str(int(member.step_value.split(".")[0]) - 1)
            member = Member(member.name, "msg_attachment", number, member.open_chunks)
        yield member


def _parts(message: Message, prefix: str) -> Iterator[Member | Problem]:
    if not message.is_multipart():
        return
    payload = message.get_payload()
    assert isinstance(payload, list)
    for index, part in enumerate(payload, start=1):
        section = f"{prefix}{index}"
        if part.get_content_type() == "message/rfc822":
            yield from _attached_message(part, section)
        elif part.is_multipart():
            yield from _parts(part, f"{section}.")
        elif _is_attachment(part):
            yield _attachment(part, section)


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or part.get_filename() is not None


def _attachment(part: Message, section: str) -> Member:
    data = part.get_payload(decode=True)
    body = data if isinstance(data, bytes) else b""
    name = display_name(str(part.get_filename() or ""), f"part-{section}")
    return Member(name, "mime_part", section, lambda: iter((body,)), None)


def _attached_message(part: Message, section: str) -> Iterator[Member | Problem]:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        body = (
            inner[0].as_bytes(policy=email.policy.default)
            if isinstance(inner[0], EmailMessage)
            else inner[0].as_bytes()
        )
    else:
        decoded = part.get_payload(decode=True)
        body = decoded if isinstance(decoded, bytes) else b""
    yield Member(f"message-{section}.eml", "mime_part", section, lambda: iter((body,)), None)


def expand_mbox(open_blob: Opener, max_message_bytes: int) -> Iterator[Member | Problem]:
    """Split an mbox on its 'From ' separator lines, streaming: the file is
    never held whole in memory and never opened for writing (the standard
    library's mailbox.mbox opens it read-write)."""
    index = 0
    lines: list[bytes] = []
    size = 0
    previous_blank = True
    started = False
    with open_blob() as raw:
        for line in iter(lambda: raw.readline(1 << 20), b""):
            if line.startswith(b"From ") and previous_blank:
                if started:
                    yield from _mbox_message(index, lines, size, max_message_bytes)
                    index, lines, size = index + 1, [], 0
                started = True
            else:
                size += len(line)
                if size <= max_message_bytes:
                    lines.append(line)
            previous_blank = line in (b"\n", b"\r\n")
    if started:
        yield from _mbox_message(index, lines, size, max_message_bytes)


def _mbox_message(
    index: int, lines: list[bytes], size: int, limit: int
) -> Iterator[Member | Problem]:
    number = str(index + 1)
    if size > limit:
        yield Problem(
            "message_too_large",
            f"mbox message {number} has {size} bytes; over the {limit}-byte limit, not expanded",
            "mbox_message",
            number,
        )
        return
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the blank line belongs to the separator
    body = b"".join(_unquote(line) for line in lines)
    yield Member(f"message-{number}.eml", "mbox_message", number, lambda: iter((body,)), None)


def _unquote(line: bytes) -> bytes:
    """mboxrd: '>From ' at line start was quoted on write."""
    if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
        return line[1:]
    return line
