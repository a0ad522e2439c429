"""time_span locator values: written with 3 decimals, read back or rejected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.domain.model import Locator, format_time_span, parse_time_span


def test_locator_time_span_step() -> None:
    locator = Locator().child("path", "/evidence/call.mp4").time_span(12.0, 12.04)
    assert str(locator) == "path=/evidence/call.mp4 > time_span=12.000-12.040"
    assert parse_time_span(locator.steps[-1].value) == (12.0, 12.04)


@given(
    st.floats(min_value=0, max_value=1e7, allow_nan=False),
    st.floats(min_value=0, max_value=1e4, allow_nan=False),
)
def test_round_trip_to_the_millisecond(start: float, length: float) -> None:
    parsed = parse_time_span(format_time_span(start, start + length))
    assert parsed is not None
    assert parsed[0] == pytest.approx(start, abs=5e-4)
    assert parsed[1] == pytest.approx(start + length, abs=1e-3)


@pytest.mark.parametrize("value", ["", "12", "a-b", "5.000-4.000", "nan-1", "1-inf", "-1.0-2.0"])
def test_values_that_are_not_spans(value: str) -> None:
    assert parse_time_span(value) is None
