from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.domain.errors import UsageError, VigilError
from vigil.domain.labels import is_known_label, label_description, vocabulary_version
from vigil.domain.model import Finding, Locator, Status, Verdict, decide_verdict


def test_unknown_label_is_rejected() -> None:
    with pytest.raises(UsageError, match="controlled vocabulary"):
        Finding.scored("made.up", 0.5, 0.5, "x")


@pytest.mark.parametrize("score", [-0.1, 1.01, math.nan])
def test_score_outside_unit_interval_is_rejected(score: float) -> None:
    with pytest.raises(UsageError):
        Finding.scored("file.extension_mismatch", score, 0.5, "x")


def test_verdict_follows_threshold_and_negative_bound() -> None:
    assert decide_verdict(0.9, 0.8, 0.3) is Verdict.POSITIVE
    assert decide_verdict(0.5, 0.8, 0.3) is Verdict.INCONCLUSIVE
    assert decide_verdict(0.2, 0.8, 0.3) is Verdict.NEGATIVE
    assert decide_verdict(0.5, 0.8, None) is Verdict.NEGATIVE


def test_a_detector_may_downgrade_but_not_invent_a_verdict() -> None:
    label = "file.extension_mismatch"
    Finding(label, 0.9, 0.5, Verdict.INCONCLUSIVE, "input too poor")
    with pytest.raises(UsageError, match="contradicts"):
        Finding(label, 0.1, 0.5, Verdict.POSITIVE, "x")


def test_problem_findings_carry_no_score() -> None:
    finding = Finding.problem("file.extension_mismatch", Status.UNREADABLE, "truncated")
    assert finding.score is None and finding.verdict is Verdict.INCONCLUSIVE
    with pytest.raises(UsageError):
        Finding.problem("file.extension_mismatch", Status.OK, "x")
    with pytest.raises(UsageError):
        Finding("file.extension_mismatch", 0.5, None, Verdict.INCONCLUSIVE, "x", Status.ERROR)


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1))
def test_scored_findings_are_always_consistent(
    score: float, threshold: float, bound: float
) -> None:
    finding = Finding.scored("text.scam", score, threshold, "x", negative_below=bound)
    assert finding.verdict is decide_verdict(score, threshold, bound)


@given(st.lists(st.tuples(st.sampled_from(["path", "archive_member", "mime_part"]), st.text())))
def test_locator_round_trips_through_json(steps: list[tuple[str, str]]) -> None:
    locator = Locator()
    for kind, value in steps:
        locator = locator.child(kind, value)
    assert Locator.from_json(locator.to_json()) == locator


def test_vocabulary_is_versioned_data_with_descriptions() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", vocabulary_version())
    assert is_known_label("hashset.known_bad")
    assert "known-bad" in label_description("hashset.known_bad")


def test_exit_codes_follow_the_error_tree() -> None:
    from vigil.domain import errors

    tree = [getattr(errors, name) for name in errors.__all__ if name != "VigilError"]
    assert all(issubclass(cls, VigilError) for cls in tree)
    codes = {cls.__name__: cls.exit_code for cls in tree}
    assert codes == {
        "UsageError": 2,
        "NotFoundError": 3,
        "IntegrityError": 4,
        "PluginError": 5,
        "StoreError": 6,
    }
    assert errors.VigilError.exit_code == 1
