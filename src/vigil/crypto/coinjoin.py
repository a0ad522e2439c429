"""CoinJoin and multi-party transaction detection from the shape of a transaction.

The multi-input heuristic (all inputs of a transaction belong to one owner)
is false for CoinJoins, where many users sign one transaction. A transaction
matching any pattern below is excluded from multi-input clustering by default.
The rules look only at counts and values, so they are explainable:

| kind         | pattern                                                         | confidence |
|--------------|-----------------------------------------------------------------|-----------|
| whirlpool    | 5 inputs, 5 outputs, all equal, a Whirlpool pool size           | 0.95 |
|              | (0.001, 0.01, 0.05, 0.5 BTC)                                    |      |
| wabisabi     | >= 50 inputs and >= 5 equal outputs of a Wasabi 2 standard      | 0.9  |
|              | denomination (2^k, 3^k, 2*3^k, 10^k, 2*10^k, 5*10^k sat)        |      |
| wasabi1      | >= 10 equal outputs near 0.1 BTC (0.08-0.12)                    | 0.85 |
| joinmarket   | n >= 3 equal outputs, n <= distinct input addresses,            | 0.6  |
|              | n <= outputs <= 2n + 1 (one equal output + change per peer)     |      |
| joinmarket   | the same with n = 2                                             | 0.45 |
| equal_outputs| >= 3 equal outputs carrying >= half the output value, or      | 0.35 |
|              | >= 10 equal outputs from >= 10 input addresses                  |      |
| dust_batch   | >= 10 equal outputs <= 1,000 sat (ordinals/runes batches and    | 0.3  |
|              | marketplace trades: several signers are likely, not a CoinJoin) |      |

Confidences are the rule author's prior, not measured rates: no labelled
CoinJoin ground truth exists in the shared data (see docs/crypto-tracing.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CoinJoinAssessment", "assess_coinjoin", "is_wasabi2_denomination"]

DUST_LIMIT = 1_000
WHIRLPOOL_POOLS = frozenset({100_000, 1_000_000, 5_000_000, 50_000_000})


@dataclass(frozen=True, slots=True)
class CoinJoinAssessment:
    kind: str
    """'' when nothing matched."""
    confidence: float
    reason: str
    equal_value: int | None = None
    equal_count: int = 0


NONE = CoinJoinAssessment("", 0.0, "no CoinJoin pattern")


def _denominations() -> frozenset[int]:
    values: set[int] = set()
    for k in range(0, 44):
        values.add(2**k)
    for k in range(0, 28):
        values.update((3**k, 2 * 3**k))
    for k in range(0, 15):
        values.update((10**k, 2 * 10**k, 5 * 10**k))
    return frozenset(v for v in values if 5_000 <= v <= 137_438_953_472)


_WASABI2 = _denominations()


def is_wasabi2_denomination(value: int) -> bool:
    return value in _WASABI2


def assess_coinjoin(
    n_inputs: int, n_input_addresses: int, output_values: Sequence[int | None]
) -> CoinJoinAssessment:
    """The CoinJoin pattern a transaction matches, the strongest first."""
    values = [v for v in output_values if v is not None]
    if n_inputs < 2 or len(values) < 2:
        return NONE
    counts = Counter(values)
    equal_value, equal_count = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    if equal_count < 2:
        return NONE
    n_out = len(output_values)
    if equal_value <= DUST_LIMIT:
        if equal_count >= 10:
            return CoinJoinAssessment(
                "dust_batch",
                0.3,
                f"{equal_count} equal outputs of {equal_value} sat (dust): an ordinals/runes "
                "batch or marketplace trade, likely several signers",
                equal_value,
                equal_count,
            )
        return NONE
    if n_inputs == 5 and n_out == 5 and equal_count == 5 and equal_value in WHIRLPOOL_POOLS:
        return CoinJoinAssessment(
            "whirlpool",
            0.95,
            f"5 inputs, 5 outputs of {equal_value} sat: a Whirlpool pool mix",
            equal_value,
            equal_count,
        )
    if n_inputs >= 50 and equal_count >= 5 and equal_value in _WASABI2:
        return CoinJoinAssessment(
            "wabisabi",
            0.9,
            f"{n_inputs} inputs and {equal_count} outputs of the standard denomination "
            f"{equal_value} sat: a Wasabi 2 (WabiSabi) round",
            equal_value,
            equal_count,
        )
    if equal_count >= 10 and 8_000_000 <= equal_value <= 12_000_000:
        return CoinJoinAssessment(
            "wasabi1",
            0.85,
            f"{equal_count} equal outputs of {equal_value} sat (about 0.1 BTC): a Wasabi 1 round",
            equal_value,
            equal_count,
        )
    if equal_count <= n_input_addresses and equal_count <= n_out <= 2 * equal_count + 1:
        return CoinJoinAssessment(
            "joinmarket",
            0.6 if equal_count >= 3 else 0.45,
            f"{equal_count} equal outputs of {equal_value} sat, {n_input_addresses} input "
            f"addresses, {n_out} outputs: one equal output plus change per participant "
            "(JoinMarket-like)",
            equal_value,
            equal_count,
        )
    total = sum(values)
    many = equal_count >= 10 and n_input_addresses >= 10
    if equal_count >= 3 and total and (equal_value * equal_count * 2 >= total or many):
        return CoinJoinAssessment(
            "equal_outputs",
            0.35,
            f"{equal_count} equal outputs of {equal_value} sat from {n_input_addresses} input "
            "addresses: possibly several participants",
            equal_value,
            equal_count,
        )
    return NONE
