# mypy: disable-error-code="index,attr-defined,call-overload,arg-type,union-attr,operator,type-arg"
"""The service API the CLI and report call: paths in, plain dicts out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigil.crypto import service
from vigil.crypto.tags import Tag
from vigil.domain.errors import UsageError

GS = "graphsense-lib/spark_utxo_test_resources/test_txs.json"
SOURCE = "138cWsiAGpW9yqfjMVCCsFcnaiSHyoWMnJ"


def test_import_cluster_trace_and_risk(etl: Path, tmp_path: Path) -> None:
    store = service.default_store_path(tmp_path / "home")
    imported = service.import_chain_data(store, "graphsense-fixture", etl / GS)
    assert imported["transactions"] == 10 and imported["warnings"]
    assert service.run_clustering(store)["excluded_transactions"] == 1
    tags = service.load_tags(
        service.TagSources(
            extra=(
                Tag(
                    "1Fm1rJe1CtGuTKxWjQ4MyU7GEwrgkHYn5k",
                    "Seized ransomware wallet",
                    "user:case.csv",
                    "case 17",
                    abuse="ransomware",
                    risks=("ransomware",),
                ),
                Tag(
                    "1Fufjpf9RM2aQsGedhSpbSCGRHrmLMJ7yY",
                    "Known mixer",
                    "user:case.csv",
                    "case 17",
                    category="mixing_service",
                    risks=("mixer",),
                ),
            )
        )
    )
    result = service.trace_address(store, SOURCE, hops=3, method="haircut", tags=tags)
    assert json.loads(json.dumps(result["graph"]))["method"] == "haircut"
    assert result["graphml"].startswith("<?xml")
    reached = {r["address"]: r for r in result["summary"]["reached"]}
    assert reached["1Fufjpf9RM2aQsGedhSpbSCGRHrmLMJ7yY"]["stop"].startswith("service: Known mixer")
    assert reached["1Fm1rJe1CtGuTKxWjQ4MyU7GEwrgkHYn5k"]["labels"] == [
        "Seized ransomware wallet [user:case.csv]"
    ]

    risk = service.risk_summary(store, SOURCE, tags=tags)
    assert risk["flagged"] == ["mixer", "ransomware"]
    assert risk["classes"]["ransomware"]["sent_to"]["nearest_hop"] == 3
    assert not risk["classes"]["ransomware"]["direct"]
    # the cluster partner of 1Fufjpf9 carries its tag as a cluster hit
    partner = service.risk_summary(store, "1231PgW8KbpwKkvACPhp13fcL6fM5sKGvy", tags=tags)
    assert partner["classes"]["mixer"]["cluster"] is True
    assert partner["cluster_hits"][0]["dataset"] == "user:case.csv"

    report = service.cluster_report(store, "1231PgW8KbpwKkvACPhp13fcL6fM5sKGvy", tags=tags)
    assert report["size"] == 2 and report["merges"]
    paths = service.path_between(store, SOURCE, "1Fm1rJe1CtGuTKxWjQ4MyU7GEwrgkHYn5k", tags=tags)
    # the mixer-tagged address is a service: paths through it are not followed
    assert paths["found"] and all(
        s["to"] != "1Fufjpf9RM2aQsGedhSpbSCGRHrmLMJ7yY" for p in paths["paths"] for s in p
    )


def test_unknown_source_kind(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        service.open_source("nope", tmp_path)
