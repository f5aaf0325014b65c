"""The gate's strict view of a ``result.json`` record.

``harness.runs.load_record`` already refuses text that is not JSON and the NaN / Infinity
constants; here the gate refuses a record whose shape it cannot trust: another schema version,
no strategy kind, a missing or unknown status, a success that carries an error, metric values
that are not numbers. Each is an :class:`~harness.errors.InputDataError` (exit 2), never a
guess: a record the gate misreads could pass a model that must not ship.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.errors import InputDataError
from harness.metrics import catalog
from harness.runs import RESULT_SCHEMA_VERSION, RunFolder

STATUSES = ("success", "failed")
LABELS = ("experiment", "dataset", "resampler", "model")
#: Where a run's configured sensitive columns are recorded, most reliable first.
SENSITIVE_FIELD = "sensitive_columns"
SENSITIVE_PARAM = "dataset.loader.sensitive"


def check_record(record: Mapping[str, Any], where: str) -> None:
    """Refuse a record the gate cannot read with certainty.

    Parameters
    ----------
    record : mapping
        The parsed ``result.json``.
    where : str
        The file or MLflow run it came from, named in every error.

    Raises
    ------
    InputDataError
        Naming the problem and the fix (rerun the job with this harness).
    """
    schema = record.get("schema")
    if isinstance(schema, bool) or schema != RESULT_SCHEMA_VERSION:
        raise InputDataError(
            f"{where} was written by an older harness (schema {schema}); this gate reads "
            f"schema {RESULT_SCHEMA_VERSION}: rerun the job with `harness run` (resume=true "
            "reruns only outdated jobs)."
        )
    if "strategy" not in record:
        raise InputDataError(
            f"{where} records no 'strategy' (the sampler kind): it was written by an older "
            "harness or edited by hand; rerun the job with `harness run`."
        )
    _check_status(record, where)
    strategy = record["strategy"]
    # A job that failed before its sampler was built records the strategy as null.
    unknown_allowed = strategy is None and record["status"] == "failed"
    if not unknown_allowed and (not isinstance(strategy, str) or not strategy):
        raise InputDataError(f"{where}: strategy {strategy!r} is not a sampler kind; {_RERUN}")
    for label in LABELS:
        if not isinstance(record.get(label, ""), str):
            raise InputDataError(f"{where}: '{label}' must be a text; {_RERUN}")
    for section in ("metrics", "std"):
        _check_numbers(record.get(section, {}), f"{where}, {section}")
    _check_intervals(record.get("ci95", {}), f"{where}, ci95")
    for section in ("params", "tracking"):
        if record.get(section) is not None and not isinstance(record[section], Mapping):
            raise InputDataError(f"{where}: '{section}' must be a mapping; {_RERUN}")
    declared = record.get(SENSITIVE_FIELD)
    if declared is not None and not _is_text_list(declared):
        raise InputDataError(f"{where}: '{SENSITIVE_FIELD}' must be a list of texts; {_RERUN}")
    if record["status"] == "success":
        _check_scores(record, where)


def _check_scores(record: Mapping[str, Any], where: str) -> None:
    """A success says whether its scores are hard, and why each undefined metric has no value.

    An undefined metric may only be one that needs continuous scores (a ranking or an operating
    point): a record cannot excuse itself from any other objective.
    """
    if not isinstance(record.get("hard_scores"), bool):
        raise InputDataError(f"{where}: 'hard_scores' must be true or false; {_RERUN}")
    undefined = record.get("undefined")
    if not isinstance(undefined, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in undefined.items()
    ):
        raise InputDataError(
            f"{where}: 'undefined' must map metric keys to the reason they have no value; {_RERUN}"
        )
    for key in undefined:
        parsed = catalog.parse_key(key)
        if parsed is None or parsed.spec.needs not in catalog.NEEDS_CONTINUOUS_SCORES:
            raise InputDataError(
                f"{where}: {key!r} is listed as undefined, but only a metric that needs a ranking "
                f"or an operating point can be; {_RERUN}"
            )
        if record.get("metrics", {}).get(key) is not None:
            raise InputDataError(
                f"{where}: {key!r} is listed as undefined but has a value; {_RERUN}"
            )


def sensitive_columns(
    record: Mapping[str, Any], run_dir: Path | None = None
) -> tuple[str, ...] | None:
    """The sensitive columns configured for the run, or ``None`` when nothing records them.

    Read, in this order, from the record's ``sensitive_columns``, the run folder's
    ``dataset.json`` (what the loaded data set had) and the ``dataset.loader.sensitive``
    parameter (what the config asked for).
    """
    declared = record.get(SENSITIVE_FIELD)
    if declared is not None:
        return tuple(declared)
    if run_dir is not None:
        summary = RunFolder(run_dir).read_dataset_summary()
        listed = None if summary is None else summary.get("sensitive")
        if _is_text_list(listed):
            return tuple(listed)
    return _from_params(record.get("params") or {})


_RERUN = "the record is damaged or was not written by `harness run`: rerun the job."


def _check_status(record: Mapping[str, Any], where: str) -> None:
    status = record.get("status")
    if status not in STATUSES:
        raise InputDataError(
            f"{where}: status {status!r} is not one of {list(STATUSES)}; a job writes its "
            "result.json only when it has finished: rerun the job."
        )
    if status == "success" and record.get("error") is not None:
        raise InputDataError(
            f"{where} says status 'success' but carries the error {record['error']!r}; {_RERUN}"
        )


def _check_numbers(values: Any, where: str) -> None:
    if not isinstance(values, Mapping):
        raise InputDataError(f"{where} must be a mapping of metric keys to numbers; {_RERUN}")
    for key, value in values.items():
        if value is not None and not _is_number(value):
            raise InputDataError(
                f"{where}: {key} = {value!r} is not a number (an undefined metric is written as "
                f"null); {_RERUN}"
            )


def _check_intervals(values: Any, where: str) -> None:
    if not isinstance(values, Mapping):
        raise InputDataError(f"{where} must be a mapping of metric keys to [low, high]; {_RERUN}")
    for key, bounds in values.items():
        if bounds is None:
            continue
        if not (
            isinstance(bounds, list)
            and len(bounds) == 2
            and all(b is None or _is_number(b) for b in bounds)
        ):
            raise InputDataError(f"{where}: {key} = {bounds!r} is not [low, high]; {_RERUN}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _from_params(params: Mapping[str, Any]) -> tuple[str, ...] | None:
    value = params.get(SENSITIVE_PARAM)
    if isinstance(value, str):  # the run flattens lists to their text, e.g. "['sex', 'race']"
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return None
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None
