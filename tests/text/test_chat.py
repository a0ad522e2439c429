"""WhatsApp and Telegram exports split into messages."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.text.chat import looks_like_whatsapp, parse_telegram_json, parse_whatsapp

ANDROID_US = """12/31/20, 9:41 PM - Messages and calls are end-to-end encrypted.
12/31/20, 9:41 PM - Alex Doe: Happy new year!
12/31/20, 11:58 PM - Sam: Same to you
and a second line
1/1/21, 12:05 AM - Alex Doe: <Media omitted>
"""
IOS_EU = (
    "[31/12/2020, 21:41:05] Alex: Hallo\n"
    "[31.12.20, 21:42:10] \u200eSam: \u200e<attached: 00000012-PHOTO.jpg>\n"
    "[01/01/2021, 00:00:01] Alex: Frohes neues Jahr: gewinne jetzt!\n"
)


def test_android_export_with_system_and_continued_lines() -> None:
    assert looks_like_whatsapp(ANDROID_US)
    export = parse_whatsapp(ANDROID_US)
    assert [(m.sender, m.text) for m in export.messages] == [
        ("", "Messages and calls are end-to-end encrypted."),
        ("Alex Doe", "Happy new year!"),
        ("Sam", "Same to you\nand a second line"),
        ("Alex Doe", "<Media omitted>"),
    ]
    # month first: 12/31 can only be month/day
    assert export.messages[2].iso_time == "2020-12-31T23:58:00"
    assert export.messages[3].iso_time == "2021-01-01T00:05:00"
    assert [m.index for m in export.messages] == [1, 2, 3, 4]


def test_ios_export_with_invisible_marks() -> None:
    export = parse_whatsapp(IOS_EU)
    assert [m.sender for m in export.messages] == ["Alex", "Sam", "Alex"]
    assert export.messages[1].text == "<attached: 00000012-PHOTO.jpg>"
    assert export.messages[0].iso_time == "2020-12-31T21:41:05"


def test_plain_text_is_not_whatsapp() -> None:
    assert not looks_like_whatsapp("Dear Bob,\nthe meeting is at 10:00 - see you.\n")


def _telegram() -> dict[str, object]:
    return {
        "name": "Crypto Group",
        "type": "private_supergroup",
        "id": 123,
        "messages": [
            {"id": 1, "type": "service", "date": "2024-03-01T10:00:00", "actor": "Admin",
             "action": "create_group"},
            {"id": 2, "type": "message", "date": "2024-03-01T10:01:00", "from": "Mia",
             "text": "Plain text"},
            {"id": 3, "type": "message", "date": "2024-03-01T10:02:00", "from": "Bot",
             "text": ["Claim at ", {"type": "text_link", "text": "this page",
                                    "href": "https://claim.example.test"}, "!"]},
        ],
    }  # fmt: skip


def test_telegram_single_chat() -> None:
    export = parse_telegram_json(json.dumps(_telegram()).encode())
    assert [(m.sender, m.text, m.message_id) for m in export.messages] == [
        ("Admin", "create_group", "1"),
        ("Mia", "Plain text", "2"),
        ("Bot", "Claim at this page <https://claim.example.test>!", "3"),
    ]
    assert export.messages[1].iso_time == "2024-03-01T10:01:00"
    assert export.messages[1].chat == "Crypto Group"


def test_telegram_account_export() -> None:
    document = {"about": "x", "chats": {"about": "y", "list": [_telegram(), _telegram()]}}
    assert len(parse_telegram_json(json.dumps(document)).messages) == 6


def test_not_telegram() -> None:
    assert parse_telegram_json(b'{"a": 1}').warnings
    assert parse_telegram_json(b"[" * 100_000).warnings  # recursion is caught
    assert parse_telegram_json(b"\xff\xfe").warnings


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                ["12/31/20, 9:41 PM - ", "[31.12.20, 21:41:05] ", "Alex: ", "\n", "\u200e",
                 ": ", " - ", "13/13/13, 25:61 - x: y\n", "1/2/3, 4:05 am - "]
            ),
            st.text(max_size=15),
        ),
        max_size=30,
    ).map("".join)
)  # fmt: skip
def test_any_text_splits(text: str) -> None:
    export = parse_whatsapp(text)
    for message in export.messages:
        assert message.index >= 1
        assert message.iso_time == "" or message.iso_time[4] == "-"


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "messages", "chats", "list", "text"]), json_values))
def test_any_json_is_handled(document: dict[str, object]) -> None:
    export = parse_telegram_json(json.dumps(document))
    assert isinstance(export.messages, tuple)
