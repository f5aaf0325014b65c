"""``harness gate`` and ``harness promote``: argument parsing, exit codes, outputs.

Exit codes: 0 when at least one check passed and none failed (every not-applicable check
listed with its reason); 1 when a check failed or none passed (``promote``: nothing was
promoted); 2 for bad usage, a run that cannot be found, an incomplete or unreadable input, a
missing or malformed SLO set, and any error inside the gate: a crash is never a verdict.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.commands.common import add_slo_option, command_parser, guarded
from harness.errors import HarnessError, InputDataError, RunNotFoundError

if TYPE_CHECKING:  # the gate's modules load on use: --help and usage errors stay quick
    from harness.gate.gate import GateResult
    from harness.gate.selection import Selection
    from harness.gate.sources import Candidate

#: The default of --regression-metrics: ``harness.gate.regression.DEFAULT_REGRESSION_METRICS``
#: (tested), spelt here so that the parser does not import the gate.
REGRESSION_METRICS_DEFAULT = "test/minority_recall,test/minority_f1,test/pr_auc"

EXIT_PASS, EXIT_FAIL = 0, 1


class _UsageError(HarnessError):
    """Arguments that parse but do not make sense together."""


def gate_main(argv: list[str]) -> int:
    """Run ``harness gate``; return the process exit code (0 pass, 1 fail, 2 usage)."""
    return _guarded(gate_parser(), argv, _gate)


def promote_main(argv: list[str]) -> int:
    """Run ``harness promote``: gate the candidate against the current alias holder, then
    register its model and move the alias, only when the gate passes.

    ``harness promote --rollback --model-name NAME`` moves the alias back to the version that
    held it before (recorded in the model registry) instead.
    """
    if "--rollback" in argv:
        return _guarded(rollback_parser(), argv, _rollback)
    return _guarded(promote_parser(), argv, _promote)


def _rollback(ns: argparse.Namespace) -> int:
    from harness.gate.rollback import rollback

    done = rollback(
        ns.model_name,
        alias=ns.alias,
        tracking_uri=ns.tracking_uri,
        reason=ns.reason,
        to_version=ns.to_version,
    )
    print(done.describe())
    return EXIT_PASS


# -- flows ------------------------------------------------------------------------------------


def _gate(ns: argparse.Namespace) -> int:
    selection = _select(ns)
    result = _run(ns, selection, _baseline(ns))
    _export_verdicts(ns, selection, result)
    return EXIT_PASS if result.passed else EXIT_FAIL


def _export_verdicts(ns: argparse.Namespace, selection: Any, result: GateResult) -> None:
    """Export the verdict per objective (``--export``) for the batch-quality alerts."""
    if getattr(ns, "export", "none") == "none":
        return
    from harness.export.verdicts import export_gate_verdicts

    experiments = sorted({c.experiment for c in selection.candidates if c.experiment})
    experiment = experiments[0] if len(experiments) == 1 else "+".join(experiments) or "adhoc"
    cfg = {
        "mode": ns.export,
        "textfile_path": str(ns.metrics_textfile),
        "pushgateway_url": ns.pushgateway_url,
        "job": "harness",
        "timeout_s": 5.0,
    }
    report = export_gate_verdicts(result.checks, experiment, cfg)
    if report.textfile is not None:
        print(f"wrote {report.textfile}")
    if report.pushed:
        print(
            f"pushed the verdicts of experiment {experiment!r} to {ns.pushgateway_url} "
            f'(group job="{cfg["job"]}_gate", experiment="{experiment}")'
        )


def _promote(ns: argparse.Namespace) -> int:
    from harness.gate.registry import promotion_tags, register_and_alias
    from harness.gate.sources import load_mlflow_run, mlflow_client, resolve_alias

    selection = _select(ns)
    candidates = selection.candidates
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
    result = _run(ns, replace(selection, candidates=[candidate]), baseline)
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


def _run(ns: argparse.Namespace, selection: Selection, baseline: Candidate | None) -> GateResult:
    from harness.gate.gate import GateOptions, run_gate
    from harness.gate.report import to_terminal, write_outputs
    from harness.slo import load_slo_set

    slo = load_slo_set(ns.slo)
    # Every option of the gate is an argument of the same name, but for the output folder.
    chosen = {f.name: getattr(ns, f.name) for f in fields(GateOptions) if f.name != "out_dir"}
    options = GateOptions(**chosen, out_dir=ns.out)
    result = run_gate(
        selection.candidates,
        slo,
        baseline,
        options,
        scope=selection.scope,
        left_out=selection.left_out,
        pool=selection.runs,
    )
    print(to_terminal(result))
    for path in write_outputs(result, ns.out, markdown=ns.markdown, junit=ns.junit):
        print(f"wrote {path}")
    nothing = result.nothing_judged()
    if nothing is not None:  # a verdict on nothing is no verdict: exit 2, never a pass
        raise InputDataError(nothing)
    return result


def _select(ns: argparse.Namespace) -> Selection:
    from harness.gate.selection import select_experiment, select_folder, select_run_id

    filters = {"dataset": ns.dataset, "resampler": ns.resampler, "model": ns.model}
    if ns.run_dir is not None:
        return select_folder(ns.run_dir, filters, allow_incomplete=ns.allow_incomplete)
    if ns.run_id is not None:
        return select_run_id(ns.run_id, ns.tracking_uri)
    return select_experiment(
        ns.experiment, ns.tracking_uri, filters, allow_incomplete=ns.allow_incomplete
    )


def _baseline(ns: argparse.Namespace) -> Candidate | None:
    from harness.gate.selection import select_folder
    from harness.gate.sources import load_mlflow_run, resolve_alias

    if ns.baseline_run_dir is not None:
        found = select_folder(ns.baseline_run_dir).candidates
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
    """Run ``flow``; every way out that is not a verdict of the checks is exit 2, in one line."""

    def run() -> int:
        ns = parser.parse_args(argv)
        if ns.tracking_uri is None:
            from harness.tracking.store import default_tracking_uri

            ns.tracking_uri = default_tracking_uri()
        if not getattr(ns, "rollback", False):
            _validate(ns)
        return flow(ns)

    return guarded(run, unexpected=_unexpected)


def _unexpected(exc: Exception) -> str:
    if type(exc).__name__ == "MlflowException" and hasattr(exc, "message"):
        return (
            f"MLflow refused the request ({exc.message}): check --tracking-uri and the run or "
            "model names."
        )
    text = " ".join(str(exc).split()) or "no message"
    return (
        f"the gate stopped on an unexpected {type(exc).__name__} ({text}); no verdict was "
        "reached. Check the inputs named above, and report it if they are sound."
    )


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
    from harness.gate.regression import parse_regression_metrics

    ns.regression_metrics = parse_regression_metrics(ns.regression_metrics)


def _finite_float(text: str) -> float:
    """argparse type: a finite number (``nan`` and ``inf`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number, e.g. -0.02") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; write e.g. -0.02")
    return value


# -- parsers ----------------------------------------------------------------------------------

#: A run folder as `harness run experiment=quick` names it, for the examples.
_RUN = "outputs/runs/quick/2026-01-31_12-00-00-000000"


_GATE_HELP = (
    "Check runs against an SLO set, a baseline and optional data checks. Every check is PASS, "
    "FAIL or NOT APPLICABLE (with its reason, never counted as a pass). Exit 0 when at least "
    "one check passed and none failed, 1 when one failed or none passed, 2 on bad usage, a "
    "missing, incomplete or unreadable run or SLO set, or any error inside the gate.",
    f"harness gate --run-dir {_RUN}",
    f"harness gate --run-dir {_RUN} --slo relative --out gate-report",
    f"harness gate --run-dir {_RUN} --resampler adasyn --export textfile",
)
_PROMOTE_HELP = (
    "Gate one run against the SLO set and the model version under --alias; when every check "
    "passes, register the run's model under --model-name with its resampling metadata and "
    "move --alias to it. Exit 1 (nothing moved) when a check fails. `harness promote "
    "--rollback --help` describes moving the alias back.",
    f"harness promote --run-dir {_RUN} --resampler adasyn --model-name pima-adasyn",
    f"harness promote --run-dir {_RUN} --resampler smote --model-name pima-adasyn "
    "--slo relative --alias challenger",
    "harness promote --rollback --model-name pima-adasyn --reason 'recall page'",
)


