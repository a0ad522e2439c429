"""Append-only, hash-chained custody log: building entries and checking the chain."""

from vigil.custody.chain import ChainProblem, entry_hash, make_entry, verify_chain

__all__ = ["ChainProblem", "entry_hash", "make_entry", "verify_chain"]
