"""Benign, made-up demo evidence for the text detectors (used by `vigil demo`).

Every name, number and domain is invented; domains sit under the reserved
``.test``, ``.example``, ``example.com`` and ``example.net`` names (RFC
2606; the SMS links use the last two so that they are read as URLs), phone
numbers in Ofcom's drama ranges (+44 7700 900xxx mobiles, which
libphonenumber does not count as valid, and +44 808 157 0xxx freephone).
Nothing here is live or harmful: the HTML attachment's form points at a
reserved name and runs no script. The wallet
is BIP173's first test vector, a documentation address.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
from email.message import EmailMessage
from functools import cache
from pathlib import Path

__all__ = [
    "WALLET_ADDRESS",
    "font_for",
    "phishing_email",
    "sms_backup",
    "text_screenshot",
    "wallet_screenshot",
    "whatsapp_export",
    "write_demo_messages",
]

WALLET_ADDRESS = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
_WALLET_LINES = (
    "Your wallet has been compromised. Move your",
    "funds to the secure wallet below within 2 hours",
    "or they will be lost:",
    WALLET_ADDRESS,
    "Questions? Telegram @wallet_rescue_desk",
)


def phishing_email() -> bytes:
    """A PayPal-themed credential phishing mail: spoofed and failing DMARC,
    display-name impersonation, a brand in a look-alike host, a link whose
    text shows paypal.com, and an HTML attachment asking for a password."""
    message = EmailMessage()
    message["Authentication-Results"] = (
        "mx.example.org; spf=softfail smtp.mailfrom=paypal-resolution.example.test; "
        "dkim=none; dmarc=fail header.from=paypal-resolution.example.test"
    )
    message["From"] = "PayPal Service <service@paypal-resolution.example.test>"
    message["Reply-To"] = "resolution.desk@mailbox.example.net"
    message["To"] = "victim@example.org"
    message["Subject"] = "Your account has been limited - action required"
    message["Date"] = "Tue, 03 Nov 2026 08:02:00 +0000"
    message["Message-ID"] = "<demo-0002@paypal-resolution.example.test>"
    text = (
        "Dear customer,\n\nWe noticed unusual sign-in activity and your account has been "
        "limited. Verify your account details within 24 hours to avoid permanent suspension: "
        "https://www.paypal.com/signin\n\nPayPal Security Team\n"
    )
    message.set_content(text)
    message.add_alternative(
        "<html><body><p>Dear customer,</p><p>We noticed unusual sign-in activity and your "
        "account has been limited. Verify your account details within 24 hours to avoid "
        'permanent suspension:</p><p><a href="http://paypal-resolution.example.test/login">'
        "https://www.paypal.com/signin</a></p><p>PayPal Security Team</p></body></html>",
        subtype="html",
    )
    message.add_attachment(
        b"<html><body><h1>Account verification</h1>"
        b'<form action="http://paypal-resolution.example.test/collect" method="post">'
        b'<input name="email"><input type="password" name="password">'
        b"<button>Verify</button></form></body></html>",
        maintype="text",
        subtype="html",
        filename="account_statement.html",
    )
    return bytes(message)


def whatsapp_export() -> bytes:
    """A WhatsApp chat export (Android style) in which a parcel scam arrives."""
    lines = [
        "02/11/2026, 18:02 - Messages and calls are end-to-end encrypted.",
        "02/11/2026, 18:03 - Mum: Did you get home safely?",
        "02/11/2026, 18:10 - Alex: Yes thanks, just made dinner",
        "02/11/2026, 18:11 - Mum: Good. Call me tomorrow after work",
        "03/11/2026, 09:41 - +44 7700 900461: Your parcel could not be delivered due to an "
        "unpaid customs fee of 1.99 GBP. Pay within 24 hours or it will be returned: "
        "http://parcel-redelivery.example.test/pay",
        "03/11/2026, 09:45 - Alex: Mum did you order something to my address?",
        "03/11/2026, 09:50 - Mum: No, ignore it, sounds like a scam",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


_SMS = (
    # (address, contact_name, type 1 received / 2 sent, milliseconds since the epoch, body)
    ("+447700900512", "Dad", "1", 1793635200000, "Landed safely, will call you tonight x"),
    (
        "+447700900734",
        "(Unknown)",
        "1",
        1793698872000,
        "Royal Mail: your parcel is on hold due to an unpaid shipping fee of GBP 1.45. "
        "Pay now to rebook delivery or it will be returned to sender: "
        "https://royalmail-redelivery.example.net/track",
    ),
    ("+447700900734", "(Unknown)", "2", 1793699100000, "Who is this? I am not expecting a parcel"),
    (
        "HSBCUK",
        "(Unknown)",
        "1",
        1793721600000,
        "HSBC: a new payee J SMITH was added to your account. If this was NOT you, verify "
        "your identity at https://hsbc-secure-verify.example.com or call our fraud team "
        "immediately on +44 808 157 0192.",
    ),
)


def sms_backup() -> bytes:
    """An Android "SMS Backup & Restore" XML file: a message from family, a
    parcel smishing text and the owner's reply, a bank impersonation from an
    alphanumeric sender, and an MMS photo with a caption."""
    from xml.sax.saxutils import quoteattr

    lines = [
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>",
        "<!--File Created By SMS Backup & Restore v10.20.002 on 04/11/2026 08:00:00-->",
        f'<smses count="{len(_SMS) + 1}" backup_set="demo" backup_date="1793779200000">',
    ]
    for address, contact, kind, millis, body in _SMS:
        lines.append(
            f'  <sms protocol="0" address={quoteattr(address)} date="{millis}" type="{kind}" '
            f'body={quoteattr(body)} read="1" status="-1" locked="0" '
            f"contact_name={quoteattr(contact)} />"
        )
    lines += [
        '  <mms date="1793640000000" msg_box="1" address="+447700900512" contact_name="Dad" '
        'm_type="132" text_only="0">',
        "    <parts>",
        '      <part seq="-1" ct="application/smil" text="&lt;smil&gt;&lt;/smil&gt;" />',
        '      <part seq="0" ct="image/jpeg" name="IMG_0042.jpg" cl="IMG_0042.jpg" />',
        '      <part seq="0" ct="text/plain" text="View from the hotel this morning" />',
        "    </parts>",
        "    <addrs>",
        '      <addr address="+447700900512" type="137" charset="106" />',
        '      <addr address="+447700900999" type="151" charset="106" />',
        "    </addrs>",
        "  </mms>",
        "</smses>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def wallet_screenshot() -> bytes:
    """A chat-app screenshot (PNG, 720x420) in which a fake recovery desk asks
    for funds to be moved to a wallet. Drawn with Pillow's bundled font, so it
    looks the same on every machine; needs Pillow."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (720, 420), (236, 229, 221))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 720, 64), fill=(7, 94, 84))
    draw.text((24, 16), "Crypto Recovery Desk", fill="white", font=ImageFont.load_default(28))
    draw.rounded_rectangle((16, 88, 704, 392), radius=14, fill="white")
    font = ImageFont.load_default(24)
    for row, line in enumerate(_WALLET_LINES):
        draw.text((32, 104 + row * 56), line, fill=(17, 17, 17), font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def write_demo_messages(folder: Path) -> None:
    (folder / "account_limited.eml").write_bytes(phishing_email())
    (folder / "WhatsApp Chat with Mum.txt").write_bytes(whatsapp_export())
    (folder / "sms-20261104080000.xml").write_bytes(sms_backup())
    if importlib.util.find_spec("PIL") is not None:
        (folder / "Screenshot wallet recovery.png").write_bytes(wallet_screenshot())


_FONTCONFIG_LANGUAGE = {"zh": "zh-cn"}
_NOT_REGULAR = ("Bold", "Oblique", "Italic", "Mono", "Condensed", "Serif", "ExtraLight")


@cache
def font_for(language: str) -> str | None:
    """A regular sans font on this system covering `language` (ISO 639-1),
    found with fontconfig; None when there is none."""
    if shutil.which("fc-list") is None:
        return None
    query = f":lang={_FONTCONFIG_LANGUAGE.get(language, language)}"
    try:
        listed = subprocess.run(
            ["fc-list", query, "file"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    paths = sorted(line.split(":")[0] for line in listed.splitlines() if line.strip())
    regular = [path for path in paths if not any(style in path for style in _NOT_REGULAR)]
    found = regular or paths
    return found[0] if found else None


def text_screenshot(language: str, lines: list[str], size: int = 30) -> bytes | None:
    """A white PNG with `lines` drawn in black in a system font for
    `language`; Arabic lines right-aligned and laid out right to left (needs
    Pillow with libraqm). None when no font or no shaping is available."""
    from PIL import Image, ImageDraw, ImageFont, features

    path = font_for(language)
    rtl = language in ("ar", "fa", "he", "ur")
    if path is None or (rtl and not features.check("raqm")):
        return None
    font = ImageFont.truetype(path, size)
    width = 60 + max(int(font.getlength(line)) for line in lines)
    row = int(size * 1.9)
    image = Image.new("RGB", (width, 30 + row * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        y = 15 + row * number
        if rtl and not line.isascii():
            draw.text((width - 30, y), line, font=font, fill="black", direction="rtl", anchor="ra")
        else:
            draw.text((30, y), line, font=font, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
