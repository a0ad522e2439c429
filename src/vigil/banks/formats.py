"""Import and export of bank entries as text.

Formats:

- `hex`: one hash per line; the signal type is given by the caller. Blank
  lines and lines starting with '#' are skipped.
- `csv`: a header row naming at least `hash` (and `signal_type`, unless the
  caller gives one); every other column becomes entry metadata.
- `te`: ThreatExchange / HMA "simple" serialisation, as python-threatexchange
  writes `simple.<TYPE>.te` files and HMA reads them: no header, rows of
  `indicator,indicator_id,first_descriptor_id,added_on,labels` (labels
  space-separated). The type comes from the caller, as a Vigil name (`pdq`)
  or a ThreatExchange one (`HASH_PDQ`).
- `tx`: python-threatexchange's signal file lines, `<signal_type> <value>`
  (pytx names: pdq, video_md5, md5...).

Parsing never raises for a bad line: it returns the good entries (values
canonicalised by their SignalType) and a list of problems with line numbers.
Open files with newline="" (as the csv module wants).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TextIO

from vigil.banks.model import BankEntry, NewEntry
from vigil.banks.store import BankStore
from vigil.domain.errors import UsageError
from vigil.signals.base import SignalType

__all__ = [
    "BankFormat",
    "ImportProblem",
    "ImportReport",
    "ParsedEntries",
    "export_bank",
    "format_entries",
    "import_into_bank",
    "parse_entries",
    "signal_name",
    "te_type",
]


class BankFormat(StrEnum):
    HEX = "hex"
    CSV = "csv"
    THREATEXCHANGE = "te"
    TX_LINES = "tx"


_ALIASES = {
    "hash_pdq": "pdq",
    "hash_md5": "md5",
    "hash_video_md5": "md5",
    "video_md5": "md5",
    "hash_sha256": "sha256",
    "hash_vpdq": "vpdq",
}
_TE_TYPES = {"pdq": "HASH_PDQ", "md5": "HASH_MD5", "sha256": "HASH_SHA256", "vpdq": "HASH_VPDQ"}
_TE_FIELDS = ("te_indicator_id", "te_descriptor_id", "added_on", "labels")


def signal_name(name: str) -> str:
    """Vigil's name for a signal type given in Vigil, ThreatExchange or pytx form."""
    key = name.strip().lower()
    return _ALIASES.get(key, key)


@dataclass(frozen=True, slots=True)
class ImportProblem:
    line: int
    message: str


@dataclass(frozen=True, slots=True)
class ParsedEntries:
    entries: list[NewEntry] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportReport:
    read: int
    added: int
    problems: list[ImportProblem]

    @property
    def duplicates(self) -> int:
        return self.read - self.added


class _Parser:
    def __init__(self, signals: Mapping[str, SignalType]) -> None:
        self.signals = signals
        self.out = ParsedEntries()

    def add(self, line: int, signal_type: str, value: str, metadata: Mapping[str, str]) -> None:
        name = signal_name(signal_type)
        signal = self.signals.get(name)
        if signal is None:
            self.out.problems.append(ImportProblem(line, f"unknown signal type {signal_type!r}"))
            return
        try:
            canonical = signal.validate(value)
        except ValueError as exc:
            self.out.problems.append(ImportProblem(line, str(exc)))
            return
        clean = {k: v for k, v in metadata.items() if v not in ("", None)}
        self.out.entries.append(NewEntry(name, canonical, clean))

    def problem(self, line: int, message: str) -> None:
        self.out.problems.append(ImportProblem(line, message))


def _csv_rows(source: Iterable[str], parser: _Parser) -> Iterator[tuple[int, list[str]]]:
    """(line number, row) pairs; a malformed row becomes a problem, not an error."""
    reader = csv.reader(source)
    last_error = -1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if reader.line_num == last_error:  # no progress: give up on the rest
                parser.problem(reader.line_num, f"unreadable CSV, stopped: {exc}")
                return
            last_error = reader.line_num
            parser.problem(reader.line_num, f"malformed CSV row: {exc}")
            continue
        yield reader.line_num, row


def _content_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(lines, start=1):
        text = raw.strip().lstrip("\ufeff")
        if text and not text.startswith("#"):
            yield number, text


