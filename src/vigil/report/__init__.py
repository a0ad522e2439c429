"""Case reports (JSON and self-contained HTML) built from stored data; no analysis."""

from vigil.report.data import REPORT_SCHEMA_VERSION, VerificationSummary, build_report
from vigil.report.html import MAX_EMBED_BYTES, render_html
from vigil.report.json_report import render_json

__all__ = [
    "MAX_EMBED_BYTES",
    "REPORT_SCHEMA_VERSION",
    "VerificationSummary",
    "build_report",
    "render_html",
    "render_json",
]
