"""The `vigil` command: parse, call a service, render. Nothing else."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vigil import __version__
from vigil.domain.errors import UsageError, VigilError
from vigil.domain.model import HashSetCategory, Verdict
from vigil.services.config import Settings, load_settings
from vigil.services.workspace import Workspace, open_workspace

if TYPE_CHECKING:
    from vigil.services.watch import WatchStatus

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Vigil: offline forensic workbench for AI-enabled crime.",
)
case_app = typer.Typer(no_args_is_help=True, help="Create and inspect cases.")
hashset_app = typer.Typer(
    no_args_is_help=True, help="Named exact-hash sets (known-bad, known-good)."
)
chain_app = typer.Typer(no_args_is_help=True, help="Blockchain data for tracing (offline).")
voice_app = typer.Typer(no_args_is_help=True, help="Reference voices of persons in a case.")
app.add_typer(voice_app, name="voice")
bank_app = typer.Typer(
    no_args_is_help=True, help="Perceptual and exact hash banks (PDQ, vPDQ, MD5)."
)
app.add_typer(bank_app, name="bank")
app.add_typer(case_app, name="case")
app.add_typer(hashset_app, name="hashset")
app.add_typer(chain_app, name="chain")

out = Console()
err = Console(stderr=True)
log = logging.getLogger("vigil")
T = TypeVar("T")

_state: dict[str, Settings] = {}


@app.callback()
def _global(
    home: Annotated[Path | None, typer.Option(help="Workspace folder (VIGIL_HOME).")] = None,
    db: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL (VIGIL_DB), e.g. PostgreSQL.")
    ] = None,
    actor: Annotated[
        str | None, typer.Option(help="Name recorded in custody (VIGIL_ACTOR).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log to stderr.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.ERROR,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    _state["settings"] = load_settings(home=home, db=db, actor=actor)


def _settings() -> Settings:
    return _state.get("settings") or load_settings()


@contextmanager
def _workspace() -> Iterator[Workspace]:
    ws = open_workspace(_settings())
    try:
        yield ws
    finally:
        ws.close()


# -- cases ---------------------------------------------------------------
@case_app.command("new")
def case_new(name: str, description: Annotated[str, typer.Option()] = "") -> None:
    """Create a case."""
    from vigil.services.cases import create_case

    with _workspace() as ws:
        case = create_case(ws, name, description)
    out.print(f"Created case [bold]{case.name}[/] ({case.id})")


@case_app.command("list")
def case_list() -> None:
    """List cases."""
    with _workspace() as ws:
        cases = ws.store.list_cases()
    table = Table("name", "id", "created (UTC)", "description")
    for case in cases:
        table.add_row(
            case.name, case.id, case.created_at.strftime("%Y-%m-%d %H:%M:%S"), case.description
        )
    out.print(table)


@case_app.command("show")
def case_show(case: str) -> None:
    """Show a case's evidence, warnings and counts."""
    from vigil.services.cases import case_overview

    with _workspace() as ws:
        view = case_overview(ws, case)
    out.print(
        f"[bold]{view.case.name}[/] ({view.case.id}) — {len(view.items)} items, "
        f"{view.findings} findings, {len(view.warnings)} warnings, "
        f"{view.custody_entries} custody entries"
    )
    table = Table("name", "type", "size", "sha256", "locator")
    for item in view.items:
        table.add_row(
            item.name, item.media_type, str(item.size), item.sha256[:16] + "…", str(item.locator)
        )
    out.print(table)
    for warning in view.warnings:
        out.print(f"[yellow]warning[/] {warning.code}: {warning.message}")


# -- evidence and analysis -------------------------------------------------
@app.command("add")
def add(
    case: str,
    paths: Annotated[list[Path], typer.Argument(help="Files, folders, archives, mail.")],
    source: Annotated[str, typer.Option(help="Acquisition source, e.g. 'seized phone #3'.")] = "",
) -> None:
    """Add evidence to a case (write-once, hashed, logged to custody)."""
    from vigil.services.cases import add_evidence

    with _workspace() as ws, _spinner("Ingesting") as show:
        summary = add_evidence(ws, case, paths, source, progress=lambda p: show(p))
    out.print(
        f"Added {summary.added} files and {summary.derived} derived items "
        f"({summary.already_present} already present, {summary.warnings} warnings)."
    )


