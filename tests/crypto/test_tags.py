# mypy: disable-error-code="index,attr-defined,call-overload,arg-type,union-attr,operator,type-arg"
"""Attribution tags from the shared TagPacks, OFAC lists and CryptoScamDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigil.crypto.tags import (
    TagIndex,
    load_cryptoscamdb,
    load_ofac_lists,
    load_tagpack,
    load_user_tags,
)

TORNADO = "0x8589427373D6D84E98730D7795D8f6f8731FDA16"


@pytest.fixture
def tags_dir(crypto_data: Path) -> Path:
    return crypto_data / "tags"


def test_tagpack_header_inheritance_and_schema(tags_dir: Path) -> None:
    tags, report = load_tagpack(tags_dir / "graphsense-tagpacks/packs/tornado_cash.yaml")
    assert report.tags == len(tags) == 39 and not report.dropped
    first = tags[0]
    assert (
        first.label == "tornado.cash"
        and first.currency == "ETH"
        and first.category == "mixing_service"
    )
    assert first.confidence_level == 60 and first.source.startswith("https://home.treasury.gov")
    assert set(first.risks) == {"mixer", "sanctioned"}
    assert first.address == TORNADO.lower()


def test_ransomware_and_ofac(tags_dir: Path) -> None:
    tags, _ = load_tagpack(tags_dir / "graphsense-tagpacks/packs/ransomware.yaml")
    assert len(tags) > 7000 and all("ransomware" in t.risks for t in tags)
    ofac, report = load_ofac_lists(tags_dir / "ofac-sdn-digital-currency")
    listed = sum(
        len(json.loads(p.read_text()))
        for p in (tags_dir / "ofac-sdn-digital-currency").glob("*.json")
    )
    assert report.tags == listed == 654
    assert all(t.risks == ("sanctioned",) for t in ofac)


def test_every_hit_names_its_source(tags_dir: Path) -> None:
    index = TagIndex.from_paths(
        tagpack_dirs=[tags_dir / "graphsense-tagpacks/packs/tornado_cash.yaml"],
        ofac_dirs=[tags_dir / "ofac-sdn-digital-currency"],
        cryptoscamdb_files=[tags_dir / "cryptoscamdb/urls_with_addresses.json"],
    )
    hits = index.lookup(TORNADO.upper().replace("0X", "0x"))
    assert {h.dataset for h in hits} == {
        "graphsense:tornado_cash.yaml",
        "ofac-sdn:sanctioned_addresses_ETH.json",
    }
    assert all(h.source for h in hits)
    scam = index.lookup("0xD0cC2B24980CBCCA47EF755Da88B220a82291407")
    assert scam and scam[0].risks == ("scam",) and scam[0].source == "http://myelherwallel.com"


def test_schema_problems_are_reported(tmp_path: Path) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text(
        "title: t\ncurrency: BTC\nconfidence: nonsense\ntags:\n- address: 1A\n- label: x\n- 5\n"
    )
    tags, report = load_tagpack(pack)
    assert tags == [] or all(t.label for t in tags)
    assert report.dropped == 3
    assert any("creator" in p for p in report.problems)
    (tmp_path / "junk.yaml").write_bytes(b"\x00\xff: [")
    assert load_tagpack(tmp_path / "junk.yaml")[0] == []


def test_user_csv(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "address,label,category,abuse\n1Suspect,Seized wallet,,ransomware\n,missing,,\n"
    )
    tags, report = load_user_tags(path)
    assert [t.label for t in tags] == ["Seized wallet"] and tags[0].risks == ("ransomware",)
    assert tags[0].dataset == "user:mine.csv" and report.dropped == 1


def test_cryptoscamdb_counts(tags_dir: Path) -> None:
    tags, report = load_cryptoscamdb(tags_dir / "cryptoscamdb/urls_with_addresses.json")
    assert report.tags == len(tags) >= 5000
