"""Keccak-256 (the pre-standard SHA-3 Ethereum and Monero use), from pycryptodome."""

from __future__ import annotations

from Crypto.Hash import keccak

__all__ = ["keccak256"]


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()
