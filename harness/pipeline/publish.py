"""Publish finished run folders: to tracking (MLflow) and to monitoring (Prometheus export).

Both a plain run and a Hydra sweep end here, so what is published, and when, is decided once:

- every finished job folder is logged under one parent run, keyed by the folder the parent
  stands for (a sweep's jobs, in any process or on any node, find the same parent); logging is
  idempotent, so a folder a job already logged is not logged twice;
- the comparison of a multi-job folder is logged to the parent run;
- metrics are exported once per top-level run: a job inside a sweep leaves the export to the
  sweep's end, which exports every job of the sweep together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness.tracking.tags import OUTPUT_DIR_TAG


@dataclass
class Published:
    """Where a run was published: the tracking URI and the parent run (None when off)."""

    tracking_uri: str | None = None
    parent_run_id: str | None = None


def slo_set(cfg: DictConfig) -> Any:
    """The run's SLO set, read strictly from ``cfg.slo`` (a broken set fails here)."""
    from harness.slo import parse_slo_set

    return parse_slo_set(OmegaConf.to_container(cfg.slo, resolve=True), source="cfg.slo")


def track(
    cfg: DictConfig,
    run_dirs: Iterable[Path],
    *,
    parent_folder: Path,
    comparison_folder: Path | None,
) -> Published:
    """Log finished job folders under the parent run of ``parent_folder``.

    Parameters
    ----------
    cfg : DictConfig
        The composed config (``tracking`` and ``experiment.name`` are read).
    run_dirs : iterable of Path
        Job folders; unfinished ones (no ``result.json``) are left out.
    parent_folder : Path
        The folder the parent run stands for (the sweep folder inside a sweep).
    comparison_folder : Path, optional
        A folder whose comparison is logged to the parent run.
    """
    from harness.runs import RunFolder
    from harness.tracking import make_tracker

    name = str(cfg.experiment.name)
    tracker = make_tracker(cfg.tracking, name)
    parent_id = tracker.safe_start_parent(
        name, params={"experiment": name}, tags={OUTPUT_DIR_TAG: str(parent_folder)}
    )
    for run_dir in run_dirs:
        if RunFolder(run_dir).is_finished():
            tracker.safe_log_run_dir(run_dir, parent_run_id=parent_id)
    if comparison_folder is not None and parent_id is not None:
        tracker.safe_log_sweep_dir(comparison_folder, parent_run_id=parent_id)
    return Published(tracking_uri=getattr(tracker, "uri", None), parent_run_id=parent_id)


def export(cfg: DictConfig, records: list[dict[str, Any]], slo: Any) -> None:
    """Export the records' metrics and the SLO verdicts as ``cfg.export`` says."""
    from harness.export import export_results

    export_results(records, cfg.export, slo, results_root=Path(cfg.paths.output_dir))
