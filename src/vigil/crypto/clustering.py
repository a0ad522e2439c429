"""Address clustering over the transaction store, every merge explainable.

1. CoinJoin screening (`vigil.crypto.coinjoin`): transactions whose shape
   matches a CoinJoin or multi-party pattern at or above `exclude_at`, or that
   the source itself flags, are excluded from step 2 and listed with the reason.
2. Multi-input (common-input-ownership) heuristic: the input addresses of every
   other transaction are merged. Bare-multisig pseudo-addresses are never merged
   (several owners by construction). A vectorised union-find (hook to the
   smaller root, then pointer jumping) runs over integer address ids.
3. Change heuristics (`change_candidates`) give a confidence per output; they
   merge the change address into the spender's cluster only when
   `merge_change_at` is set (off by default: a wrong change guess merges two
   actors).

Results are stored in the DuckDB file (`clusters`, `cluster_exclusions`,
`cluster_change_links`, `cluster_runs`), so traces and reports read them back.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vigil.crypto.coinjoin import CoinJoinAssessment, assess_coinjoin

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from vigil.crypto.store import TxStore

__all__ = [
    "ChangeGuess",
    "ClusterExplanation",
    "ClusteringResult",
    "change_candidates",
    "cluster_addresses",
    "explain_cluster",
    "union_find",
]

_CLUSTER_SCHEMA = """
CREATE TABLE IF NOT EXISTS clusters(address_id BIGINT, cluster_id BIGINT);
CREATE TABLE IF NOT EXISTS cluster_exclusions(tx_id BIGINT, kind VARCHAR, confidence DOUBLE,
    reason VARCHAR);
CREATE TABLE IF NOT EXISTS cluster_change_links(tx_id BIGINT, address_id BIGINT, vout INTEGER,
    confidence DOUBLE, heuristics VARCHAR, merged BOOLEAN);
CREATE TABLE IF NOT EXISTS cluster_runs(run BIGINT, params VARCHAR, stats VARCHAR);
"""


@dataclass(frozen=True, slots=True)
class ChangeGuess:
    vout: int
    address: str | None
    confidence: float
    heuristics: tuple[str, ...]


@dataclass(slots=True)
class ClusteringResult:
    clusters: int
    """Clusters with two or more addresses."""
    clustered_addresses: int
    largest: int
    excluded_transactions: int
    merging_transactions: int
    change_links: int
    seconds: float
    exclusions_by_kind: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "clusters": self.clusters,
            "clustered_addresses": self.clustered_addresses,
            "largest": self.largest,
            "excluded_transactions": self.excluded_transactions,
            "merging_transactions": self.merging_transactions,
            "change_links": self.change_links,
            "seconds": round(self.seconds, 3),
            "exclusions_by_kind": self.exclusions_by_kind,
        }


@dataclass(frozen=True, slots=True)
class ClusterExplanation:
    cluster_id: int
    addresses: tuple[str, ...]
    merges: tuple[dict[str, object], ...]
    """One entry per transaction that merged addresses: txid, how, which addresses."""
    excluded_nearby: tuple[dict[str, object], ...]
    """Transactions touching the cluster that were NOT used, with the reason."""

    def to_dict(self) -> dict[str, object]:
        return {
            "cluster_id": self.cluster_id,
            "size": len(self.addresses),
            "addresses": list(self.addresses),
            "merges": list(self.merges),
            "excluded_nearby": list(self.excluded_nearby),
        }


def union_find(
    n: int, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Component label (the smallest member) of every node 0..n-1, given edges."""
    import numpy as np

    parent = np.arange(n, dtype=np.int64)
    if len(left) == 0:
        return parent
    while True:
        pl, pr = parent[left], parent[right]
        differ = pl != pr
        if not differ.any():
            return parent
        lo, hi = np.minimum(pl[differ], pr[differ]), np.maximum(pl[differ], pr[differ])
        np.minimum.at(parent, hi, lo)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


