"""Attribution tags: GraphSense TagPacks, OFAC SDN address lists, CryptoScamDB
and the investigator's own tag files, in one index. Every tag keeps where it
came from (`dataset`: the file; `source`: the reference the file gives).

TagPacks are checked against the GraphSense TagPack schema (header: title,
creator, tags; per tag after inheriting header fields: label, source,
currency, address or tx_hash, confidence from the confidence taxonomy).
A tag missing label, currency or address is dropped; a missing source or
unknown confidence is kept and reported. Problems are data, not exceptions.

Risk classes are derived from GraphSense concepts (see `RISK_BY_CONCEPT`)
and from the list a tag came from (every OFAC list entry is `sanctioned`).
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from vigil.crypto._values import normalize_address

__all__ = [
    "CONFIDENCE_LEVELS",
    "RISK_BY_CONCEPT",
    "RISK_CLASSES",
    "SERVICE_CATEGORIES",
    "LoadReport",
    "Tag",
    "TagIndex",
    "load_cryptoscamdb",
    "load_ofac_lists",
    "load_tagpack",
    "load_user_tags",
]

log = logging.getLogger(__name__)

CONFIDENCE_LEVELS = {
    "override": 100,
    "ownership": 100,
    "manual_transaction": 90,
    "service_api": 70,
    "authority_data": 60,
    "trusted_provider": 50,
    "service_data": 50,
    "forensic": 50,
    "untrusted_transaction": 40,
    "web_crawl": 20,
    "heuristic": 10,
    "unknown": 5,
    "ledger_immanent": 100,
}
"""GraphSense confidence taxonomy (graphsense-tagpack-tool db/confidence.csv), level 0-100."""

RISK_BY_CONCEPT = {
    "sanction": "sanctioned",
    "ransomware": "ransomware",
    "mixing_service": "mixer",
    "coinjoin": "mixer",
    "scam": "scam",
    "phishing": "scam",
    "investment_fraud": "scam",
    "ponzi_scheme": "scam",
    "pyramid_scheme": "scam",
    "extortion": "scam",
    "sextortion": "scam",
    "service_hack": "hack",
    "terrorism": "terrorism",
    "extremism": "extremism",
    "dark_web": "darknet",
    "market": "darknet",
    "gambling": "gambling",
    "exchange": "exchange",
}
"""GraphSense category/abuse -> Vigil risk class."""

RISK_CLASSES = (
    "sanctioned",
    "ransomware",
    "mixer",
    "scam",
    "hack",
    "darknet",
    "terrorism",
    "extremism",
)
"""Risk classes summarised by `risk_summary` and coloured in the report;
'exchange' and 'gambling' hits are listed but are not risks."""

SERVICE_CATEGORIES = frozenset(
    {
        "exchange",
        "wallet_service",
        "payment_processor",
        "mixing_service",
        "coinjoin",
        "gambling",
        "market",
        "defi",
        "defi_dex",
        "defi_lending",
        "defi_bridge",
        "miner",
        "service",
        "atm",
    }
)
"""Categories of services that pool many users' funds: a trace stops there
(the trail continues only inside the service's books: a subpoena target)."""

_SANCTION_MARKERS = ("ofac", "treasury.gov", "sanction")
_TAG_FIELDS = {
    "label",
    "source",
    "currency",
    "network",
    "context",
    "confidence",
    "is_cluster_definer",
    "lastmod",
    "category",
    "abuse",
    "address",
    "tx_hash",
    "actor",
    "concepts",
    "tag_type",
}
_HEADER_FIELDS = {"title", "creator", "description", "owner", "is_public", "tags"}


@dataclass(frozen=True, slots=True)
class Tag:
    address: str
    label: str
    dataset: str
    """The file the tag was read from, e.g. 'graphsense:ransomware.yaml'."""
    source: str
    """The reference the file gives for the tag (URL or citation)."""
    currency: str = ""
    category: str = ""
    abuse: str = ""
    confidence: str = ""
    confidence_level: int | None = None
    actor: str = ""
    risks: tuple[str, ...] = ()

    @property
    def is_service(self) -> bool:
        return self.category in SERVICE_CATEGORIES

    def to_dict(self) -> dict[str, object]:
        return {
            "address": self.address,
            "label": self.label,
            "dataset": self.dataset,
            "source": self.source,
            "currency": self.currency,
            "category": self.category,
            "abuse": self.abuse,
            "confidence": self.confidence,
            "confidence_level": self.confidence_level,
            "actor": self.actor,
            "risks": list(self.risks),
            "service": self.is_service,
        }


@dataclass(slots=True)
class LoadReport:
    dataset: str
    tags: int = 0
    dropped: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, message: str) -> None:
        if len(self.problems) < 200:
            self.problems.append(message)


