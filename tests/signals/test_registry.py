"""The `vigil.signals` entry points and the loader."""

from __future__ import annotations

import io
from importlib.metadata import EntryPoint, entry_points

import pytest

from vigil.domain.errors import NotFoundError, PluginError
from vigil.signals import ENTRY_POINT_GROUP, SignalType, load_signals

BUILT_IN = {"md5", "pdq", "sha256", "vpdq"}


def test_built_in_signals_are_registered() -> None:
    names = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert BUILT_IN <= names
    registry = load_signals()
    assert BUILT_IN <= set(registry.available) | set(registry.unavailable)
    assert not registry.broken
    assert registry.get("pdq").match_threshold == 31
    image_signals = [s.name for s in registry.for_media_type("image/jpeg")]
    assert {"md5", "sha256"} <= set(image_signals) and "vpdq" not in image_signals
    with pytest.raises(NotFoundError):
        registry.get("nope")


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_every_signal_honours_its_examples(name: str) -> None:
    registry = load_signals()
    if name in registry.unavailable:
        pytest.skip(registry.unavailable[name].reason)
    signal = registry.get(name)
    assert isinstance(signal, SignalType)
    signal.check_declaration()
    examples = signal.examples()
    assert examples
    for example in examples:
        got = signal.hash(io.BytesIO(example.data))
        if example.expected is None:
            assert got is None
            continue
        assert got is not None
        assert signal.validate(got) == got
        assert signal.distance(got, example.expected) <= example.tolerance
        assert signal.distance(got, got) == 0
        assert 0.0 <= signal.score(signal.distance(got, example.expected)) <= 1.0
        index = signal.new_index()
        index.build([got], [42])
        assert [m.id for m in index.query(got, signal.match_threshold)] == [42]


def _ep(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=target, group=ENTRY_POINT_GROUP)


def test_broken_and_unavailable_plugins_do_not_stop_the_rest() -> None:
    registry = load_signals(
        [
            _ep("md5", "vigil.signals.exact:Md5Signal"),
            _ep("ghost", "vigil.signals.no_such_module:Ghost"),
            _ep("sha1", "vigil.signals.exact:Sha256Signal"),  # name mismatch
            _ep("notasignal", "vigil.signals.base:Match"),
        ]
    )
    assert set(registry.available) == {"md5"}
    assert set(registry.broken) == {"ghost", "sha1", "notasignal"}
    with pytest.raises(PluginError):
        registry.get("ghost")
