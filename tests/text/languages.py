"""The same parcel-fee lure in every language issue 3 lists (and Greek), for
tests of indicator extraction and OCR per script."""

from __future__ import annotations

WALLET = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
"""BIP173's first test vector: no 'l' or '1' after the prefix to confuse OCR."""


LURES = {
    "en": "Your parcel is held at customs. Pay the fee now",
    "de": "Ihr Paket wartet beim Zoll. Gebühr jetzt zahlen",
    "fr": "Votre colis est bloqué à la douane. Payez les frais",
    "es": "Su paquete está retenido en aduanas. Pague ahora",
    "pt": "Sua encomenda está retida na alfândega. Pague já",
    "it": "Il tuo pacco è fermo in dogana. Paga la tassa ora",
    "nl": "Uw pakket ligt bij de douane. Betaal de kosten nu",
    "pl": "Twoja paczka czeka na cle. Zapłać opłatę teraz",
    "id": "Paket Anda tertahan di bea cukai. Bayar sekarang",
    "ru": "Ваша посылка задержана на таможне. Оплатите сбор",
    "el": "Το δέμα σας κρατείται στο τελωνείο. Πληρώστε τώρα",
    "ar": "طردك محتجز في الجمارك. ادفع الرسوم الآن",
    "th": "พัสดุของคุณถูกกักไว้ที่ศุลกากร กรุณาชำระค่าธรรมเนียม",
    "zh": "您的包裹被海关扣留，请立即支付费用",
}