def _risks(category: str, abuse: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    found = [RISK_BY_CONCEPT[c] for c in (category, abuse) if c in RISK_BY_CONCEPT]
    return tuple(dict.fromkeys([*found, *extra]))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()


def _yaml_load(path: Path) -> object:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as handle:
        return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader


def load_tagpack(path: Path) -> tuple[list[Tag], LoadReport]:
    """One GraphSense TagPack YAML file, schema-checked."""
    dataset = f"graphsense:{path.name}"
    report = LoadReport(dataset)
    try:
        pack = _yaml_load(path)
    except Exception as exc:  # yaml raises many types; a bad file is a problem, not a crash
        report.problem(f"not YAML: {exc.__class__.__name__}")
        return [], report
    if not isinstance(pack, Mapping):
        report.problem("not a mapping")
        return [], report
    for key in ("title", "creator", "tags"):
        if key not in pack:
            report.problem(f"header lacks mandatory field {key!r}")
    unknown = set(pack) - _HEADER_FIELDS - _TAG_FIELDS
    if unknown:
        report.problem(f"header has unknown fields {sorted(unknown)}")
    raw_tags = pack.get("tags")
    if not isinstance(raw_tags, list):
        report.problem("tags is not a list")
        return [], report
    header = {k: v for k, v in pack.items() if k in _TAG_FIELDS}
    sanctioned_pack = any(
        marker in _text(pack.get(f)).lower()
        for f in ("title", "source", "description")
        for marker in _SANCTION_MARKERS
    )
    tags: list[Tag] = []
    for number, raw in enumerate(raw_tags):
        if not isinstance(raw, Mapping):
            report.dropped += 1
            report.problem(f"tag {number} is not a mapping")
            continue
        merged = {**header, **raw}
        extra = set(raw) - _TAG_FIELDS
        if extra:
            report.problem(f"tag {number} has unknown fields {sorted(extra)}")
        label, currency = _text(merged.get("label")), _text(merged.get("currency"))
        address = _text(merged.get("address"))
        if not label or not currency or not address:
            report.dropped += 1
            missing = [
                k
                for k, v in (("label", label), ("currency", currency), ("address", address))
                if not v
            ]
            report.problem(f"tag {number} dropped: no {', '.join(missing)}")
            continue
        source = _text(merged.get("source"))
        if not source:
            report.problem(f"tag {number} ({address}) has no source")
        confidence = _text(merged.get("confidence"))
        if confidence and confidence not in CONFIDENCE_LEVELS:
            report.problem(f"tag {number} has confidence {confidence!r} outside the taxonomy")
        category, abuse = _text(merged.get("category")), _text(merged.get("abuse"))
        source_says_sanction = any(m in source.lower() for m in _SANCTION_MARKERS)
        extra_risks = ["sanctioned"] if sanctioned_pack or source_says_sanction else []
        tags.append(
            Tag(
                address=normalize_address(address),
                label=label,
                dataset=dataset,
                source=source,
                currency=currency.upper(),
                category=category,
                abuse=abuse,
                confidence=confidence,
                confidence_level=CONFIDENCE_LEVELS.get(confidence),
                actor=_text(merged.get("actor")),
                risks=_risks(category, abuse, extra_risks),
            )
        )
    report.tags = len(tags)
    return tags, report


def load_ofac_lists(folder: Path) -> tuple[list[Tag], LoadReport]:
    """`sanctioned_addresses_<ASSET>.json` files (0xB10C's extraction of the SDN list)."""
    report = LoadReport(f"ofac-sdn:{folder.name}")
    tags: list[Tag] = []
    for path in sorted(folder.glob("sanctioned_addresses_*.json")):
        asset = path.stem.rsplit("_", 1)[-1]
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            report.problem(f"{path.name}: {exc.__class__.__name__}")
            continue
        if not isinstance(entries, list):
            report.problem(f"{path.name}: not a list")
            continue
        for entry in entries:
            if not isinstance(entry, str) or not entry.strip():
                report.dropped += 1
                continue
            tags.append(
                Tag(
                    address=normalize_address(entry),
                    label=f"OFAC SDN list ({asset})",
                    dataset=f"ofac-sdn:{path.name}",
                    source="US Treasury OFAC SDN list, 'Digital Currency Address' entries",
                    currency="BTC" if asset == "XBT" else asset,
                    category="",
                    abuse="sanction",
                    confidence="authority_data",
                    confidence_level=CONFIDENCE_LEVELS["authority_data"],
                    risks=("sanctioned",),
                )
            )
    report.tags = len(tags)
    return tags, report


def load_cryptoscamdb(path: Path) -> tuple[list[Tag], LoadReport]:
    """CryptoScamDB blacklist entries with addresses ({'entries': [...]} or a list)."""
    report = LoadReport(f"cryptoscamdb:{path.name}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        report.problem(f"not JSON: {exc.__class__.__name__}")
        return [], report
    entries = data.get("entries") if isinstance(data, Mapping) else data
    tags: list[Tag] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("addresses"), Mapping):
            report.dropped += 1
            continue
        category = _text(entry.get("category")).lower()
        abuse = "phishing" if category == "phishing" else "scam"
        for coin, addresses in entry["addresses"].items():
            for address in addresses if isinstance(addresses, list) else []:
                if not isinstance(address, str) or not address.strip():
                    continue
                tags.append(
                    Tag(
                        address=normalize_address(address),
                        label=f"{entry.get('name') or entry.get('url') or 'scam site'}"
                        + (f" ({entry.get('subcategory')})" if entry.get("subcategory") else ""),
                        dataset=f"cryptoscamdb:{path.name}",
                        source=_text(entry.get("url")) or "CryptoScamDB blacklist",
                        currency=str(coin).upper(),
                        abuse=abuse,
                        confidence="web_crawl",
                        confidence_level=CONFIDENCE_LEVELS["web_crawl"],
                        risks=("scam",),
                    )
                )
    report.tags = len(tags)
    return tags, report


def load_user_tags(path: Path) -> tuple[list[Tag], LoadReport]:
    """The investigator's own tags: a TagPack YAML, or a CSV with columns
    address, label and optionally category, abuse, source, currency, confidence."""
    if path.suffix in (".yaml", ".yml"):
        tags, report = load_tagpack(path)
        dataset = f"user:{path.name}"
        return [_retag(t, dataset) for t in tags], LoadReport(
            dataset, report.tags, report.dropped, report.problems
        )
    report = LoadReport(f"user:{path.name}")
    tags = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle), 2):
                address, label = _text(row.get("address")), _text(row.get("label"))
                if not address or not label:
                    report.dropped += 1
                    report.problem(f"line {number}: needs address and label")
                    continue
                category, abuse = _text(row.get("category")), _text(row.get("abuse"))
                confidence = _text(row.get("confidence")) or "ownership"
                tags.append(
                    Tag(
                        address=normalize_address(address),
                        label=label,
                        dataset=f"user:{path.name}",
                        source=_text(row.get("source")) or f"investigator file {path.name}",
                        currency=_text(row.get("currency")).upper(),
                        category=category,
                        abuse=abuse,
                        confidence=confidence,
                        confidence_level=CONFIDENCE_LEVELS.get(confidence),
                        risks=_risks(category, abuse),
                    )
                )
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        report.problem(f"unreadable: {exc.__class__.__name__}")
    report.tags = len(tags)
    return tags, report


