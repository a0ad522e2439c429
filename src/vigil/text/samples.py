"""Benign, made-up demo evidence for the text detectors (used by `vigil demo`).

Every name, number and domain is invented; domains sit under the reserved
``.test`` and ``.example`` names (RFC 2606), phone numbers in Ofcom's
drama range (+44 7700 900xxx). Nothing here is live or harmful: the HTML
attachment's form points at a reserved name and runs no script.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

__all__ = ["phishing_email", "whatsapp_export", "write_demo_messages"]


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


def write_demo_messages(folder: Path) -> None:
    (folder / "account_limited.eml").write_bytes(phishing_email())
    (folder / "WhatsApp Chat with Mum.txt").write_bytes(whatsapp_export())
