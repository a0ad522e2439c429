"""The controlled vocabulary of finding labels, kept as versioned data."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

__all__ = ["is_known_label", "label_description", "vocabulary_version"]


@cache
def _vocabulary() -> dict[str, object]:
    text = files("vigil.domain").joinpath("labels.json").read_text(encoding="utf-8")
    loaded: dict[str, object] = json.loads(text)
    return loaded


def _labels() -> dict[str, str]:
    labels = _vocabulary()["labels"]
    assert isinstance(labels, dict)
    return {str(k): str(v) for k, v in labels.items()}


def is_known_label(label: str) -> bool:
    return label in _labels()


def label_description(label: str) -> str:
    return _labels()[label]


def vocabulary_version() -> str:
    return str(_vocabulary()["version"])
