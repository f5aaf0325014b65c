"""Build the tracker a configuration asks for (``conf/tracking/*.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.errors import ConfigError
from harness.tracking.mlflow_tracker import MlflowTracker
from harness.tracking.null_tracker import NullTracker
from harness.tracking.protocol import Tracker

_KNOWN_KEYS = {
    "enabled",
    "uri",
    "experiment_name",
    "log_lineage",
    "lineage_sample_rows",
    "log_model",
    "log_fold_metrics",
    "timeout_s",
    "retries",
}


def make_tracker(tracking_cfg: Mapping[str, Any] | None, experiment_name: str) -> Tracker:
    """Return an :class:`MlflowTracker`, or a :class:`NullTracker` when tracking is off.

    Nothing is contacted here: the store is opened at the first upload.

    Parameters
    ----------
    tracking_cfg : mapping or None
        The ``tracking`` config group (``enabled``, ``uri``, ``experiment_name``,
        ``log_lineage``, ``lineage_sample_rows``, ``log_model``, ``log_fold_metrics``,
        ``timeout_s``, ``retries``).
        ``None`` turns tracking off.
    experiment_name : str
        Used when ``tracking_cfg.experiment_name`` is null.

    Returns
    -------
    Tracker
        An :class:`MlflowTracker`, or a :class:`NullTracker` when tracking is off.

    Raises
    ------
    ConfigError
        On an unknown key, a missing URI or an invalid option.
    """
    if tracking_cfg is None:
        return NullTracker()
    cfg = dict(tracking_cfg.items())
    unknown = sorted(set(cfg) - _KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown tracking option(s) {unknown}: use only {sorted(_KNOWN_KEYS)} "
            "(see conf/tracking/sqlite.yaml)."
        )
    if not cfg.get("enabled", True):
        return NullTracker()
    return MlflowTracker(
        cfg.get("uri"),
        cfg.get("experiment_name") or experiment_name,
        log_lineage=str(cfg.get("log_lineage", "sample")),
        lineage_sample_rows=int(cfg.get("lineage_sample_rows", 1000)),
        log_model=bool(cfg.get("log_model", True)),
        log_fold_metrics=bool(cfg.get("log_fold_metrics", True)),
        timeout_s=float(cfg.get("timeout_s", 10)),
        retries=int(cfg.get("retries", 2)),
    )
