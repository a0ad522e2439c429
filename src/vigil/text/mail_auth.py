"""Sender-authentication headers as recorded by the receiving servers:
Authentication-Results (RFC 8601, also Microsoft's form without an
authserv-id), ARC-Authentication-Results, Received-SPF (RFC 7208) and
DKIM-Signature tags (RFC 6376). Nothing is verified again: keys rotate
and lists rewrite mail, so only what the receiver wrote at the time is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "AuthResult",
    "AuthResults",
    "DkimSignature",
    "parse_authentication_results",
    "parse_dkim_signature",
    "parse_received_spf",
]

_MAX_CHARS = 16_384
_COMMENT = re.compile(r"\([^()]*\)")
_METHOD = re.compile(
    r"^([A-Za-z][A-Za-z0-9_-]{0,30})(?:/\d+)?\s*=\s*([A-Za-z][A-Za-z0-9_-]{0,30})$"
)
_PROPERTY = re.compile(r"^([A-Za-z][A-Za-z0-9_-]{0,30})\.([A-Za-z][A-Za-z0-9_.-]{0,60})=(.*)$")


@dataclass(frozen=True, slots=True)
class AuthResult:
    method: str
    """spf, dkim, dmarc, arc, compauth, ... (lower case)."""
    result: str
    """pass, fail, softfail, neutral, none, temperror, permerror, ... (lower case)."""
    properties: dict[str, str] = field(default_factory=dict)
    """e.g. {"smtp.mailfrom": "example.com", "header.d": "example.com"} (keys lower case)."""


@dataclass(frozen=True, slots=True)
class AuthResults:
    authserv_id: str
    results: tuple[AuthResult, ...]

    def first(self, method: str) -> AuthResult | None:
        return next((r for r in self.results if r.method == method), None)

    def all(self, method: str) -> list[AuthResult]:
        return [r for r in self.results if r.method == method]


def _strip_comments(value: str) -> str:
    value = value[:_MAX_CHARS]
    for _ in range(8):  # nested comments, innermost first
        stripped = _COMMENT.sub(" ", value)
        if stripped == value:
            break
        value = stripped
    return value.replace("(", " ").replace(")", " ")


def parse_authentication_results(value: str) -> AuthResults:
    """Parse one Authentication-Results (or ARC-Authentication-Results) value;
    unknown pieces are skipped, never raised on."""
    text = _strip_comments(value)
    segments = [s.strip() for s in text.split(";")]
    authserv = ""
    results: list[AuthResult] = []
    for number, segment in enumerate(segments):
        tokens = segment.split()
        if not tokens:
            continue
        if number == 0 and "=" not in tokens[0]:
            authserv = tokens[0].lower()[:253]
            tokens = tokens[1:]
            # 'i=1; mx.example; ...' in ARC puts the instance first
        current: AuthResult | None = None
        pending = _join_assignments(tokens)
        for token in pending:
            method = _METHOD.match(token)
            prop = _PROPERTY.match(token)
            if prop is not None and current is not None:
                key = f"{prop.group(1).lower()}.{prop.group(2).lower()}"
                current.properties.setdefault(key, prop.group(3).strip("\"'").lower()[:300])
            elif method is not None:
                name = method.group(1).lower()
                if name in ("i", "reason", "action", "header", "smtp", "policy"):
                    continue  # ARC instance tag or a bare reason: not a method
                current = AuthResult(name, method.group(2).lower(), {})
                results.append(current)
            if len(results) >= 64:
                break
    return AuthResults(authserv, tuple(results))


def _join_assignments(tokens: list[str]) -> list[str]:
    """'spf = pass' written with spaces becomes 'spf=pass'."""
    joined: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "=" and joined and index + 1 < len(tokens):
            joined[-1] = joined[-1] + "=" + tokens[index + 1]
            index += 2
            continue
        if token.endswith("=") and index + 1 < len(tokens) and "=" not in token[:-1]:
            joined.append(token + tokens[index + 1])
            index += 2
            continue
        if token.startswith("=") and joined:
            joined[-1] = joined[-1] + token
            index += 1
            continue
        joined.append(token)
        index += 1
    return joined


_SPF_RESULT = re.compile(
    r"^\s*(pass|fail|softfail|neutral|none|temperror|permerror)\b", re.IGNORECASE
)
_SPF_KEY = re.compile(r"\b(envelope-from|client-ip|helo|receiver)\s*=\s*\"?([^\s;\"]+)", re.I)


def parse_received_spf(value: str) -> AuthResult | None:
    """Received-SPF: the result word first, key=value pairs after the comment."""
    value = value[:_MAX_CHARS]
    match = _SPF_RESULT.match(value)
    if match is None:
        return None
    properties = {k.lower(): v.lower()[:300] for k, v in _SPF_KEY.findall(value)}
    envelope = properties.get("envelope-from", "")
    if "@" in envelope:
        properties["smtp.mailfrom"] = envelope.rpartition("@")[2]
    elif envelope:
        properties["smtp.mailfrom"] = envelope
    return AuthResult("spf", match.group(1).lower(), properties)


@dataclass(frozen=True, slots=True)
class DkimSignature:
    domain: str
    """The d= tag (signing domain), lower case."""
    selector: str
    algorithm: str


_TAG = re.compile(r"(?:^|;)\s*([a-z]{1,8})\s*=\s*([^;]*)", re.IGNORECASE)


def parse_dkim_signature(value: str) -> DkimSignature | None:
    tags = {k.lower(): "".join(v.split()) for k, v in _TAG.findall(value[:_MAX_CHARS])}
    domain = tags.get("d", "").lower().strip(".")
    if not domain:
        return None
    return DkimSignature(domain[:253], tags.get("s", "")[:100], tags.get("a", "")[:40])
