"""``harness gate`` and ``harness promote``: argument parsing, exit codes, outputs.

Exit codes: 0 every check passed, 1 a check failed (``promote``: nothing was promoted),
2 bad usage, a run that cannot be found, or a missing or malformed SLO set.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from harness.errors import HarnessError, RunNotFoundError
from harness.gate.checks import DEFAULT_REGRESSION_METRICS
from harness.gate.gate import GateOptions, GateResult, run_gate
from harness.gate.report import to_terminal, write_outputs
from harness.gate.sources import (
    Candidate,
    default_tracking_uri,
    load_latest_run,
    load_mlflow_run,
    load_results,
    resolve_alias,
)
from harness.slo import load_slo_set

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class _UsageError(Exception):
    """Arguments that parse but do not make sense together."""


def gate_main(argv: list[str]) -> int:
    """Run ``harness gate``; return the process exit code (0 pass, 1 fail, 2 usage)."""
    parser = _gate_parser()
    return _guarded(parser, argv, _gate)


def promote_main(argv: list[str]) -> int:
    """Run ``harness promote``: gate the candidate against the current alias holder, then
    register its model and move the alias, only when the gate passes."""
    parser = _gate_parser(promote=True)
    return _guarded(parser, argv, _promote)


# -- flows ------------------------------------------------------------------------------------


def _gate(ns: argparse.Namespace) -> int:
    result = _run(ns, _candidates(ns), _baseline(ns))
    return EXIT_PASS if result.passed else EXIT_FAIL


def _promote(ns: argparse.Namespace) -> int:
    from harness.gate.registry import promotion_tags, register_and_alias
    from harness.gate.sources import mlflow_client

    candidates = _candidates(ns)
    if len(candidates) != 1:
        raise _UsageError(
            f"{len(candidates)} runs match; promote exactly one: select it with --dataset, "
            "--resampler and --model, or pass its run folder or --run-id"
        )
    candidate = candidates[0]
    if candidate.mlflow_run_id is None:
        raise RunNotFoundError(
            f"{candidate.name} is not in an MLflow store, so it has no model to register: "
            "upload it with `harness sync` (or run with tracking on) and promote again."
        )
    if candidate.tracking_uri is None:
        candidate = replace(candidate, tracking_uri=ns.tracking_uri)
    baseline = _baseline(ns)
    if baseline is None and not ns.no_baseline:
        try:
            run_id = resolve_alias(ns.model_name, ns.alias, ns.tracking_uri)
        except RunNotFoundError:
            print(f"no {ns.alias!r} version of {ns.model_name!r} yet: gating on the SLOs only")
        else:
            baseline = load_mlflow_run(run_id, ns.tracking_uri)
    result = _run(ns, [candidate], baseline)
    if not result.passed:
        print(f"not promoted: the gate failed, {ns.alias!r} stays where it was.")
        return EXIT_FAIL
    tags = promotion_tags(candidate, result.slo_set, mlflow_client(candidate.tracking_uri))
    promotion = register_and_alias(candidate, ns.model_name, ns.alias, tags)
    print(
        f"promoted: {promotion.model_name} version {promotion.version} is now "
        f"{promotion.alias!r} ({promotion.source})"
    )
    return EXIT_PASS


def _run(
    ns: argparse.Namespace, candidates: list[Candidate], baseline: Candidate | None
) -> GateResult:
    slo = load_slo_set(ns.slo)
    options = GateOptions(
        decision=ns.decision,
        regression_metrics=tuple(m.strip() for m in ns.regression_metrics.split(",") if m.strip()),
        min_absolute_change=ns.min_absolute_change,
        min_relative_change=ns.min_relative_change,
        reference=ns.reference,
        current=ns.current,
        target=ns.target,
        minority_label=ns.minority_label,
        synthetic_checks=ns.synthetic_checks,
        out_dir=ns.out,
    )
    result = run_gate(candidates, slo, baseline, options)
    print(to_terminal(result))
    for path in write_outputs(result, ns.out, markdown=ns.markdown, junit=ns.junit):
        print(f"wrote {path}")
    return result


def _candidates(ns: argparse.Namespace) -> list[Candidate]:
    if ns.run_dir is not None:
        filters = {"dataset": ns.dataset, "resampler": ns.resampler, "model": ns.model}
        return load_results(ns.run_dir, filters)
    if ns.run_id is not None:
        return [load_mlflow_run(ns.run_id, ns.tracking_uri)]
    return [load_latest_run(ns.experiment, ns.tracking_uri)]


def _baseline(ns: argparse.Namespace) -> Candidate | None:
    if ns.baseline_run_dir is not None:
        found = load_results(ns.baseline_run_dir)
        if len(found) != 1:
            raise _UsageError(
                f"--baseline-run-dir {ns.baseline_run_dir} holds {len(found)} runs: pass the "
                "folder of one run"
            )
        return found[0]
    if ns.baseline_run_id is not None:
        return load_mlflow_run(ns.baseline_run_id, ns.tracking_uri)
    if ns.baseline_alias is not None and not getattr(ns, "promote", False):
        run_id = resolve_alias(ns.model_name, ns.baseline_alias, ns.tracking_uri)
        return load_mlflow_run(run_id, ns.tracking_uri)
    return None


def _guarded(
    parser: argparse.ArgumentParser, argv: list[str], flow: Callable[[argparse.Namespace], int]
) -> int:
    from mlflow.exceptions import MlflowException

    try:
        ns = parser.parse_args(argv)
        _validate(ns)
        return flow(ns)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MlflowException as exc:
        print(
            f"error: MLflow refused the request ({exc.message}): check --tracking-uri and "
            "the run or model names.",
            file=sys.stderr,
        )
        return EXIT_USAGE


def _validate(ns: argparse.Namespace) -> None:
    if (ns.reference is None) != (ns.current is None):
        raise _UsageError("--reference and --current go together: pass both data files")
    needs_name = getattr(ns, "promote", False) or ns.baseline_alias is not None
    if needs_name and not ns.model_name:
        raise _UsageError(
            "--model-name is required with --baseline-alias and for promote: pass the "
            "registered model name"
        )
    if ns.min_relative_change is not None and not -1.0 <= ns.min_relative_change <= 1.0:
        raise _UsageError("--min-relative-change must be in [-1, 1], e.g. -0.05 or 0.02")


# -- parser -----------------------------------------------------------------------------------


def _gate_parser(promote: bool = False) -> argparse.ArgumentParser:
    if promote:
        parser = argparse.ArgumentParser(
            prog="harness promote",
            description=(
                "Gate one run against the SLO set and the model version under --alias; when "
                "every check passes, register the run's model under --model-name with its "
                "resampling metadata and move --alias to it. Exit 1 (nothing moved) when a "
                "check fails."
            ),
        )
    else:
        parser = argparse.ArgumentParser(
            prog="harness gate",
            description=(
                "Check runs against an SLO set, a baseline and optional data checks. Exit 0 "
                "when every check passes, 1 when one fails, 2 on bad usage or a missing run "
                "or SLO set."
            ),
        )
    parser.set_defaults(promote=promote)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run-dir", type=Path, help="run folder, or sweep folder (every run)")
    source.add_argument("--run-id", help="MLflow run id")
    source.add_argument("--experiment", help="MLflow experiment: its latest finished run")
    parser.add_argument("--dataset", help="with a sweep folder: only runs of this data set")
    parser.add_argument("--resampler", help="with a sweep folder: only runs of this resampler")
    parser.add_argument("--model", help="with a sweep folder: only runs of this model")
    parser.add_argument(
        "--slo", default="default", help="SLO set name under conf/slo/ or a YAML path"
    )
    baseline = parser.add_mutually_exclusive_group()
    baseline.add_argument("--baseline-run-id", help="MLflow run to compare with")
    baseline.add_argument("--baseline-run-dir", type=Path, help="run folder to compare with")
    if promote:
        parser.add_argument(
            "--alias", default="champion", help="alias to move (and baseline to beat)"
        )
        parser.add_argument("--no-baseline", action="store_true", help="gate on the SLOs only")
        parser.set_defaults(baseline_alias=None)
    else:
        baseline.add_argument(
            "--baseline-alias", help="registered model alias to compare with, e.g. champion"
        )
    parser.add_argument(
        "--model-name", required=promote, help="registered model name (MLflow model registry)"
    )
    parser.add_argument(
        "--min-absolute-change",
        type=float,
        default=None,
        help=(
            "vs the baseline: > 0 the candidate must improve by at least this much (MLflow "
            "MetricThreshold); 0 no worse; < 0 the drop allowed (default: no worse)"
        ),
    )
    parser.add_argument(
        "--min-relative-change",
        type=float,
        default=None,
        help="as --min-absolute-change, as a share of the baseline value, in [-1, 1]",
    )
    parser.add_argument(
        "--regression-metrics",
        default=",".join(DEFAULT_REGRESSION_METRICS),
        help="comma-separated metric keys compared with the baseline (default: %(default)s)",
    )
    parser.add_argument(
        "--decision",
        choices=("point", "ci"),
        default=None,
        help="override every objective's decision: point (mean) or ci (95%% CI)",
    )
    parser.add_argument(
        "--tracking-uri",
        default=default_tracking_uri(),
        help="MLflow tracking URI (default: %(default)s)",
    )
    parser.add_argument("--reference", type=Path, help="reference data file (CSV/Parquet)")
    parser.add_argument("--current", type=Path, help="current data file to test for drift")
    parser.add_argument("--target", help="label column of the data files (minority slice)")
    parser.add_argument("--minority-label", default="1", help="minority value of --target")
    parser.add_argument(
        "--synthetic-checks",
        action="store_true",
        help="test realism and privacy of each run's synthetic rows (Evidently)",
    )
    parser.add_argument(
        "--out", type=Path, help="folder for summary.md, junit.xml, gate.json, checks/"
    )
    parser.add_argument("--markdown", type=Path, help="append the Markdown summary here")
    parser.add_argument("--junit", type=Path, help="write the JUnit XML here")
    return parser
