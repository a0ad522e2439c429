"""Bitcoin transaction serialisation, to compute a txid from decoded JSON.

Esplora-style exports may omit the txid; it is sha256d of the legacy
(witness-free) serialisation, byte-reversed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

__all__ = ["compute_txid"]


def _varint(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def compute_txid(
    version: int,
    locktime: int,
    vin: Sequence[Mapping[str, object]],
    vout: Sequence[Mapping[str, object]],
) -> str | None:
    """txid of an Esplora-shaped transaction, or None when a field is missing
    or malformed. Inputs need txid, vout, scriptsig (hex), sequence; outputs
    need value (sat) and scriptpubkey (hex)."""
    try:
        parts = [int(version).to_bytes(4, "little", signed=True), _varint(len(vin))]
        for txin in vin:
            prev = bytes.fromhex(str(txin["txid"]))
            if len(prev) != 32:
                return None
            script = bytes.fromhex(str(txin.get("scriptsig") or ""))
            parts += [
                prev[::-1],
                int(str(txin["vout"])).to_bytes(4, "little"),
                _varint(len(script)),
                script,
                int(str(txin["sequence"])).to_bytes(4, "little"),
            ]
        parts.append(_varint(len(vout)))
        for txout in vout:
            script = bytes.fromhex(str(txout["scriptpubkey"]))
            parts += [
                int(str(txout["value"])).to_bytes(8, "little"),
                _varint(len(script)),
                script,
            ]
        parts.append(int(locktime).to_bytes(4, "little"))
    except (KeyError, ValueError, TypeError, OverflowError):
        return None
    digest = hashlib.sha256(hashlib.sha256(b"".join(parts)).digest()).digest()
    return digest[::-1].hex()