def change_candidates(
    inputs: Sequence[tuple[str | None, int | None, str | None]],
    outputs: Sequence[tuple[int, str | None, int | None, str | None]],
    *,
    fresh: set[str] | None = None,
) -> list[ChangeGuess]:
    """Which output is the spender's change, by several heuristics.

    inputs: (address, value, script type); outputs: (vout, address, value, script type);
    fresh: output addresses never seen before this transaction (when known).
    Each heuristic names at most one output; the confidences of agreeing
    heuristics combine as 1 - prod(1 - c). Heuristics that point at different
    outputs are reported as separate, weaker guesses.

    | heuristic        | rule                                                       | c    |
    |------------------|------------------------------------------------------------|------|
    | address_reuse    | an output pays back to an input address                    | 0.95 |
    | script_type      | only one output has the inputs' (single) script type       | 0.5  |
    | round_payment    | all outputs but one are round (multiple of 10^5 sat)       | 0.45 |
    | optimal_change   | only one output is smaller than every input                | 0.35 |
    | fresh_address    | only one output address is new                             | 0.4  |
    """
    candidates = [o for o in outputs if o[1] is not None and not str(o[1]).startswith("multisig:")]
    if len(outputs) < 2 or not candidates:
        return []
    input_addresses = {a for a, _, _ in inputs if a}
    votes: dict[int, list[tuple[str, float]]] = {}

    def vote(vout: int, name: str, confidence: float) -> None:
        votes.setdefault(vout, []).append((name, confidence))

    reused = [o for o in candidates if o[1] in input_addresses]
    if len(reused) == 1 and len(candidates) > 1:
        vote(reused[0][0], "address_reuse", 0.95)
    input_types = {t for _, _, t in inputs if t}
    if len(input_types) == 1:
        same = [o for o in candidates if o[3] in input_types]
        if len(same) == 1 and len(candidates) > 1:
            vote(same[0][0], "script_type", 0.5)
    non_round = [o for o in candidates if o[2] is not None and o[2] % 100_000 != 0]
    if len(non_round) == 1 and len(candidates) > 1:
        vote(non_round[0][0], "round_payment", 0.45)
    input_values = [v for _, v, _ in inputs if v is not None]
    if input_values:
        smallest = min(input_values)
        below = [o for o in candidates if o[2] is not None and o[2] < smallest]
        if len(below) == 1 and len(candidates) > 1:
            vote(below[0][0], "optimal_change", 0.35)
    if fresh is not None:
        new = [o for o in candidates if o[1] in fresh]
        if len(new) == 1 and len(candidates) > 1:
            vote(new[0][0], "fresh_address", 0.4)
    by_vout = {o[0]: o for o in candidates}
    guesses = []
    conflict = len(votes) > 1
    for vout, named in votes.items():
        miss = 1.0
        for _, c in named:
            miss *= 1.0 - c
        confidence = 1.0 - miss
        if conflict:
            confidence *= 0.5
        guesses.append(
            ChangeGuess(vout, by_vout[vout][1], round(confidence, 4), tuple(n for n, _ in named))
        )
    return sorted(guesses, key=lambda g: -g.confidence)


def _assess_candidates(store: TxStore, exclude_at: float) -> list[tuple[int, CoinJoinAssessment]]:
    """CoinJoin screening: SQL finds transactions with repeated output values and
    two or more inputs; the Python rules decide."""
    rows = store.con.execute(
        """
        WITH eq AS (
            SELECT tx_id, value, count(*) AS n FROM outputs WHERE value IS NOT NULL
            GROUP BY tx_id, value HAVING count(*) >= 2
        ), cand AS (SELECT DISTINCT tx_id FROM eq)
        SELECT c.tx_id, t.n_in, count(DISTINCT i.address_id)
        FROM cand c JOIN txs t USING (tx_id) JOIN inputs i ON i.tx_id = c.tx_id
        WHERE t.n_in >= 2
        GROUP BY c.tx_id, t.n_in
        """
    ).fetchall()
    if not rows:
        return []
    import numpy as np

    ids = np.array([r[0] for r in rows], dtype=np.int64)
    cand = {"tx_id": ids}  # noqa: F841 - scanned by duckdb
    values: dict[int, list[int | None]] = {}
    for tx_id, value in store.con.execute(
        "SELECT o.tx_id, o.value FROM outputs o JOIN cand USING (tx_id) ORDER BY o.tx_id, o.vout"
    ).fetchall():
        values.setdefault(int(tx_id), []).append(None if value is None else int(value))
    found = []
    for tx_id, n_in, n_addr in rows:
        assessment = assess_coinjoin(int(n_in), int(n_addr), values.get(int(tx_id), []))
        if assessment.kind and assessment.confidence >= exclude_at:
            found.append((int(tx_id), assessment))
    return found


