"""SMS Backup & Restore XML: messages with sender, direction and UTC time;
hostile XML gives warnings, never expansion, a file read or a crash."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.formats.sniff import SMS_BACKUP_MEDIA_TYPE, expected_media_types, sniff_media_type
from vigil.text.carriers import extract_text
from vigil.text.sms import parse_sms_backup

WALLET = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
SCAMMER = "+447400123456"  # libphonenumber's example GB mobile: a valid number
BACKUP = f"""<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<!--File Created By SMS Backup &amp; Restore v10.20.002 on 04/11/2026 08:00:00-->
<?xml-stylesheet type="text/xsl" href="sms.xsl"?>
<smses count="3" backup_set="unit" backup_date="1793779200000" type="full">
  <sms protocol="0" address="{SCAMMER}" date="1700000000000" type="1" subject="null"
    body="Your account is frozen. Verify at https://secure-login.example.com/v or send
 0.01 BTC to {WALLET} &#55357;&#56832;"
    readable_date="14 Nov 2023 22:13:20" contact_name="(Unknown)" />
  <sms protocol="0" address="{SCAMMER}" date="1700000060000" type="2"
    body="Who is this?" readable_date="14 Nov 2023 22:14:20" contact_name="(Unknown)" />
  <mms date="1700000120000" msg_box="1" address="+447700900512" contact_name="Sam Doe">
    <parts>
      <part seq="-1" ct="application/smil" text="&lt;smil/&gt;" />
      <part seq="0" ct="image/jpeg" name="IMG_1.jpg" />
      <part seq="0" ct="text/plain;charset=utf-8" text="Dinner at 8?" />
    </parts>
    <addrs>
      <addr address="+447700900512" type="137" charset="106" />
      <addr address="+447700900999" type="151" charset="106" />
    </addrs>
  </mms>
</smses>
""".encode()


def _sms(count: int) -> bytes:
    rows = b"".join(
        b'<sms address="+447700900%03d" date="1700000000000" type="1" body="message %d" />\n'
        % (i % 1000, i)
        for i in range(count)
    )
    return b'<?xml version="1.0"?>\n<smses count="%d">\n' % count + rows + b"</smses>\n"


def test_received_sent_and_mms_with_sender_direction_and_utc_time() -> None:
    export = parse_sms_backup(BACKUP)
    assert export.platform == "sms" and export.warnings == ()
    scam, reply, mms = export.messages
    assert (scam.sender, scam.direction, scam.address) == (SCAMMER, "received", SCAMMER)
    assert scam.iso_time == "2023-11-14T22:13:20Z" and scam.sent_at == "14 Nov 2023 22:13:20"
    assert WALLET in scam.text and scam.text.endswith("\U0001f600")  # surrogate pair joined
    assert (reply.sender, reply.direction, reply.address) == ("me", "sent", SCAMMER)
    assert (mms.sender, mms.direction, mms.text) == (
        "Sam Doe (+447700900512)",
        "received",
        "Dinner at 8?",
    )
    assert mms.iso_time == "2023-11-14T22:15:20Z" and [m.index for m in export.messages] == [
        1,
        2,
        3,
    ]


def test_sniffed_by_root_element_and_read_as_chat_messages() -> None:
    assert sniff_media_type(BACKUP) == SMS_BACKUP_MEDIA_TYPE
    assert SMS_BACKUP_MEDIA_TYPE in (expected_media_types("sms-20231114.xml") or ())
    assert sniff_media_type(b"<?xml version='1.0'?><!-- <smses> --><rss/>") == "application/xml"
    extracted = extract_text(BACKUP, SMS_BACKUP_MEDIA_TYPE)
    assert extracted.carrier == "sms"
    assert [str(s.locator) for s in extracted.segments] == [f"chat_message={i}" for i in (1, 2, 3)]
    assert extracted.segments[0].address == SCAMMER


def test_billion_laughs_is_refused_not_expanded() -> None:
    lol = b"".join(
        b'<!ENTITY lol%d "&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;&lol%d;">'
        % (i, *([i - 1] * 10))
        for i in range(1, 10)
    )
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE smses [<!ENTITY lol0 "lol">'
        + lol
        + b']><smses><sms address="1" date="0" type="1" body="&lol9;"/></smses>'
    )
    started = time.perf_counter()
    export = parse_sms_backup(bomb)
    assert time.perf_counter() - started < 1.0
    assert export.messages == () and "declares entities" in export.warnings[0]
    assert extract_text(bomb, SMS_BACKUP_MEDIA_TYPE).carrier == "unreadable"


def test_external_entities_are_not_read() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE smses [<!ENTITY leak SYSTEM "file:///etc/passwd">]>'
        b'<smses><sms address="1" date="0" type="1" body="&leak;"/></smses>'
    )
    export = parse_sms_backup(xxe)
    assert export.messages == () and "declares entities" in export.warnings[0]
    # an external DTD is never fetched: the messages are read without it
    dtd = b'<!DOCTYPE smses SYSTEM "file:///etc/passwd"><smses><sms type="1" body="hi"/></smses>'
    assert [m.text for m in parse_sms_backup(dtd).messages] == ["hi"]


def test_truncated_xml_keeps_the_messages_before_the_cut() -> None:
    cut = BACKUP[: BACKUP.index(b"<mms")]
    export = parse_sms_backup(cut)
    assert len(export.messages) == 2 and "broken" in export.warnings[0]
    extracted = extract_text(cut, SMS_BACKUP_MEDIA_TYPE, truncated=True)
    assert extracted.truncated and extracted.warnings[0] == "backup cut at the read limit"


def test_100k_messages_are_bounded_with_a_warning() -> None:
    export = parse_sms_backup(_sms(100_000), max_messages=20_000)
    assert len(export.messages) == 20_000
    assert export.warnings == ("more than 20000 messages; the rest was not read",)


def test_not_an_sms_backup() -> None:
    export = parse_sms_backup(b"<?xml version='1.0'?><rss><sms body='x'/></rss>")
    assert export.messages == () and "root element is <rss>" in export.warnings[0]


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=400) | st.text(alphabet="<>/=\"'&#;smes x01", max_size=200).map(str.encode)
)
def test_never_raises(data: bytes) -> None:
    export = parse_sms_backup(b"<smses>" + data)
    assert all(m.index >= 1 for m in export.messages)