@app.command("analyze")
def analyze(
    case: str,
    detector: Annotated[
        list[str] | None, typer.Option("--detector", "-d", help="Run only these.")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="DETECTOR.KEY=VALUE (JSON value), repeatable."),
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (1 = in-process).")] = None,
) -> None:
    """Run detectors over a case; resumable, one bad item never stops the run."""
    from vigil.services.analysis import analyze_case

    settings = _settings()
    if workers is not None:
        settings = settings.model_copy(update={"workers": workers})
    ws = open_workspace(settings)
    try:
        with _progress("Analysing") as advance:
            summary = analyze_case(ws, case, detector or (), _parse_options(option or []), advance)
    finally:
        ws.close()
    out.print(
        f"Run {summary.run_id}: {summary.completed} analyses, {summary.skipped} already done, "
        f"{summary.crashed} crashed; verdicts: {dict(summary.verdicts) or 'none'}"
    )
    for name, reason in summary.not_ready.items():
        out.print(f"Not run: {name} ({reason})", style="dim", markup=False, highlight=False)


@app.command("findings")
def findings(
    case: str,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    hide_known_good: Annotated[bool, typer.Option(help="Hide items on known-good sets.")] = False,
    include_superseded: Annotated[
        bool, typer.Option("--all", help="Also list findings superseded by later runs.")
    ] = False,
) -> None:
    """List a case's findings with their provenance (the latest run of each detector)."""
    from vigil.services.findings import case_findings

    with _workspace() as ws:
        rows = case_findings(ws, case, hide_known_good, include_superseded)
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("item", "detector", "label", "verdict", "score", "explanation")
    for row in rows:
        table.add_row(
            str(row["item_name"]),
            f"{row['detector']} {row['version']}",
            str(row["label"]),
            _verdict_markup(str(row["verdict"])),
            _score(row["score"]),
            str(row["explanation"]),
        )
    out.print(table)


@app.command("report")
def report(
    case: str,
    fmt: Annotated[str, typer.Option("--format", help="html or json")] = "html",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Report file.")] = None,
) -> None:
    """Write a self-contained HTML or JSON report (verifies the case first)."""
    from vigil.services.report import write_report

    with _workspace() as ws:
        path = write_report(ws, case, fmt, output)
    out.print(f"Report written to {path}")


@app.command("verify")
def verify(case: str) -> None:
    """Rehash every blob and recheck the custody chain; exit 4 if anything was altered."""
    from vigil.domain.errors import IntegrityError
    from vigil.services.verify import verify_case

    with _workspace() as ws:
        result = verify_case(ws, case)
    if not result.ok:
        for problem in result.problems:
            err.print(f"[red]ALTERED[/] {problem}", highlight=False)
        raise IntegrityError(f"case {case} failed verification: {len(result.problems)} problem(s)")
    out.print(
        f"[green]OK[/]: {result.blobs_checked} blobs and {result.custody_entries} custody "
        "entries verified."
    )


@app.command("detectors")
def detectors() -> None:
    """List detectors: available, not configured, unavailable (with install hint) and broken."""
    from vigil.detectors.base import load_registry

    registry = load_registry()
    configured = _settings().detectors
    table = Table("name", "version", "state", "media types / note")
    for name, cls in sorted(registry.available.items()):
        try:
            reason = cls.parse_options(dict(configured.get(name, {}))).not_ready()
        except UsageError as exc:
            reason = str(exc)
        if reason:
            table.add_row(name, cls.version, "[yellow]not configured[/]", escape(reason))
        else:
            table.add_row(name, cls.version, "[green]available[/]", ", ".join(cls.media_types))
    for name, missing in sorted(registry.unavailable.items()):
        table.add_row(name, "", "[yellow]unavailable[/]", f"{missing.reason}. {missing.hint}")
    for name, broken in sorted(registry.broken.items()):
        table.add_row(name, "", "[red]broken[/]", broken.reason)
    out.print(table)


