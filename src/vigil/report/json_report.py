"""The case report as JSON: the dict from `build_report`, stably formatted."""

from __future__ import annotations

import json
from collections.abc import Mapping

from vigil.domain.model import JsonValue

__all__ = ["render_json"]


def render_json(report: Mapping[str, JsonValue]) -> str:
    """Indented, keys sorted, non-ASCII kept as is; ends with a newline."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