def parse_entries(
    source: Iterable[str],
    fmt: BankFormat | str,
    signals: Mapping[str, SignalType],
    *,
    signal_type: str | None = None,
) -> ParsedEntries:
    """Entries from text lines (an open file works); see the module docstring."""
    fmt = BankFormat(fmt)
    parser = _Parser(signals)
    if fmt is BankFormat.HEX:
        if not signal_type:
            raise UsageError("plain hex import needs a signal type")
        for number, text in _content_lines(source):
            parser.add(number, signal_type, text, {})
    elif fmt is BankFormat.TX_LINES:
        for number, text in _content_lines(source):
            kind, _, value = text.partition(" ")
            if not value.strip() and signal_type:
                kind, value = signal_type, kind
            if not value.strip():
                parser.problem(number, "expected '<signal_type> <value>'")
                continue
            parser.add(number, kind, value.strip(), {})
    elif fmt is BankFormat.CSV:
        _parse_csv(source, parser, signal_type)
    else:
        if not signal_type:
            raise UsageError("ThreatExchange import needs the indicator type (e.g. HASH_PDQ)")
        for number, row in _csv_rows(source, parser):
            if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
                continue
            meta = dict(zip(_TE_FIELDS, (c.strip() for c in row[1:]), strict=False))
            parser.add(number, signal_type, row[0].strip(), meta)
    return parser.out


def _parse_csv(source: Iterable[str], parser: _Parser, signal_type: str | None) -> None:
    header: list[str] | None = None
    for number, row in _csv_rows(source, parser):
        if not row or all(not c.strip() for c in row):
            continue
        if header is None:
            header = [c.strip().lstrip("\ufeff").lower() for c in row]
            if "hash" not in header:
                raise UsageError("CSV import needs a header row with a 'hash' column")
            if "signal_type" not in header and not signal_type:
                raise UsageError("CSV import needs a 'signal_type' column or a signal type")
            continue
        if len(row) != len(header):
            parser.problem(number, f"expected {len(header)} fields, got {len(row)}")
            continue
        record = dict(zip(header, (c.strip() for c in row), strict=True))
        value = record.pop("hash")
        kind = record.pop("signal_type", "") or signal_type or ""
        parser.add(number, kind, value, record)


def format_entries(
    entries: Iterable[BankEntry | NewEntry], fmt: BankFormat | str, out: TextIO
) -> int:
    """Write entries in a format `parse_entries` reads back; return the count.

    `hex` and `te` carry one signal type per file: mixing types is an error.
    """
    fmt = BankFormat(fmt)
    rows = list(entries)
    kinds = {e.signal_type for e in rows}
    if fmt in (BankFormat.HEX, BankFormat.THREATEXCHANGE) and len(kinds) > 1:
        raise UsageError(f"{fmt} export holds one signal type; got {sorted(kinds)}")
    if fmt is BankFormat.HEX:
        for e in rows:
            out.write(f"{e.value}\n")
    elif fmt is BankFormat.TX_LINES:
        for e in rows:
            out.write(f"{e.signal_type} {e.value}\n")
    elif fmt is BankFormat.THREATEXCHANGE:
        writer = csv.writer(out, lineterminator="\n")
        for e in rows:
            writer.writerow([e.value, *(e.metadata.get(k, "") for k in _TE_FIELDS)])
    else:
        extra = sorted({k for e in rows for k in e.metadata} - {"hash", "signal_type"})
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["hash", "signal_type", *extra])
        for e in rows:
            writer.writerow([e.value, e.signal_type, *(e.metadata.get(k, "") for k in extra)])
    return len(rows)


def te_type(signal_type: str) -> str:
    """The ThreatExchange indicator type for a Vigil signal name (file naming)."""
    return _TE_TYPES.get(signal_type, signal_type.upper())


def import_into_bank(
    store: BankStore,
    bank: str,
    source: Iterable[str],
    fmt: BankFormat | str,
    signals: Mapping[str, SignalType],
    *,
    signal_type: str | None = None,
) -> ImportReport:
    """Parse and store; duplicates already in the bank are skipped, not errors."""
    store.get_bank(bank)  # NotFoundError before reading anything
    parsed = parse_entries(source, fmt, signals, signal_type=signal_type)
    added = store.add_entries(bank, parsed.entries)
    return ImportReport(len(parsed.entries), added, parsed.problems)


def export_bank(
    store: BankStore,
    bank: str,
    out: TextIO,
    fmt: BankFormat | str,
    *,
    signal_type: str | None = None,
) -> int:
    store.get_bank(bank)
    entries = store.iter_entries(banks=[bank], signal_type=signal_type)
    return format_entries(entries, fmt, out)