# -- hash sets -------------------------------------------------------------
@hashset_app.command("import")
def hashset_import(
    name: str,
    file: Path,
    category: Annotated[
        HashSetCategory, typer.Option(help="known_bad, known_good or notable")
    ] = HashSetCategory.KNOWN_BAD,
    source: Annotated[str, typer.Option(help="Where the list comes from.")] = "",
) -> None:
    """Import MD5/SHA-1/SHA-256 hashes (plain, *sum output, hashdeep, NSRL CSV)."""
    from vigil.services.hashsets import import_hash_set

    with _workspace() as ws:
        added = import_hash_set(ws, name, file, category, source)
    out.print(f"Imported {added} new hashes into {name} ({category.value}).")


@hashset_app.command("list")
def hashset_list() -> None:
    """List hash sets."""
    with _workspace() as ws:
        sets = ws.store.list_hash_sets()
    table = Table("name", "category", "hashes", "enabled", "source")
    for hs in sets:
        table.add_row(
            hs.name, hs.category.value, str(hs.count), "yes" if hs.enabled else "no", hs.source
        )
    out.print(table)


# -- hash banks and signals ------------------------------------------------
@bank_app.command("create")
def bank_create(
    name: str,
    category: Annotated[HashSetCategory, typer.Option()] = HashSetCategory.KNOWN_BAD,
    source: Annotated[str, typer.Option(help="Who supplied the list.")] = "",
    confidence: Annotated[str, typer.Option(help="low, medium, high or confirmed")] = "high",
    description: Annotated[str, typer.Option()] = "",
) -> None:
    """Create a named bank."""
    from vigil.banks import Confidence
    from vigil.services.banks import create_bank

    with _workspace() as ws:
        create_bank(ws, name, category, source or name, Confidence(confidence), description)
    out.print(f"Created bank {name} ({category.value}).")


@bank_app.command("import")
def bank_import(
    name: str,
    file: Path,
    fmt: Annotated[
        str, typer.Option("--format", help="hex, csv, te (HMA/ThreatExchange) or tx")
    ] = "hex",
    signal: Annotated[str | None, typer.Option(help="Signal of plain hex lines, e.g. pdq.")] = None,
) -> None:
    """Import hashes into a bank; bad lines are reported with their numbers."""
    from vigil.services.banks import import_bank

    with _workspace() as ws:
        report = import_bank(ws, name, file, fmt, signal)
    out.print(f"Read {report.read}, added {report.added}, {len(report.problems)} problems.")
    for problem in report.problems[:20]:
        out.print(f"  [yellow]line {problem.line}[/]: {problem.message}", highlight=False)


@bank_app.command("export")
def bank_export(
    name: str,
    fmt: Annotated[str, typer.Option("--format")] = "csv",
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
) -> None:
    """Export a bank's hashes (to stdout or a file)."""
    from vigil.services.banks import export_bank

    with _workspace() as ws:
        if output is None:
            export_bank(ws, name, sys.stdout, fmt)
        else:
            with output.open("w", encoding="utf-8") as handle:
                export_bank(ws, name, handle, fmt)


@bank_app.command("list")
def bank_list() -> None:
    """List banks."""
    from vigil.services.banks import list_banks

    with _workspace() as ws:
        banks = list_banks(ws)
    table = Table("name", "category", "entries", "enabled", "confidence", "source")
    for bank, count in banks:
        table.add_row(
            bank.name,
            bank.category.value,
            str(count),
            "yes" if bank.enabled else "no",
            bank.confidence.value,
            bank.source,
        )
    out.print(table)


@bank_app.command("negative")
def bank_negative(
    name: str,
    signal: str,
    value: str,
    reason: Annotated[str, typer.Option(help="Why this is a false positive.")] = "",
) -> None:
    """Stop a hash from matching in a bank again (a false positive)."""
    from vigil.services.banks import add_negative

    with _workspace() as ws:
        add_negative(ws, name, signal, value, reason)
    out.print(f"{signal} {value[:16]}… will no longer match in {name}.")


