"""``harness gate``'s parser: its defaults are the gate's own, without importing the gate."""

from harness.commands.gate import REGRESSION_METRICS_DEFAULT, gate_parser
from harness.gate.regression import DEFAULT_REGRESSION_METRICS


def test_the_regression_metrics_default_is_the_gate_s():
    assert ",".join(DEFAULT_REGRESSION_METRICS) == REGRESSION_METRICS_DEFAULT
    assert gate_parser().parse_args(["--run-dir", "x"]).regression_metrics == (
        REGRESSION_METRICS_DEFAULT
    )


def test_the_tracking_uri_is_resolved_after_parsing():
    assert gate_parser().parse_args(["--run-dir", "x"]).tracking_uri is None