def gate_parser(promote: bool = False) -> argparse.ArgumentParser:
    """The parser of ``harness gate``, or with ``promote`` of ``harness promote``.

    ``harness promote --rollback`` has its own: :func:`rollback_parser`.
    """
    prog, texts = ("harness promote", _PROMOTE_HELP) if promote else ("harness gate", _GATE_HELP)
    parser = command_parser(prog, *texts)
    _add_gate_options(parser, promote)
    return parser


def promote_parser() -> argparse.ArgumentParser:
    """The parser of ``harness promote`` (see :func:`gate_parser`)."""
    return gate_parser(promote=True)


def rollback_parser() -> argparse.ArgumentParser:
    """The parser of ``harness promote --rollback``."""
    parser = command_parser(
        "harness promote --rollback",
        "Move the alias of a registered model back to the version that held it before the "
        "last promotion, and record the rollback in the model registry.",
        "harness promote --rollback --model-name pima-adasyn --reason 'recall page'",
        "harness promote --rollback --model-name pima-adasyn --to-version 1",
    )
    parser.add_argument(
        "--rollback", action="store_true", required=True, help="move the alias back"
    )
    parser.add_argument("--model-name", required=True, help="registered model name")
    parser.add_argument("--alias", default="champion", help="alias to move back")
    parser.add_argument(
        "--to-version", help="go back to this version (default: the alias's previous holder)"
    )
    parser.add_argument(
        "--reason", default="", help="why, recorded on the versions (default: no reason)"
    )
    _add_tracking_uri(parser)
    parser.set_defaults(promote=True)
    return parser


