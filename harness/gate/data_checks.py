"""Optional data checks of the gate, tested by Evidently through ``harness.metrics.drift``.

Drift between a reference and a current data file (all rows and the minority slice), and the
realism and privacy of a run's synthetic rows. Evidently is only imported when a check runs.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from harness.errors import InputDataError
from harness.gate.checks import FAIL, NOT_APPLICABLE, Check, verdict_of
from harness.gate.sources import Candidate
from harness.runs import RunFolder

if TYPE_CHECKING:
    from harness.metrics.drift import DriftResult

log = logging.getLogger(__name__)

REPORTS_DIR = "checks"
DRIFT_SHARE = 0.5
MAX_COPY_SHARE = 0.05
_SHARED_REPORTS = ("data_drift.html", "minority_drift.html")


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (optionally compressed) or Parquet file.

    Raises
    ------
    InputDataError
        When the file is missing or cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"data file {path} does not exist: pass an existing CSV or Parquet.")
    try:
        if path.suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (ValueError, OSError, ImportError) as exc:
        raise InputDataError(
            f"cannot read {path} ({exc}): pass a CSV or Parquet file with a header row."
        ) from exc


def drift_checks(
    reference: Path,
    current: Path,
    out_dir: Path | None = None,
    *,
    target: str | None = None,
    minority_label: str = "1",
) -> list[Check]:
    """Test ``current`` against ``reference`` with Evidently: all rows, then the minority slice.

    Parameters
    ----------
    reference, current : Path
        CSV or Parquet files with the same columns.
    out_dir : Path, optional
        Where the HTML reports go (``<out_dir>/checks/``).
    target : str, optional
        Label column. When given it is left out of the tested features and its
        ``minority_label`` rows form the minority slice.
    minority_label : str
        Value of ``target`` that marks the minority class (compared as text).

    Returns
    -------
    list of Check
        ``data_drift`` and, with a target, ``minority_drift``; passed when Evidently finds no
        data-set drift (share of drifted columns below 0.5).
    """
    from harness.metrics.drift import data_drift

    reference_frame, current_frame = read_table(reference), read_table(current)
    slices = {"data_drift": (reference_frame, current_frame)}
    if target is not None:
        for name, frame in (("reference", reference_frame), ("current", current_frame)):
            if target not in frame.columns:
                raise InputDataError(
                    f"the {name} file has no column {target!r}: pass --target with the label "
                    f"column (columns: {list(frame.columns)[:10]})"
                )
        minority = [f[f[target].astype(str) == str(minority_label)] for f in slices["data_drift"]]
        features = [f.drop(columns=[target]) for f in slices["data_drift"]]
        slices = {"data_drift": tuple(features)}
        if all(len(m) for m in minority):
            slices["minority_drift"] = tuple(m.drop(columns=[target]) for m in minority)
        else:
            log.warning(
                "no row with %s == %s on one side: minority drift skipped", target, minority_label
            )
    checks = []
    for name, (ref, cur) in slices.items():
        result = data_drift(ref, cur, drift_share=DRIFT_SHARE)
        report = _write_report(out_dir, f"{name}.html", result.html)
        checks.append(_drift_check(name, "drift", result, report))
    return checks


def synthetic_checks(candidate: Candidate, out_dir: Path | None = None) -> list[Check]:
    """Realism (Evidently drift test) and privacy (distance to closest record) of a run's
    synthetic rows, read from its ``fold0_*`` files.

    Both checks fail when the files cannot be read (no run folder, files missing), and are
    not applicable, saying why, for a failed run or a sampler that appended no rows.
    """
    reason = _cannot_check_synthetic(candidate)
    if reason is not None:
        return _unjudged_synthetic_checks(candidate, *reason)
    folder = RunFolder(candidate.run_dir)
    real, synthetic = read_table(folder.fold0_train_minority), read_table(folder.fold0_synthetic)
    if synthetic.empty:
        detail = "the sampler appended no synthetic rows in the first fold: nothing to test"
        return _unjudged_synthetic_checks(candidate, NOT_APPLICABLE, detail)
    from harness.metrics.drift import privacy_distance, synthetic_realism

    realism = synthetic_realism(real, synthetic)
    report = _write_report(out_dir, _realism_report(candidate), realism.html)
    privacy = privacy_distance(real, synthetic, max_copy_share=MAX_COPY_SHARE)
    return [
        _drift_check("synthetic_realism", "realism", realism, report, candidate.name),
        Check(
            "synthetic_privacy",
            "privacy",
            "share_copies",
            privacy.share_copies,
            MAX_COPY_SHARE,
            "<=",
            verdict_of(not privacy.flagged),
            f"{privacy.share_copies:.1%} of synthetic rows are near copies of a real row "
            f"(median distance {privacy.median_dcr_synthetic:.4g} vs "
            f"{privacy.median_dcr_real:.4g} between real rows)"
            + ("; a sampler that duplicates rows leaks them" if privacy.flagged else ""),
            candidate.name,
        ),
    ]


_SYNTHETIC_CHECKS = (
    ("synthetic_realism", "realism", "share_drifted_columns", "<"),
    ("synthetic_privacy", "privacy", "share_copies", "<="),
)


def _unjudged_synthetic_checks(candidate: Candidate, verdict: str, detail: str) -> list[Check]:
    """The realism and privacy checks of ``candidate``, both ``verdict`` for ``detail``."""
    return [
        Check(name, kind, metric, None, None, op, verdict, detail, candidate.name)
        for name, kind, metric, op in _SYNTHETIC_CHECKS
    ]


def _cannot_check_synthetic(candidate: Candidate) -> tuple[str, str] | None:
    """``(verdict, reason)`` when the synthetic rows of ``candidate`` cannot be tested."""
    if candidate.status != "success":
        return NOT_APPLICABLE, "the run failed (see run_status): it has no synthetic rows"
    if candidate.run_dir is None:
        return (
            FAIL,
            f"{candidate.source} was read from MLflow, without its run folder: gate the run "
            "folder (--run-dir) to test its synthetic rows",
        )
    folder = RunFolder(candidate.run_dir)
    files = (folder.fold0_train_minority, folder.fold0_synthetic)
    missing = [path.name for path in files if not path.is_file()]
    if missing:
        return (
            FAIL,
            f"{candidate.run_dir} has no {' or '.join(missing)}: rerun the job with this "
            "harness (it writes them for every successful job)",
        )
    return None


def log_reports(candidate: Candidate, out_dir: Path) -> None:
    """Upload the gate's HTML reports to the candidate's MLflow run (artifact folder ``gate``).

    A store that cannot be reached only logs a warning: the reports stay in ``out_dir``.
    """
    folder = Path(out_dir) / REPORTS_DIR
    if candidate.mlflow_run_id is None or not folder.is_dir():
        return
    from harness.gate.sources import mlflow_client

    try:
        client = mlflow_client(candidate.tracking_uri)
        for path in sorted(folder.glob("*.html")):
            if path.name in _SHARED_REPORTS or path.name == _realism_report(candidate):
                client.log_artifact(candidate.mlflow_run_id, str(path), "gate")
    except Exception as exc:  # reports are a convenience: they never fail the gate
        log.warning("could not log the gate reports to MLflow (%s); they are in %s", exc, folder)


def _write_report(out_dir: Path | None, name: str, html: str) -> Path | None:
    if out_dir is None or not html:
        return None
    folder = Path(out_dir) / REPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(html)
    return path


def _drift_check(
    name: str, kind: str, result: DriftResult, report: Path | None, candidate: str = ""
) -> Check:
    """The check of one Evidently drift test: it fails when the data drifted."""
    return Check(
        name,
        kind,
        "share_drifted_columns",
        result.share_drifted,
        DRIFT_SHARE,
        "<",
        verdict_of(not result.drifted),
        _drift_detail(result, report),
        candidate,
    )


def _drift_detail(result: DriftResult, report: Path | None) -> str:
    columns = [name for name, info in result.per_column.items() if info.get("drifted")]
    text = f"drifted columns: {', '.join(columns[:5])}" if columns else "no column drifted"
    if result.drifted:
        text = "data drift: " + text + "; check the data pipeline or retrain on recent data"
    if report is not None:
        text += f" (report: {report.name})"
    return text


def _realism_report(candidate: Candidate) -> str:
    return f"synthetic_realism_{_slug(candidate.name)}.html"


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_") or "run"