def cluster_addresses(
    store: TxStore,
    *,
    exclude_at: float = 0.3,
    merge_change_at: float | None = None,
) -> ClusteringResult:
    """Cluster every stored UTXO address; replaces any earlier clustering."""
    import numpy as np

    started = time.perf_counter()
    con = store.con
    con.execute(_CLUSTER_SCHEMA)
    con.execute("BEGIN")
    try:
        for table in ("clusters", "cluster_exclusions", "cluster_change_links"):
            con.execute(f"DELETE FROM {table}")
        excluded = _assess_candidates(store, exclude_at)
        hinted = con.execute(
            "SELECT tx_id FROM txs WHERE coinjoin_hint AND NOT is_coinbase"
        ).fetchall()
        rows = [(tx_id, a.kind, a.confidence, a.reason) for tx_id, a in excluded]
        known = {r[0] for r in rows}
        rows += [
            (int(r[0]), "source_flag", 1.0, "the source flags this transaction as a CoinJoin")
            for r in hinted
            if int(r[0]) not in known
        ]
        if rows:
            cols = list(zip(*rows, strict=True))
            frame = {  # noqa: F841 - scanned by duckdb
                "tx_id": np.array(cols[0], dtype=np.int64),
                "kind": np.array(cols[1], dtype=object),
                "confidence": np.array(cols[2], dtype=np.float64),
                "reason": np.array(cols[3], dtype=object),
            }
            con.execute("INSERT INTO cluster_exclusions SELECT * FROM frame")
        edges = con.execute(
            """
            WITH usable AS (
                SELECT DISTINCT i.tx_id, i.address_id FROM inputs i
                WHERE i.address_id IS NOT NULL
                  AND i.tx_id NOT IN (SELECT tx_id FROM cluster_exclusions)
                  AND i.address_id NOT IN (
                      SELECT address_id FROM addresses WHERE address LIKE 'multisig:%')
            ), roots AS (
                SELECT tx_id, min(address_id) AS root, count(*) AS n FROM usable GROUP BY tx_id
            )
            SELECT r.root, u.address_id FROM usable u JOIN roots r USING (tx_id)
            WHERE r.n >= 2 AND u.address_id <> r.root
            """
        ).fetchnumpy()
        left = np.asarray(edges["root"], dtype=np.int64)
        right = np.asarray(edges["address_id"], dtype=np.int64)
        merging = store._scalar(
            """
            SELECT count(*) FROM (
                SELECT tx_id FROM inputs WHERE address_id IS NOT NULL
                  AND tx_id NOT IN (SELECT tx_id FROM cluster_exclusions)
                GROUP BY tx_id HAVING count(DISTINCT address_id) >= 2)
            """
        )
        change_links = 0
        if merge_change_at is not None:
            links = _change_links(store)
            change_links = len(links)
            if links:
                cols = list(zip(*links, strict=True))
                frame = {  # noqa: F841
                    "tx_id": np.array(cols[0], dtype=np.int64),
                    "address_id": np.array(cols[1], dtype=np.int64),
                    "vout": np.array(cols[2], dtype=np.int64),
                    "confidence": np.array(cols[3], dtype=np.float64),
                    "heuristics": np.array(cols[4], dtype=object),
                    "merged": np.array([c >= merge_change_at for c in cols[3]], dtype=bool),
                }
                con.execute("INSERT INTO cluster_change_links SELECT * FROM frame")
                extra = con.execute(
                    """
                    SELECT min(i.address_id) AS a, l.address_id AS b
                    FROM cluster_change_links l JOIN inputs i USING (tx_id)
                    WHERE l.merged AND i.address_id IS NOT NULL
                    GROUP BY l.tx_id, l.address_id
                    """
                ).fetchnumpy()
                left = np.concatenate([left, np.asarray(extra["a"], dtype=np.int64)])
                right = np.concatenate([right, np.asarray(extra["b"], dtype=np.int64)])
        n = int(max(left.max(initial=0), right.max(initial=0))) + 1
        labels = union_find(n, left, right)
        members = np.unique(np.concatenate([left, right]))
        cluster_of = labels[members]
        sizes = Counter(cluster_of.tolist())
        frame = {"address_id": members, "cluster_id": cluster_of}  # noqa: F841
        con.execute("INSERT INTO clusters SELECT address_id, cluster_id FROM frame")
        by_kind = Counter(r[1] for r in rows)
        seconds = time.perf_counter() - started
        result = ClusteringResult(
            clusters=len(sizes),
            clustered_addresses=len(members),
            largest=max(sizes.values(), default=0),
            excluded_transactions=len(rows),
            merging_transactions=merging,
            change_links=change_links,
            seconds=seconds,
            exclusions_by_kind=dict(by_kind),
        )
        run = store._scalar("SELECT coalesce(max(run), 0) + 1 FROM cluster_runs")
        con.execute(
            "INSERT INTO cluster_runs VALUES (?, ?, ?)",
            [
                run,
                json.dumps({"exclude_at": exclude_at, "merge_change_at": merge_change_at}),
                json.dumps(result.to_dict()),
            ],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return result


def _change_links(store: TxStore) -> list[tuple[int, int, int, float, str]]:
    """Change guesses for every non-excluded, non-coinbase UTXO transaction with
    two or more outputs (Python per transaction: use on case-sized stores)."""
    ins: dict[int, list[tuple[str | None, int | None, str | None]]] = {}
    for tx_id, address, value, stype in store.con.execute(
        """
        SELECT i.tx_id, a.address, i.value, i.script_type FROM inputs i
        LEFT JOIN addresses a USING (address_id)
        WHERE i.tx_id NOT IN (SELECT tx_id FROM cluster_exclusions)
        """
    ).fetchall():
        ins.setdefault(int(tx_id), []).append((address, value, stype))
    outs: dict[int, list[tuple[int, str | None, int | None, str | None]]] = {}
    ids: dict[str, int] = {}
    for tx_id, vout, address, address_id, value, stype in store.con.execute(
        """
        SELECT o.tx_id, o.vout, a.address, o.address_id, o.value, o.script_type FROM outputs o
        LEFT JOIN addresses a USING (address_id) ORDER BY o.tx_id, o.vout
        """
    ).fetchall():
        if int(tx_id) in ins:
            outs.setdefault(int(tx_id), []).append((int(vout), address, value, stype))
            if address is not None:
                ids[str(address)] = int(address_id)
    links = []
    for tx_id, outputs in outs.items():
        for guess in change_candidates(ins[tx_id], outputs)[:1]:
            if guess.address is not None:
                links.append(
                    (
                        tx_id,
                        ids[guess.address],
                        guess.vout,
                        guess.confidence,
                        ",".join(guess.heuristics),
                    )
                )
    return links


def cluster_of(store: TxStore, address: str) -> int | None:
    """The cluster id of an address (its own id when it merged with nothing);
    None when the address is not in the store."""
    ids = store.address_ids([address], create=False)
    if not ids:
        return None
    address_id = next(iter(ids.values()))
    try:
        row = store.con.execute(
            "SELECT cluster_id FROM clusters WHERE address_id = ?", [address_id]
        ).fetchone()
    except Exception:  # no clustering run yet
        return address_id
    return int(row[0]) if row else address_id


def explain_cluster(store: TxStore, cluster_id: int, *, limit: int = 500) -> ClusterExplanation:
    """Which transactions merged which addresses into this cluster, and which
    transactions touching it were left out (CoinJoins) and why."""
    con = store.con
    con.execute(_CLUSTER_SCHEMA)
    members = [
        int(r[0])
        for r in con.execute(
            "SELECT address_id FROM clusters WHERE cluster_id = ? ORDER BY address_id", [cluster_id]
        ).fetchall()
    ] or [cluster_id]
    names = store.address_of(members)
    merges: list[dict[str, object]] = []
    rows = con.execute(
        """
        SELECT t.txid, t.height, list(DISTINCT a.address ORDER BY a.address)
        FROM inputs i JOIN txs t USING (tx_id) JOIN addresses a USING (address_id)
        WHERE i.address_id IN (SELECT unnest(?::BIGINT[]))
          AND i.tx_id NOT IN (SELECT tx_id FROM cluster_exclusions)
        GROUP BY t.txid, t.height HAVING count(DISTINCT i.address_id) >= 2
        ORDER BY t.height NULLS LAST, t.txid LIMIT ?
        """,
        [members, limit],
    ).fetchall()
    for txid, height, addresses in rows:
        merges.append(
            {
                "txid": txid,
                "height": height,
                "heuristic": "multi_input",
                "confidence": None,
                "addresses": list(addresses),
            }
        )
    for txid, address, confidence, heuristics in con.execute(
        """
        SELECT t.txid, a.address, l.confidence, l.heuristics FROM cluster_change_links l
        JOIN txs t USING (tx_id) JOIN addresses a USING (address_id)
        WHERE l.merged AND l.address_id IN (SELECT unnest(?::BIGINT[]))
        """,
        [members],
    ).fetchall():
        merges.append(
            {
                "txid": txid,
                "heuristic": f"change ({heuristics})",
                "confidence": confidence,
                "addresses": [address],
            }
        )
    excluded = [
        {"txid": txid, "kind": kind, "confidence": confidence, "reason": reason}
        for txid, kind, confidence, reason in con.execute(
            """
            SELECT DISTINCT t.txid, e.kind, e.confidence, e.reason FROM cluster_exclusions e
            JOIN inputs i USING (tx_id) JOIN txs t USING (tx_id)
            WHERE i.address_id IN (SELECT unnest(?::BIGINT[])) ORDER BY t.txid LIMIT ?
            """,
            [members, limit],
        ).fetchall()
    ]
    return ClusterExplanation(
        cluster_id,
        tuple(names.get(m, f"#{m}") for m in members),
        tuple(merges),
        tuple(excluded),
    )
