"""`vigil chain import` and `vigil trace` on the GraphSense clustering fixture."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import vigil

FIXTURE = "crypto/etl/graphsense-lib/spark_utxo_test_resources/test_txs.json"
SOURCE = "138cWsiAGpW9yqfjMVCCsFcnaiSHyoWMnJ"
RANSOM = "1Fm1rJe1CtGuTKxWjQ4MyU7GEwrgkHYn5k"


def test_trace_from_an_address_is_kept_in_custody(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    tags = tmp_path / "case_tags.csv"
    tags.write_text(f"address,label,abuse\n{RANSOM},Seized ransomware wallet,ransomware\n")
    imported = vigil(home, "chain", "import", "graphsense-fixture", str(shared_data / FIXTURE))
    assert imported.returncode == 0, imported.stderr
    assert vigil(home, "case", "new", "wallets").returncode == 0
    traced = vigil(home, "trace", "wallets", SOURCE, "--hops", "3", "--tags", str(tags), "--json")
    assert traced.returncode == 0, traced.stderr
    result = json.loads(traced.stdout)
    assert "ransomware" in result["risk"]["flagged"]
    assert any(
        RANSOM in str(row["to"])
        or RANSOM in str(row.get("to_tags", ""))
        or "ransomware" in str(row.get("to_tags", ""))
        for row in result["table"]
    )
    assert result["address_in_case_evidence"] is False
    assert vigil(home, "verify", "wallets").returncode == 0
    listed = vigil(home, "case", "show", "wallets")
    assert listed.returncode == 0


def test_trace_without_chain_data_says_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert vigil(home, "case", "new", "empty").returncode == 0
    result = vigil(home, "trace", "empty", SOURCE)
    assert result.returncode == 3 and "vigil chain import" in result.stderr