def _add_tracking_uri(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tracking-uri",
        default=None,
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI, else "
        "sqlite:///<$HARNESS_ROOT or .>/mlflow.db)",
    )


def _add_gate_options(parser: argparse.ArgumentParser, promote: bool) -> None:
    parser.set_defaults(promote=promote)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--run-dir", type=Path, help="run folder, or experiment or sweep folder (every run)"
    )
    source.add_argument("--run-id", help="MLflow run id")
    source.add_argument(
        "--experiment", help="MLflow experiment: every job of its latest run (parent run)"
    )
    if not promote:
        parser.add_argument(
            "--export",
            choices=("none", "textfile", "pushgateway"),
            default="none",
            help="export the verdict per objective for the batch-quality alerts "
            "(harness_gate_verdict)",
        )
        parser.add_argument(
            "--metrics-textfile",
            type=Path,
            default=Path("outputs/metrics/harness.prom"),
            help="with --export textfile: the verdicts go next to this textfile",
        )
        parser.add_argument("--pushgateway-url", help="with --export pushgateway")
    parser.add_argument("--dataset", help="only runs of this data set (default: every one)")
    parser.add_argument(
        "--resampler", help="only runs with this resampler name (default: every one)"
    )
    parser.add_argument("--model", help="only runs of this model (default: every one)")
    parser.add_argument(
        "--allow-incomplete",
        action="store_true",
        help=(
            "gate the finished jobs of an incomplete folder or experiment run; every output "
            "names the jobs left out (default: refuse, exit 2)"
        ),
    )
    add_slo_option(parser, "to check the runs against")
    parser.add_argument(
        "--inconclusive",
        choices=("fail", "pass"),
        default="fail",
        help="what an INCONCLUSIVE objective (the data show it neither met nor missed) counts "
        "as; every output records the choice (docs/ci.md: which to choose when)",
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
        type=_finite_float,
        default=None,
        help=(
            "vs the baseline, the bound on the change judged with both runs' intervals (paired "
            "on the same folds, else unpaired): > 0 the improvement required; 0 no worse; < 0 "
            "the drop allowed, the non-inferiority margin, e.g. -0.02 (default: no worse)"
        ),
    )
    parser.add_argument(
        "--min-relative-change",
        type=_finite_float,
        default=None,
        help="as --min-absolute-change, as a share of the baseline value, in [-1, 1] "
        "(default: not checked)",
    )
    parser.add_argument(
        "--regression-metrics",
        default=REGRESSION_METRICS_DEFAULT,
        help="comma-separated catalog metric keys compared with the baseline, in the direction "
        "the catalog gives",
    )
    parser.add_argument(
        "--decision",
        choices=("point", "ci"),
        default=None,
        help="override every objective's decision: point (mean) or ci (95%% CI) "
        "(default: each objective's own)",
    )
    _add_tracking_uri(parser)
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
