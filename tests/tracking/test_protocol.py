"""Both trackers implement the :class:`Tracker` protocol, method by method and signature by
signature; a tracker that lacks a method or changes a parameter is caught."""

from __future__ import annotations

import inspect

import pytest

from harness.tracking import MlflowTracker, NullTracker, Tracker, make_tracker


def _members(protocol: type) -> list[str]:
    return sorted(
        name
        for name, value in vars(protocol).items()
        if inspect.isfunction(value) and not name.startswith("_")
    )


def _parameters(function) -> list[tuple[str, object, object]]:
    """Name, kind and default of each parameter: what a caller relies on."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def protocol_mismatches(cls: type) -> list[str]:
    """What ``cls`` lacks or calls otherwise than :class:`Tracker` says, one line each."""
    problems = []
    for name in _members(Tracker):
        method = getattr(cls, name, None)
        if not callable(method):
            problems.append(f"{name}: missing")
        elif _parameters(method) != _parameters(getattr(Tracker, name)):
            problems.append(f"{name}: parameters {_parameters(method)}")
    return problems


def test_the_protocol_lists_what_the_runner_calls():
    assert _members(Tracker) == [
        "log_run_dir",
        "log_sweep_dir",
        "safe_log_run_dir",
        "safe_log_sweep_dir",
        "safe_start_parent",
        "start_parent",
    ]


@pytest.mark.parametrize("tracker", [MlflowTracker("sqlite:///x.db", "quick"), NullTracker()])
def test_both_trackers_implement_the_protocol(tracker):
    assert isinstance(tracker, Tracker)
    assert protocol_mismatches(type(tracker)) == []


def test_a_tracker_without_a_method_or_with_other_parameters_is_caught():
    class Incomplete(NullTracker):
        safe_log_sweep_dir = None  # as if the method were not there

    class OtherParameters(NullTracker):
        def log_run_dir(self, run_dir, parent=None):
            return None

    assert not isinstance(Incomplete(), Tracker)
    assert protocol_mismatches(Incomplete) == ["safe_log_sweep_dir: missing"]
    assert [line.split(":")[0] for line in protocol_mismatches(OtherParameters)] == ["log_run_dir"]


def test_make_tracker_returns_a_tracker_either_way():
    assert isinstance(make_tracker(None, "quick"), Tracker)
    assert isinstance(make_tracker({"uri": "sqlite:///x.db"}, "quick"), Tracker)