def _retag(tag: Tag, dataset: str) -> Tag:
    return Tag(
        tag.address,
        tag.label,
        dataset,
        tag.source,
        tag.currency,
        tag.category,
        tag.abuse,
        tag.confidence,
        tag.confidence_level,
        tag.actor,
        tag.risks,
    )


class TagIndex:
    """Tags by normalised address; every lookup returns every tag with its source."""

    def __init__(self, tags: Iterable[Tag] = ()):
        self._by_address: dict[str, list[Tag]] = {}
        self.reports: list[LoadReport] = []
        self.add(tags)

    def add(self, tags: Iterable[Tag], report: LoadReport | None = None) -> None:
        for tag in tags:
            self._by_address.setdefault(tag.address, []).append(tag)
        if report is not None:
            self.reports.append(report)

    def lookup(self, address: str) -> list[Tag]:
        return list(self._by_address.get(normalize_address(address), ()))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_address.values())

    def __iter__(self) -> Iterator[Tag]:
        for tags in self._by_address.values():
            yield from tags

    def addresses(self) -> set[str]:
        return set(self._by_address)

    @classmethod
    def from_paths(
        cls,
        *,
        tagpack_dirs: Iterable[Path] = (),
        ofac_dirs: Iterable[Path] = (),
        cryptoscamdb_files: Iterable[Path] = (),
        user_files: Iterable[Path] = (),
    ) -> TagIndex:
        index = cls()
        for folder in tagpack_dirs:
            files = (
                sorted(Path(folder).rglob("*.yaml")) if Path(folder).is_dir() else [Path(folder)]
            )
            for path in files:
                index.add(*load_tagpack(path))
        for folder in ofac_dirs:
            index.add(*load_ofac_lists(Path(folder)))
        for path in cryptoscamdb_files:
            index.add(*load_cryptoscamdb(Path(path)))
        for path in user_files:
            index.add(*load_user_tags(Path(path)))
        return index
