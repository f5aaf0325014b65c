"""The evaluation settings of a job, read once from the ``evaluation`` config group.

Their defaults live in one place, ``conf/evaluation/default.yaml``, which every evaluation
profile extends; :meth:`EvaluationSettings.from_config` reads a composed ``evaluation`` node
and checks every value, and :meth:`EvaluationSettings.defaults` reads the shipped default
profile (for code that evaluates without composing a config, e.g. tests and benchmarks).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.config_dir import config_dir
from harness.errors import ConfigError
from harness.strict import (
    boolean_setting,
    choice_setting,
    fraction_setting,
    integer_setting,
    read_yaml,
)

FOLD_SCHEMES = ("stratified", "group", "time", "holdout")
CI_METHODS = ("pooled_bootstrap", "corrected_t", "pooled_jackknife", "oof_bootstrap")
LINEAGE_MODES = ("first_fold", "all_folds", "none")


@dataclass(frozen=True)
class EvaluationSettings:
    """How one job is evaluated (``conf/evaluation/default.yaml`` documents every field)."""

    n_splits: int
    n_repeats: int
    n_jobs: int
    n_neighbors: int
    min_group_size: int
    track_memory: bool
    save_model: bool
    realism_report: bool
    progress: bool
    label_issues: bool
    job_report: bool
    folds: str
    ci_method: str
    test_size: float
    precision_target: float | None
    lineage: str

    @property
    def n_folds(self) -> int:
        """Folds a job evaluates: ``n_splits × n_repeats``; one per repeat for ``holdout``."""
        if self.folds == "holdout":
            return self.n_repeats
        return self.n_splits * self.n_repeats

    @property
    def keep_all_lineage(self) -> bool:
        """Whether the lineage of every fold is kept (``lineage: all_folds``)."""
        return self.lineage == "all_folds"

    @classmethod
    def from_config(cls, node: Mapping[str, Any]) -> EvaluationSettings:
        """Read and check a composed ``evaluation`` node.

        Parameters
        ----------
        node : mapping
            ``cfg.evaluation`` (a DictConfig or plain mapping); keys it does not hold take the
            shipped default.

        Raises
        ------
        ConfigError
            A value of the wrong type or out of range, naming the key and an override that
            fixes it.
        """
        values = {**_default_values(), **{str(k): v for k, v in dict(node).items()}}
        key = "evaluation.{}".format
        for name, minimum in (
            ("n_splits", 2),
            ("n_repeats", 1),
            ("n_jobs", 1),
            ("n_neighbors", 1),
            ("min_group_size", 1),
        ):
            integer_setting(values[name], key(name), minimum)
        for name in ("track_memory", "save_model", "progress", "label_issues", "job_report"):
            boolean_setting(values[name], key(name))
        choice_setting(values["folds"], key("folds"), FOLD_SCHEMES)
        choice_setting(values["ci_method"], key("ci_method"), CI_METHODS)
        test_size = fraction_setting(values["test_size"], key("test_size"), allow_none=False)
        target = fraction_setting(
            values["precision_target"], key("precision_target"), allow_none=True
        )
        if values["lineage"] not in LINEAGE_MODES:
            raise ConfigError(
                f"evaluation.lineage must be one of {list(LINEAGE_MODES)}, got "
                f"{values['lineage']!r}."
            )
        fields = {f.name for f in dataclasses.fields(cls)}
        known = {name: value for name, value in values.items() if name in fields}
        return cls(**{**known, "test_size": test_size, "precision_target": target})

    @classmethod
    def defaults(cls, **changes: Any) -> EvaluationSettings:
        """The shipped default profile, with ``changes`` applied (and checked)."""
        return cls.from_config({**_default_values(), **changes})


@functools.cache
def _default_values() -> dict[str, Any]:
    path = config_dir() / "evaluation" / "default.yaml"
    profile = read_yaml(path, what=str(path), fix="reinstall the harness")
    return {str(k): v for k, v in profile.items() if k != "defaults"}
