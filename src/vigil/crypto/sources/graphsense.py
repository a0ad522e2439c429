"""GraphSense UTXO transformation fixtures (`test_txs.json`, JSON Lines).

Inputs there carry address and value but no outpoint; the adapter links each
input to the earliest unspent earlier output with the same address(es) and
value, and warns when none exists. The fixtures' own `coinjoin` flag is kept
as `coinjoin_hint`. Hashes are written with or without a `0x` prefix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from vigil.crypto._values import load_json_bytes, normalize_address
from vigil.crypto.model import (
    ChainRecord,
    ChainWarning,
    TxInput,
    TxOutput,
    UtxoTransaction,
    WarningCode,
)
from vigil.crypto.sources.http import NodeError
from vigil.domain.model import JsonValue

__all__ = ["GraphSenseFixtureSource"]


def _get(row: Mapping[str, JsonValue], *names: str) -> JsonValue:
    for name in names:
        if name in row:
            return row[name]
    return None


def _list(value: JsonValue) -> list[JsonValue]:
    return list(value) if isinstance(value, list) else []


def _address_key(entry: Mapping[str, JsonValue]) -> tuple[str | None, tuple[str, ...]]:
    raw = entry.get("address")
    listed = (
        tuple(normalize_address(a) for a in raw if isinstance(a, str))
        if isinstance(raw, list)
        else ()
    )
    if not listed:
        return None, ()
    if len(listed) > 1:
        return "multisig:" + "|".join(sorted(listed)), listed
    return listed[0], listed


class GraphSenseFixtureSource:
    def __init__(self, path: Path, *, chain: str = "bitcoin"):
        self.path = Path(path)
        self.chain = chain
        self.name = f"graphsense-fixture:{self.path.name}"

    def records(self) -> Iterator[ChainRecord]:
        try:
            lines = self.path.read_bytes().splitlines()
        except OSError as exc:
            raise NodeError(f"cannot read {self.path}: {exc}") from exc
        rows: list[Mapping[str, JsonValue]] = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = load_json_bytes(line)
            except (ValueError, UnicodeDecodeError):
                yield ChainWarning(WarningCode.MALFORMED, f"line {number}: not JSON", self.name)
                continue
            if isinstance(row, Mapping):
                rows.append(row)
        rows.sort(
            key=lambda r: (
                int(str(_get(r, "blockId", "block_id") or 0)),
                int(str(_get(r, "txId", "tx_id") or 0)),
            )
        )
        unspent: dict[tuple[str | None, int], list[tuple[str, int]]] = {}
        for row in rows:
            txid = str(_get(row, "txHash", "tx_hash") or "").removeprefix("0x")
            if len(txid) != 64:
                yield ChainWarning(WarningCode.MALFORMED, "row has no 64-hex tx hash", self.name)
                continue
            outputs = []
            for index, entry in enumerate(_list(row.get("outputs"))):
                if not isinstance(entry, Mapping):
                    continue
                address, listed = _address_key(entry)
                value = entry.get("value")
                value = value if isinstance(value, int) and not isinstance(value, bool) else None
                outputs.append(
                    TxOutput(index, value, address, "multisig" if len(listed) > 1 else "", listed)
                )
            inputs: list[TxInput] = []
            ok = True
            if row.get("coinbase") is True:
                inputs.append(TxInput(0, None, None))
            for index, entry in enumerate(_list(row.get("inputs"))):
                if not isinstance(entry, Mapping):
                    ok = False
                    break
                address, _ = _address_key(entry)
                value = entry.get("value")
                value = value if isinstance(value, int) and not isinstance(value, bool) else -1
                spent = unspent.get((address, value))
                if not spent:
                    # same address, other value: link it, but say so (the fixtures have one)
                    near = [k for k, v in unspent.items() if k[0] == address and v]
                    if len(near) == 1:
                        yield ChainWarning(
                            WarningCode.MALFORMED,
                            f"input {index} ({address}) claims {value} but the only unspent output "
                            f"of that address holds {near[0][1]}: linked to it, "
                            "input value kept as given",
                            self.name,
                            txid,
                        )
                        spent = unspent[near[0]]
                if not spent:
                    yield ChainWarning(
                        WarningCode.UNRESOLVED_INPUT,
                        f"input {index} ({address}, {value}) matches no earlier unspent output: "
                        "transaction dropped",
                        self.name,
                        txid,
                    )
                    ok = False
                    break
                prev_txid, prev_vout = spent.pop(0)
                inputs.append(TxInput(index, prev_txid, prev_vout, value, address))
            if not ok:
                continue
            for output in outputs:
                if output.value is not None:
                    unspent.setdefault((output.address, output.value), []).append(
                        (txid, output.index)
                    )
            coinjoin = row.get("coinjoin")
            timestamp = row.get("timestamp")
            yield UtxoTransaction(
                chain=self.chain,
                txid=txid,
                inputs=tuple(inputs),
                outputs=tuple(outputs),
                height=int(str(_get(row, "blockId", "block_id") or 0)),
                timestamp=timestamp if isinstance(timestamp, int) else None,
                coinjoin_hint=coinjoin if isinstance(coinjoin, bool) else None,
                source=self.name,
            )
