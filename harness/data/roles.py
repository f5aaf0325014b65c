"""What each column of a table is, and how strictly the table is checked.

:func:`~harness.data.validate.make_dataset` takes a :class:`ColumnRoles` and a
:class:`DataChecks`; :func:`~harness.data.table.load_table` builds them from its keyword
arguments (the ``dataset.loader`` keys of ``conf/dataset/table.yaml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from harness.errors import ConfigError

DEFAULT_MIN_MINORITY = 10
ZERO_VARIANCE_POLICIES = ("warn", "drop", "error")


@dataclass(frozen=True)
class ColumnRoles:
    """The role of each column of a table: target, features, sensitive, fold keys.

    Columns named in no role are numeric features. The column lists are kept as tuples.

    Parameters
    ----------
    target : str
        Target column.
    positive_label : object, optional
        Label of the minority class, mapped to ``y == 1`` (string, boolean and numeric labels
        work, also written as text: ``"1"`` matches ``1``, ``"true"`` matches ``True``).
        ``None`` picks the least frequent label.
    categorical : sequence of str
        Non-numeric (or code) feature columns to one-hot encode.
    sensitive : sequence of str
        Columns copied to ``Dataset.sensitive`` for the fairness metrics; they stay among the
        features unless also listed in ``drop`` (or ``sensitive_as_feature`` is ``False``).
    drop : sequence of str
        Columns removed from the features (identifiers, leaks).
    group : str, optional
        Column naming the group of each row (a customer, a patient) for group-aware folds
        (``evaluation.folds=group``); it is not a feature.
    time : str, optional
        Column ordering the rows in time for expanding-window folds (``evaluation.folds=time``);
        it is not a feature.
    sensitive_as_feature : bool, default=True
        ``False`` keeps the sensitive columns out of the model's features; fairness still
        reads them.
    """

    target: str
    positive_label: Any = None
    categorical: Sequence[str] = ()
    sensitive: Sequence[str] = ()
    drop: Sequence[str] = ()
    group: str | None = None
    time: str | None = None
    sensitive_as_feature: bool = True

    def __post_init__(self) -> None:
        for field in ("categorical", "sensitive", "drop"):
            object.__setattr__(self, field, tuple(getattr(self, field) or ()))


@dataclass(frozen=True)
class DataChecks:
    """How strictly a table is checked beyond the rules every table must pass.

    Checked when built.

    Parameters
    ----------
    min_minority : int
        Smallest accepted number of minority rows (default 10: ADASYN's 5 neighbours still fit
        inside a training fold of 5-fold cross-validation).
    zero_variance : {"warn", "drop", "error"}
        What to do with constant feature columns: keep them and warn, remove them, or refuse
        them.

    Raises
    ------
    ConfigError
        ``zero_variance`` is not a policy, or ``min_minority`` is below 1.
    """

    min_minority: int = DEFAULT_MIN_MINORITY
    zero_variance: Literal["warn", "drop", "error"] = "warn"

    def __post_init__(self) -> None:
        if self.zero_variance not in ZERO_VARIANCE_POLICIES:
            raise ConfigError(
                f"zero_variance={self.zero_variance!r} is not a policy; use one of "
                f"{ZERO_VARIANCE_POLICIES}."
            )
        if int(self.min_minority) < 1:
            raise ConfigError(
                f"min_minority={self.min_minority} must be at least 1; set a positive count."
            )


#: The checks :func:`~harness.data.validate.make_dataset` applies unless told otherwise.
DEFAULT_CHECKS = DataChecks()
