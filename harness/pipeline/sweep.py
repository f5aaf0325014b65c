"""The end of a Hydra multirun: judge and compare every job of the sweep (the sweep's report
opens with the verdicts), track and export the result."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from harness.pipeline import publish
from harness.pipeline.judge import judge_folder
from harness.report.comparison import compare
from harness.runner.worker_lifetime import SWEEP_PID_ENV
from harness.runs import find_run_dirs
from harness.tracking.tags import OUTPUT_DIR_TAG

log = logging.getLogger(__name__)

#: Set by :class:`SweepSummaryCallback` in the sweep's parent process; read by the CLI.
LAST_SWEEP: dict[str, Any] = {}


class SweepSummaryCallback(Callback):
    """Create the sweep's parent MLflow run first; compare, track and export at the end."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from harness.tracking import ensure_sqlite_db, make_tracker

        # The launcher's workers, started after this, end with this process.
        os.environ[SWEEP_PID_ENV] = str(os.getpid())
        tracking = config.tracking
        if not tracking.get("enabled", True):
            return
        # A new SQLite store must be created once, before parallel jobs open it.
        ensure_sqlite_db(str(tracking.uri))
        tracker = make_tracker(tracking, str(config.experiment.name))
        tracker.safe_start_parent(
            str(config.experiment.name),
            params={"experiment": str(config.experiment.name)},
            tags={OUTPUT_DIR_TAG: str(config.hydra.sweep.dir)},
        )

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        slo = publish.slo_set(config)
        judgement = judge_folder(sweep_dir, slo)
        comparison = compare(
            sweep_dir,
            title=f"Sweep {config.experiment.name}",
            slo=slo,
            verdicts=judgement.section,
        )
        LAST_SWEEP.clear()
        LAST_SWEEP.update(
            sweep_dir=sweep_dir,
            comparison=comparison,
            verdicts=judgement.lines,
            verdict_section=judgement.section,
            slo_name=slo.name,
        )
        # Jobs log themselves; anything a job could not log (a busy store, a server blip) is
        # uploaded now. Logging is idempotent, so nothing is duplicated.
        publish.track(
            config, find_run_dirs(sweep_dir), parent_folder=sweep_dir, comparison_folder=sweep_dir
        )
        publish.export(config, comparison.records, slo)
