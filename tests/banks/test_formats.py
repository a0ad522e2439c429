"""Bank import/export: plain hex, CSV, ThreatExchange/HMA and pytx lines."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.banks.store_contract import make_bank
from vigil.banks import (
    BankFormat,
    InMemoryBankStore,
    NewEntry,
    export_bank,
    format_entries,
    import_into_bank,
    parse_entries,
)
from vigil.domain.errors import NotFoundError, UsageError
from vigil.signals.exact import Md5Signal, Sha256Signal
from vigil.signals.pdq import PdqSignal

SIGNALS = {"pdq": PdqSignal(), "md5": Md5Signal(), "sha256": Sha256Signal()}
PDQ_A, PDQ_B = "ab" * 32, "cd" * 32
MD5_A = "0123456789abcdef" * 2


def test_plain_hex() -> None:
    text = f"# exported 2026-11-23\n{PDQ_A.upper()}\n\n  {PDQ_B}  \nnot-a-hash\n"
    parsed = parse_entries(io.StringIO(text), "hex", SIGNALS, signal_type="pdq")
    assert [e.value for e in parsed.entries] == [PDQ_A, PDQ_B]
    assert [p.line for p in parsed.problems] == [5]
    with pytest.raises(UsageError):
        parse_entries(io.StringIO(text), BankFormat.HEX, SIGNALS)
    out = io.StringIO()
    assert format_entries(parsed.entries, "hex", out) == 2
    assert out.getvalue() == f"{PDQ_A}\n{PDQ_B}\n"


def test_csv_with_metadata_round_trips() -> None:
    text = (
        "hash,signal_type,source_id,note\n"
        f"{PDQ_A},pdq,17,first\n"
        f"{MD5_A},md5,18,\n"
        f"{PDQ_B},tmk,19,unknown type\n"
        f"{PDQ_B},pdq\n"
    )
    parsed = parse_entries(io.StringIO(text), "csv", SIGNALS)
    assert parsed.entries == [
        NewEntry("pdq", PDQ_A, {"source_id": "17", "note": "first"}),
        NewEntry("md5", MD5_A, {"source_id": "18"}),
    ]
    assert [p.line for p in parsed.problems] == [4, 5]
    assert "unknown signal type" in parsed.problems[0].message
    out = io.StringIO()
    format_entries(parsed.entries, "csv", out)
    again = parse_entries(io.StringIO(out.getvalue()), "csv", SIGNALS)
    assert again.entries == parsed.entries and not again.problems
    with pytest.raises(UsageError, match="'hash'"):
        parse_entries(io.StringIO("value,kind\n"), "csv", SIGNALS)
    with pytest.raises(UsageError, match="signal_type"):
        parse_entries(io.StringIO(f"hash\n{PDQ_A}\n"), "csv", SIGNALS)
    only_hash = parse_entries(io.StringIO(f"hash\n{PDQ_A}\n"), "csv", SIGNALS, signal_type="pdq")
    assert only_hash.entries == [NewEntry("pdq", PDQ_A)]


def test_threatexchange_simple_serialisation() -> None:
    # python-threatexchange / HMA "simple.HASH_PDQ.te": indicator, indicator id,
    # first descriptor id, added_on, space-separated labels; no header
    text = (
        f"{PDQ_A},2880742865368386,2880742878701718,2020-07-31T18:47:45+0000,"
        "media_type_photo true_positive\n"
        f"{PDQ_B},2880742865368387,2880742878701719,2020-08-01T00:00:00+0000,\n"
        "nonsense,1,2,3,\n"
    )
    parsed = parse_entries(io.StringIO(text), "te", SIGNALS, signal_type="HASH_PDQ")
    assert len(parsed.entries) == 2 and [p.line for p in parsed.problems] == [3]
    first = parsed.entries[0]
    assert first.signal_type == "pdq"
    assert first.metadata["te_indicator_id"] == "2880742865368386"
    assert first.metadata["labels"] == "media_type_photo true_positive"
    out = io.StringIO()
    format_entries(parsed.entries, "te", out)
    assert out.getvalue().splitlines()[0].startswith(f"{PDQ_A},2880742865368386,")
    again = parse_entries(io.StringIO(out.getvalue()), "te", SIGNALS, signal_type="pdq")
    assert again.entries == parsed.entries
    with pytest.raises(UsageError):
        format_entries([NewEntry("pdq", PDQ_A), NewEntry("md5", MD5_A)], "te", io.StringIO())


def test_pytx_signal_lines() -> None:
    text = f"pdq {PDQ_A}\nvideo_md5 {MD5_A}\nurl http://example.invalid/\n{PDQ_B}\n"
    parsed = parse_entries(io.StringIO(text), "tx", SIGNALS)
    assert parsed.entries == [NewEntry("pdq", PDQ_A), NewEntry("md5", MD5_A)]
    assert [p.line for p in parsed.problems] == [3, 4]
    out = io.StringIO()
    format_entries(parsed.entries, "tx", out)
    assert out.getvalue() == f"pdq {PDQ_A}\nmd5 {MD5_A}\n"


def test_import_into_and_export_a_bank() -> None:
    store = InMemoryBankStore()
    store.create_bank(make_bank("ncmec"))
    lines = [PDQ_A, PDQ_B, PDQ_A, "xyz"]
    report = import_into_bank(store, "ncmec", lines, "hex", SIGNALS, signal_type="pdq")
    assert (report.read, report.added, report.duplicates, len(report.problems)) == (3, 2, 1, 1)
    again = import_into_bank(store, "ncmec", lines, "hex", SIGNALS, signal_type="pdq")
    assert again.added == 0
    out = io.StringIO()
    assert export_bank(store, "ncmec", out, "csv") == 2
    assert out.getvalue().splitlines() == ["hash,signal_type", f"{PDQ_A},pdq", f"{PDQ_B},pdq"]
    with pytest.raises(NotFoundError):
        import_into_bank(store, "ghost", lines, "hex", SIGNALS, signal_type="pdq")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.sampled_from(list(BankFormat)))
def test_any_text_parses_to_entries_and_problems_never_a_crash(text: str, fmt: BankFormat) -> None:
    try:
        parsed = parse_entries(io.StringIO(text), fmt, SIGNALS, signal_type="pdq")
    except UsageError:
        assert fmt is BankFormat.CSV  # a header without a 'hash' column
        return
    for entry in parsed.entries:
        assert SIGNALS[entry.signal_type].validate(entry.value) == entry.value
    assert all(p.line >= 1 for p in parsed.problems)