@app.command("hash")
def hash_cmd(
    paths: list[Path],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
) -> None:
    """Print the signals of files (PDQ, vPDQ, MD5, SHA-256)."""
    from vigil.services.banks import hash_files

    for result in hash_files(paths):
        if as_json:
            sys.stdout.write(json.dumps(result) + "\n")
        else:
            out.print(f"[bold]{result['path']}[/]", highlight=False)
            for name, value in (result.get("signals") or {}).items():  # type: ignore[attr-defined]
                out.print(f"  {name}: {value}", highlight=False)


@app.command("duplicates")
def duplicates(
    case: str,
    threshold: Annotated[int, typer.Option(help="PDQ distance.")] = 31,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Group a case's near-duplicate images (review one per group)."""
    from vigil.services.banks import near_duplicate_groups

    with _workspace() as ws:
        groups = near_duplicate_groups(ws, case, threshold)
    if as_json:
        out.print_json(json.dumps(groups))
        return
    for number, group in enumerate(groups, start=1):
        out.print(
            f"group {number}: review [bold]{group[0]['name']}[/]; "
            f"{len(group) - 1} near-duplicate(s): {', '.join(g['name'] for g in group[1:])}"
        )
    if not groups:
        out.print("No near-duplicate groups (analyze the case first to compute PDQ hashes).")


# -- voices -----------------------------------------------------------------
@voice_app.command("enroll")
def voice_enroll(
    case: str,
    person: Annotated[str, typer.Option("--person", help="Who is speaking.")],
    files: Annotated[list[Path], typer.Argument(help="Recordings of that person.")],
) -> None:
    """Store a person's reference voice; later analyses compare recordings to it."""
    from vigil.services.voice import enrol_voice

    with _workspace() as ws:
        profile = enrol_voice(ws, case, person, files)
    out.print(
        f"Enrolled {profile.person} from {len(files)} recording(s) (logged to custody). "
        "Re-run `vigil analyze` with a new options value or on new items to compare."
    )


# -- triage of sensitive media ----------------------------------------------
@app.command("flag")
def flag(
    case: str,
    item: Annotated[str, typer.Argument(help="Item id or SHA-256.")],
    clear: Annotated[bool, typer.Option("--clear", help="Remove the sensitive flag.")] = False,
    reason: Annotated[str, typer.Option(help="Recorded in custody.")] = "",
) -> None:
    """Flag an item as sensitive (blurred in reports) or clear the flag."""
    from vigil.services.triage import flag_item

    with _workspace() as ws:
        flagged = flag_item(ws, case, item, not clear, reason)
    out.print(f"{flagged.name}: {'not ' if clear else ''}sensitive (logged to custody).")


@app.command("reveal")
def reveal(
    case: str,
    item: Annotated[str, typer.Argument(help="Item id or SHA-256.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="New file to write.")],
    reason: Annotated[str, typer.Option(help="Why you need to see it (logged).")],
) -> None:
    """Write an item's unblurred content to a new file; the exposure is logged."""
    from vigil.services.triage import reveal_item

    with _workspace() as ws:
        path = reveal_item(ws, case, item, output, reason)
    out.print(f"Written to {path}; this reveal is in the custody log.")


@app.command("triage")
def triage(case: str) -> None:
    """Sensitive items, likely real photographs first (possible real victims)."""
    from vigil.services.triage import triage_queue

    with _workspace() as ws:
        queue = triage_queue(ws, case)
    table = Table("#", "item", "id", "synthetic score", "reveals")
    for number, entry in enumerate(queue, start=1):
        score = "—" if entry.synthetic_score is None else f"{entry.synthetic_score:.2f}"
        table.add_row(str(number), entry.item.name, entry.item.id, score, str(entry.reveals))
    out.print(table)


# -- crypto tracing --------------------------------------------------------
@chain_app.command("import")
def chain_import(
    kind: Annotated[
        str,
        typer.Argument(
            help="bitcoin-core, esplora, bitcoin-etl, "
            "ethereum-rpc-files, ethereum-etl, graphsense-fixture"
        ),
    ],
    path: Path,
    chain: Annotated[str | None, typer.Option(help="Chain name, e.g. bitcoin, litecoin.")] = None,
) -> None:
    """Import node replies or ETL exports into the workspace's transaction store."""
    from vigil.services.trace import import_chain

    with _workspace() as ws:
        report = import_chain(ws, kind, path, chain)
    _print_chain_import(report)


def _print_chain_import(report: dict[str, object]) -> None:
    warnings = report.get("warnings") or []
    out.print(f"Imported: {report.get('store')}; {len(warnings)} warnings")  # type: ignore[arg-type]
    for warning in warnings[:20]:  # type: ignore[index]
        out.print(f"  [yellow]warning[/] {warning}", highlight=False)


@chain_app.command("fetch")
def chain_fetch(
    kind: Annotated[str, typer.Argument(help="bitcoin-core-rpc, esplora-rest or ethereum-rpc")],
    url: Annotated[str, typer.Argument(help="The node's URL, e.g. http://127.0.0.1:8545")],
    start: Annotated[int, typer.Option("--from", help="First block height.")],
    stop: Annotated[int, typer.Option("--to", help="Last block height (inclusive).")],
    chain: Annotated[str | None, typer.Option(help="Chain name, e.g. bitcoin, litecoin.")] = None,
    traces: Annotated[
        str, typer.Option(help="Ethereum internal transfers: parity, geth, structlog or none.")
    ] = "none",
    user: Annotated[str | None, typer.Option(help="RPC user (Bitcoin Core).")] = None,
    password_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the RPC password.")
    ] = None,
) -> None:
    """Read blocks from your own node into the workspace's transaction store."""
    from vigil.crypto.service import NodeRange
    from vigil.services.trace import import_from_node

    blocks = NodeRange(
        start,
        stop,
        chain,
        None if traces == "none" else traces,
        user,
        os.environ.get(password_env) if password_env else None,
    )
    with _workspace() as ws:
        report = import_from_node(ws, kind, url, blocks)
    _print_chain_import(report)


@app.command("trace")
def trace(
    case: str,
    address: str,
    hops: Annotated[int, typer.Option(help="Hops to follow.")] = 3,
    method: Annotated[str, typer.Option(help="poison, haircut or fifo")] = "haircut",
    direction: Annotated[str, typer.Option(help="forward or backward")] = "forward",
    tagpacks: Annotated[
        list[Path] | None, typer.Option("--tagpacks", help="TagPack folder.")
    ] = None,
    ofac: Annotated[list[Path] | None, typer.Option("--ofac", help="OFAC list folder.")] = None,
    user_tags: Annotated[list[Path] | None, typer.Option("--tags", help="User tag file.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Follow the money from an address; the trace is kept in the case's custody."""
    from vigil.services.trace import TagOptions, trace_for_case

    options = TagOptions(tuple(tagpacks or ()), tuple(ofac or ()), (), tuple(user_tags or ()))
    with _workspace() as ws:
        result = trace_for_case(
            ws, case, address, hops=hops, method=method, direction=direction, tags=options
        )
    if as_json:
        result.pop("graphml", None)
        out.print_json(json.dumps(result, default=str))
        return
    columns = ("hop", "txid", "from", "to", "asset", "value", "attributed")
    table = Table(*columns, "to tags / stop")
    for row in result["table"][:200]:  # type: ignore[index]
        cells = [str(row.get(k, "")) for k in columns]
        table.add_row(*cells, f"{row.get('to_tags', '')} {row.get('stop', '')}".strip())
    out.print(table)
    out.print(f"Summary: {result['summary']}")
    out.print(
        f"Trace {result['trace_sha256']} and GraphML {result['graphml_sha256']} "
        "stored and logged to custody."
    )


# -- quick modes -----------------------------------------------------------
@app.command("check")
def check(
    paths: list[Path],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per input file.")
    ] = False,
) -> None:
    """Quick case-less check of files: runs every available detector."""
    from vigil.services.check import check_paths

    results = check_paths(_settings(), paths)
    if as_json:
        for result in results:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    for result in results:
        out.print(f"[bold]{result['path']}[/] sha256 {result.get('sha256')}")
        for finding in _flatten(result):
            out.print(
                f"  {_verdict_markup(str(finding['verdict']))} {finding['label']} "
                f"({finding['detector']} {finding['version']}): {finding['explanation']}",
                highlight=False,
            )
        for warning in result.get("warnings", []):  # type: ignore[attr-defined]
            out.print(
                f"  [yellow]warning[/] {warning['code']}: {warning['message']}", highlight=False
            )


@app.command("watch")
def watch(
    source: Annotated[
        str, typer.Argument(help="File, stream URL, /dev/videoN or screen:WxH+X+Y (X11).")
    ],
    case: Annotated[
        str | None, typer.Option(help="Case to record into (created if missing).")
    ] = None,
    realtime: Annotated[
        bool,
        typer.Option(
            "--realtime/--no-realtime",
            help="Play a file at its own speed (default), or analyse it as fast as possible.",
        ),
    ] = True,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds of media.")
    ] = None,
    segment: Annotated[float, typer.Option(help="Seconds per recorded segment.")] = 10.0,
    window: Annotated[float, typer.Option(help="Seconds the rolling verdict covers.")] = 10.0,
) -> None:
    """Live deepfake check of a video source, recorded as evidence (Ctrl-C ends it)."""
    from rich.live import Live

    from vigil.services.watch import WatchOptions
    from vigil.services.watch import watch as watch_source

    options = WatchOptions(
        realtime=realtime, segment_s=segment, window_s=window, max_seconds=duration
    )
    with _workspace() as ws, Live(console=err, auto_refresh=False, transient=True) as live:
        result = watch_source(
            ws,
            source,
            case,
            options,
            on_status=lambda s: live.update(_watch_table(s), refresh=True),
        )
    stats = result.stats
    out.print(
        f"Case {result.case_name}: {result.segments} segment(s) recorded and chained in custody; "
        f"{stats['frames_analysed']} frames analysed ({stats['analysed_fps']} a second), "
        f"lag mean {stats['lag_mean_seconds']} s, p95 {stats['lag_p95_seconds']} s; "
        f"session verdict {_verdict_markup(result.verdict)} (score {_score(result.score)})."
    )
    for warning in result.warnings:
        out.print(f"[yellow]warning[/] {warning}", highlight=False)


def _watch_table(status: WatchStatus) -> Table:
    stats, verdict = status.stats, status.verdict
    table = Table(
        title=f"vigil watch {status.source}  (case {status.case_name})", show_header=False
    )
    if verdict is None:
        shown = "[yellow]waiting[/]" if status.analysing else "[yellow]not analysed[/]"
    else:
        shown = (
            f"{_verdict_markup(verdict.verdict.value)} score {_score(verdict.score)} "
            f"over {verdict.start_s:.1f}-{verdict.end_s:.1f} s, {len(verdict.track_scores)} face(s)"
        )
    table.add_row("rolling verdict", shown)
    table.add_row("media / wall", f"{stats['media_seconds']} s / {stats['wall_seconds']} s")
    table.add_row(
        "frames",
        f"{stats['frames_decoded']} decoded, {stats['frames_analysed']} analysed "
        f"({stats['analysed_fps']}/s), {stats['frames_dropped']} dropped",
    )
    table.add_row("lag", f"mean {stats['lag_mean_seconds']} s, p95 {stats['lag_p95_seconds']} s")
    table.add_row("recorded", f"{status.segments} segment(s)")
    if status.warnings:
        table.add_row("[yellow]warning[/]", status.warnings[-1])
    return table


@app.command("demo")
def demo() -> None:
    """Generate benign sample evidence, ingest, analyse, report."""
    from vigil.services.demo import run_demo
    from vigil.services.findings import case_findings
    from vigil.services.report import write_report

    with _workspace() as ws:
        with _progress("Analysing demo evidence") as advance:
            result = run_demo(ws, advance)
        rows = case_findings(ws, result.case_name, hide_known_good=False)
        html = write_report(ws, result.case_name, "html", None)
        js = write_report(ws, result.case_name, "json", None)
    table = Table(
        "item", "detector", "label", "verdict", "explanation", title=f"Case {result.case_name}"
    )
    for row in rows:
        if row["verdict"] == Verdict.POSITIVE.value:
            table.add_row(
                str(row["item_name"]),
                str(row["detector"]),
                str(row["label"]),
                _verdict_markup(str(row["verdict"])),
                str(row["explanation"]),
            )
    out.print(table)
    out.print(
        f"{result.ingest.added} files, {result.ingest.derived} derived items, "
        f"{result.analysis.findings} findings ({dict(result.analysis.verdicts)}); "
        f"only positives are listed; every finding is in the report."
    )
    out.print(f"HTML report: {html}\nJSON report: {js}")


TRAINERS = {
    "voice-spoof": "vigil.detectors.audio.train_spoof",
    "speaker": "vigil.detectors.audio.train_speaker",
    "image-synthetic": "vigil.detectors.image.train",
    "face-swap": "vigil.detectors.image.train_face_swap",
    "video-deepfake": "vigil.detectors.video.train_deepfake",
    "text-scam": "vigil.detectors.text.train_scam",
    "text-ai": "vigil.detectors.text.train_ai_text",
    "email-forensics": "vigil.detectors.text.train_email_forensics",
}


@app.command(
    "train",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def train(
    ctx: typer.Context,
    model: Annotated[str, typer.Argument(help=", ".join(TRAINERS))],
) -> None:
    """Retrain a shipped model from ../shared/data (extra arguments go to the trainer;
    `vigil train NAME -- --help` lists them). Writes the model and its card's numbers."""
    import importlib

    if model not in TRAINERS:
        raise UsageError(f"no trainer {model!r}; one of {', '.join(TRAINERS)}")
    status = importlib.import_module(TRAINERS[model]).main(list(ctx.args))
    if status:
        raise typer.Exit(status)


@app.command("version")
def version() -> None:
    """Print Vigil's version."""
    out.print(__version__)


# -- rendering helpers -----------------------------------------------------
def _parse_options(pairs: list[str]) -> dict[str, dict[str, object]]:
    options: dict[str, dict[str, object]] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        detector_name, dot, field = key.partition(".")
        if not (sep and dot and field):
            raise UsageError(f"option {pair!r} is not DETECTOR.KEY=VALUE")
        try:
            value: object = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        options.setdefault(detector_name, {})[field] = value
    return options


def _flatten(result: dict[str, object]) -> Iterator[dict[str, object]]:
    yield from result.get("findings", [])  # type: ignore[misc]
    for child in result.get("derived", []):  # type: ignore[attr-defined]
        for finding in _flatten(child):
            yield {**finding, "explanation": f"[{child['name']}] {finding['explanation']}"}


def _verdict_markup(verdict: str) -> str:
    colour = {"positive": "red", "negative": "green", "inconclusive": "yellow"}.get(
        verdict, "white"
    )
    return f"[{colour}]{verdict}[/]"


def _score(score: object) -> str:
    return "—" if score is None else f"{float(score):.2f}"  # type: ignore[arg-type]


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


@contextmanager
def _spinner(label: str) -> Iterator[Callable[[str], None]]:
    with err.status(label, spinner="dots") if err.is_terminal else _null_status() as status:

        def show(text: str) -> None:
            if status is not None:
                status.update(f"{label} {text[-60:]}")

        yield show


@contextmanager
def _null_status() -> Iterator[None]:
    yield None


def run() -> None:
    """Entry point: one place maps VigilError to its exit code."""
    try:
        app(standalone_mode=False)
    except VigilError as exc:
        log.debug("command failed", exc_info=True)
        err.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(UsageError.exit_code)
        if isinstance(exc, click.exceptions.Exit):
            sys.exit(exc.exit_code)
        raise
