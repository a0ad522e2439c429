"""Which kind of lure a scam message uses, from a small hand-written
multilingual keyword lexicon (regular expressions).

This is a lexicon, not a model: it names the lure so that an investigator
can sort messages; it does not decide whether a message is a scam (the
trained model does). Coverage: English, German, French, Spanish, Portuguese,
Italian, Dutch, Indonesian, Thai, Swahili and a few Hindi words; written for
this project. A lure is reported when at least one of its patterns matches;
lures are ranked by the number of distinct words that matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["LURES", "LureHit", "find_lures"]

LURES: dict[str, tuple[str, ...]] = {
    "parcel_delivery": (
        r"parcel|package|shipment|shipping|delivery|courier|customs fee|redeliver",
        r"paket|sendung|zustellung|lieferung|zollgebühr",
        r"colis|livraison|frais de port|douane",
        r"paquete|envío|entrega|aduana",
        r"encomenda|entrega|pacote|correios|taxa alfandegária",
        r"pacco|spedizione|consegna",
        r"pakket|bezorging|verzending",
        r"paket|kiriman|pengiriman|resi",
        r"พัสดุ|ขนส่ง|จัดส่ง",
        r"kifurushi|mzigo",
    ),
    "account_security": (
        r"verify your (?:account|identity|details)|account (?:has been |was |is )?"
        r"(?:suspended|locked|limited|blocked|restricted|deactivated|disabled)",
        r"unusual (?:sign-?in|login|activity)|security (?:alert|notice)|password (?:expires|reset)"
        r"|confirm your (?:password|credentials|details)|re-?activate|log ?in to (?:restore|avoid)",
        r"konto (?:wurde )?(?:gesperrt|eingeschränkt)|verifizieren sie|bestätigen sie ihre",
        r"compte (?:suspendu|bloqué|limité)|vérifier votre|confirmer vos",
        r"cuenta (?:suspendida|bloqueada)|verifique su|confirme sus",
        r"conta (?:suspensa|bloqueada)|verifique sua|confirme seus dados",
        r"akun (?:anda )?(?:diblokir|ditangguhkan)|verifikasi akun|kode otp",
        r"บัญชี.{0,12}(?:ถูกระงับ|ถูกล็อค)|ยืนยันตัวตน",
        r"akaunti yako|thibitisha",
    ),
    "payment_invoice": (
        r"invoice|overdue|outstanding (?:balance|payment)|payment (?:failed|declined|due|required)"
        r"|wire transfer|bank details (?:have )?changed|remittance|billing",
        r"rechnung|zahlung|überweisung|mahnung",
        r"facture|paiement|virement|impayé",
        r"factura|pago|transferencia",
        r"fatura|boleto|pagamento|pix",
        r"fattura|pagamento|bonifico",
        r"factuur|betaling|overboeking",
        r"tagihan|pembayaran|transfer ke rekening",
        r"ใบแจ้งหนี้|ชำระเงิน|โอนเงิน",
        r"malipo|tuma (?:pesa|tsh|ksh)",
    ),
    "prize_lottery": (
        r"you (?:have )?won|winner|prizes?|lottery|jackpot|claim (?:your|now)|selected to receive"
        r"|free (?:gift|entry)|congratulations",
        r"gewinn|gewonnen|preis|glückwunsch",
        r"gagné|gagnant|loterie|félicitations",
        r"ganado|ganador|premio|lotería|felicidades",
        r"ganhou|ganhador|prêmio|sorteio|parabéns",
        r"vinto|vincitore|premio",
        r"gewonnen|prijs|loterij",
        r"hadiah|pemenang|undian|selamat anda",
        r"รางวัล|ถูกรางวัล|โชคดี",
        r"zawadi|umeshinda|bahati nasibu",
        r"इनाम|लॉटरी|जीत",
    ),
    "advance_fee": (
        r"inheritance|beneficiary|next of kin|consignment|diplomat|barrister|unclaimed funds"
        r"|compensation fund|million (?:us )?dollars|(?:us\$|\$)\s?\d{1,3}(?:,\d{3}){2,}",
        r"erbschaft|nachlass",
        r"héritage|succession|bénéficiaire",
        r"herencia|beneficiario",
        r"herança|beneficiário",
        r"warisan|ahli waris",
    ),
    "investment_crypto": (
        r"bitcoin|crypto\w*|btc|usdt|ethereum|wallet|trading (?:platform|signal)|forex|invest\w*"
        r"|guaranteed (?:profit|return)|double your|passive income|mining pool|airdrop",
        r"krypto|rendite|anlage",
        r"investissement|rendement|crypto-monnaie",
        r"inversión|rentabilidad",
        r"investimento|rendimento|lucro garantido",
        r"investasi|keuntungan|profit harian",
        r"ลงทุน|ผลตอบแทน|คริปโต",
        r"uwekezaji|faida",
    ),
    "job_task": (
        r"job offer|work from home|part[- ]time|hiring|recruit\w*|daily (?:salary|income|pay)"
        r"|earn \$?\d+|per day|simple tasks?|like (?:videos|products)",
        r"nebenjob|heimarbeit|stellenangebot",
        r"offre d'emploi|travail à domicile",
        r"oferta de (?:trabajo|emprego)|trabajo desde casa|trabalho em casa",
        r"lowongan|kerja paruh waktu|gaji harian",
        r"งานพาร์ทไทม์|รายได้เสริม|สมัครงาน",
        r"kazi|ajira",
    ),
    "loan_credit": (
        r"loan|credit (?:approved|limit)|pre-?approved|debt relief|low interest",
        r"kredit|darlehen",
        r"prêt|crédit",
        r"préstamo|crédito",
        r"empréstimo|crédito pré-aprovado",
        r"pinjaman|kredit tanpa|dana tunai|pinjol",
        r"สินเชื่อ|เงินกู้|กู้เงิน|อนุมัติ",
        r"mkopo",
    ),
    "government_tax": (
        r"tax refund|irs|hmrc|revenue service|government (?:grant|benefit)|penalty notice"
        r"|court summons|police case|customs duty|social security|stimulus|fined",
        r"steuer|finanzamt|rückerstattung|bußgeld|polizei",
        r"impôts|remboursement|amende|gendarmerie",
        r"hacienda|reembolso|multa",
        r"receita federal|restituição|multa",
        r"pajak|denda|polisi",
        r"กรมสรรพากร|ภาษี|ตำรวจ|ค่าปรับ",
    ),
    "tech_support": (
        r"tech(?:nical)? support|virus (?:detected|found)|your (?:computer|device) (?:is|has been)"
        r" (?:infected|compromised)|subscription (?:renewal|renewed|expired)|antivirus"
        r"|refund (?:department|team)|remote access|call (?:us )?immediately",
        r"abonnement|verlängert",
        r"renouvellement|abonnement",
    ),
    "romance_sextortion": (
        r"my (?:love|darling|dear)|lonely|widow(?:er)?|soldier|deployed|marry",
        r"webcam|recorded you|intimate (?:video|photos)|compromising|your (?:contacts|friends) "
        r"will (?:see|receive)|pay (?:me|in bitcoin) or",
    ),
    "subscription_service": (
        r"subscription|renew(?:al)?|membership (?:expired|suspended)|update your payment"
        r"|your (?:plan|service) (?:will be|has been) (?:cancelled|suspended)",
        r"สมัคร.{0,8}บาท|\*\d{3}\*\d+#|บริการ",
    ),
    "urgency": (
        r"urgent|immediately|within \d+ ?(?:hours?|hrs?|days?)|act now|last (?:chance|warning)"
        r"|final (?:notice|reminder)|expires? (?:today|soon)|asap",
        r"dringend|sofort|letzte (?:mahnung|warnung)",
        r"urgent|immédiatement|dernier avis",
        r"urgente|inmediatamente|último aviso",
        r"urgente|imediatamente|último aviso",
        r"segera|mendesak|hari ini juga",
        r"ด่วน|ภายใน.{0,6}(?:ชั่วโมง|วัน)|ทันที",
        r"haraka|mara moja",
    ),
    "credential_request": (
        r"(?:enter|provide|send|confirm) (?:your )?(?:password|pin|otp|cvv|card number"
        r"|login|credentials|social security number)|one-time (?:code|password)",
        r"passwort|pin-?code|tan-?nummer",
        r"mot de passe|code (?:pin|secret)",
        r"contraseña|clave",
        r"senha|código de verificação",
        r"kata sandi|kode otp|pin anda",
        r"รหัสผ่าน|รหัส otp",
        r"nenosiri|namba ya siri",
    ),
}
"""Lure → patterns. `urgency` and `credential_request` are tactics that
accompany other lures; they are reported like lures."""

_TACTICS = frozenset({"urgency", "credential_request"})


@dataclass(frozen=True, slots=True)
class LureHit:
    lure: str
    patterns: int
    """How many distinct words or phrases of the lure matched."""
    example: str
    """The first matching words (lower case)."""


@lru_cache(maxsize=1)
def _compiled() -> tuple[re.Pattern[str], tuple[str, ...]]:
    """All patterns in one alternation, one named group per lure and kind
    (a<i>: words bounded by non-word characters; n<i>: scripts written without
    spaces), so that a text is scanned once, lower-cased first (the patterns
    are lower case). The word-boundary check comes first, so most positions
    inside words fail at once."""
    names = tuple(LURES)
    bounded, unbounded = [], []
    for number, lure in enumerate(names):
        words = [p for p in LURES[lure] if p[:1].isascii()]
        others = [p for p in LURES[lure] if not p[:1].isascii()]
        if words:
            bounded.append(f"(?P<a{number}>{'|'.join(words)})")
        if others:
            unbounded.append(f"(?P<n{number}>{'|'.join(others)})")
    pattern = rf"(?<!\w)(?:{'|'.join(bounded)})(?!\w)"
    if unbounded:
        pattern += "|" + "|".join(unbounded)
    return re.compile(pattern), names


def find_lures(text: str, max_chars: int = 20_000) -> list[LureHit]:
    """Lures named in the text, strongest first (tactics after lures on ties)."""
    pattern, names = _compiled()
    words: dict[str, dict[str, None]] = {}
    for match in pattern.finditer(text[:max_chars].lower()):
        group = match.lastgroup
        if group is None:
            continue
        lure = names[int(group[1:])]
        found = words.setdefault(lure, {})
        if len(found) < 20:
            found.setdefault(match.group(0).lower()[:60], None)
    hits = [LureHit(lure, len(found), next(iter(found))) for lure, found in words.items()]
    hits.sort(key=lambda h: (-h.patterns, h.lure in _TACTICS, h.lure))
    return hits
