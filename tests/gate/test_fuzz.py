"""Fuzzing the gate: damaged records and SLO files never turn into a pass.

- Random deletions, NaN / infinite / out-of-range substitutions and type changes anywhere in
  ``result.json`` never turn an exit 1 into 0, and an exit 0 after a mutation means the gate
  checked exactly what it checked on the clean record.
- Random deletions, key typos, type changes and value changes anywhere in the SLO file give
  exit 2, or a check list that shows exactly what the mutated file asks for; the same for the
  relative set (``conf/slo/relative.yaml``), on a study with a reference job.
- Random damage to a study's ``folds.csv`` (cells, rows, columns) and to the fold sizes of its
  records never turns a relative gate that fails into one that passes, and a pass after damage
  means the gate checked exactly what it checked before.
- An error anywhere inside the gate is exit 2, never 1.

The gate runs in-process (:func:`harness.commands.gate.gate_main`) for speed; two cases also run
``harness gate`` in a subprocess to show the command behaves the same.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.commands.gate import gate_main
from harness.slo import (
    ALERT_KEYS,
    CONF_SLO_DIR,
    OBJECTIVE_KEYS,
    RELATIVE_KEYS,
    RELATIVE_OBJECTIVE_KEYS,
    SERVING_KEYS,
    TOP_KEYS,
)
from tests.gate.conftest import (
    PASSING_METRICS,
    fold_scores,
    harness_gate,
    make_record,
    write_run_dir,
    write_study,
)
from tests.support.fuzz import document_paths

FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
CLEAN_RECORDS = {
    "passing": make_record(),
    "failing": make_record({**PASSING_METRICS, "test/minority_recall": 0.7}),
    "reference": make_record(resampler="none"),
}
CLEAN_SLO = yaml.safe_load((CONF_SLO_DIR / "default.yaml").read_text())
RECORD_OPERATIONS = ("delete", "nan", "inf", "-inf", "above", "below", "text", "bool", "list")
RECORD_OPERATIONS += ("mapping", "null")
SLO_OPERATIONS = ("delete", "typo", "text", "number", "bool", "list", "empty", "null", "other")


def _parent(document: Any, path: tuple) -> Any:
    node = document
    for step in path[:-1]:
        node = node[step]
    return node


def _replace(document: Any, path: tuple, operation: str) -> Any:
    """A record mutated at ``path`` by ``operation``; NaN and infinities are written as the
    JSON constants a careless writer produces."""
    document = copy.deepcopy(document)
    parent, last = _parent(document, path), path[-1]
    value = parent[last]
    if operation == "delete":
        del parent[last]
        return document
    replacements = {
        "nan": math.nan,
        "inf": math.inf,
        "-inf": -math.inf,
        "above": 5.0,
        "below": -3.0,
        "text": str(value),
        "bool": True,
        "list": [value],
        "mapping": {"value": value},
        "null": None,
    }
    parent[last] = replacements[operation]
    return document


def _typo(key: str, rng: random.Random) -> str:
    position = rng.randrange(len(key) + 1)
    if rng.random() < 0.5 and len(key) > 1:
        return key[: min(position, len(key) - 1)] + key[min(position, len(key) - 1) + 1 :]
    return key[:position] + rng.choice("sxze_") + key[position:]


def _mutate_slo(path: tuple, operation: str, seed: int, clean: Any = None) -> Any:
    rng = random.Random(seed)
    document = copy.deepcopy(CLEAN_SLO if clean is None else clean)
    parent, last = _parent(document, path), path[-1]
    value = parent[last]
    if operation == "delete":
        del parent[last]
    elif operation == "typo" and isinstance(last, str):
        parent[_typo(last, rng)] = parent.pop(last)
    elif operation == "other":
        parent[last] = _other_value(last if isinstance(last, str) else "", value, rng)
    else:
        parent[last] = {
            "text": str(value),
            "number": rng.choice([0.5, 80, -1, 0]),
            "bool": True,
            "list": [value],
            "empty": [],
            "null": None,
            "typo": value,
        }[operation]
    return document


def _other_value(key: str, value: Any, rng: random.Random) -> Any:
    """Another value of the same kind, valid or not (a new threshold, op, strategy ...)."""
    if key == "threshold":
        return rng.choice([0.0, 0.05, 0.3, 0.79, 0.9, 1.0, 1.5, -0.2])
    if key == "op":
        return rng.choice([">=", ">", "<=", "<", "=>", "=="])
    if key == "metric":
        return rng.choice(["test/minority_f1", "test/pr_auc", "test/recall", "gap/minority_f1"])
    if key == "decision":
        return rng.choice(["point", "ci", "mean"])
    if key == "test":
        return rng.choice(["non_inferiority", "superiority", "equivalence"])
    if key in ("margin", "rope", "alpha"):
        return rng.choice([0.0, 0.01, 0.025, 0.05, 0.3, 0.5, 1.0, -0.01])
    if isinstance(value, str):
        return rng.choice(["adasyn", "smote", "adasynn", "none", value + "x"])
    return value


@contextlib.contextmanager
def _folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def _gate(folder: Path, *argv: str) -> tuple[int, dict, str]:
    """Exit code, gate.json (empty when none was written) and stderr of one in-process gate
    writing to ``folder/gate``; gate.json is removed once read, so the folder can serve again."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = gate_main([*argv, "--out", str(folder / "gate")])
    summary_path = folder / "gate" / "gate.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    summary_path.unlink(missing_ok=True)
    return code, summary, err.getvalue()


def _slo_argv(folder: Path, slo: Any) -> list[str]:
    """``--slo`` with ``slo`` written as ``folder/slo.yaml``."""
    (folder / "slo.yaml").write_text(yaml.safe_dump(slo))
    return ["--slo", str(folder / "slo.yaml")]


def _run_gate(
    folder: Path, record_text: str, slo: Any | None = None, clean: dict | None = None
) -> tuple[int, dict, str]:
    """The gate of one run whose ``result.json`` is ``record_text`` (see :func:`_gate`), in the
    folder ``harness run`` wrote for the ``clean`` record (default: the passing one), with its
    config.yaml and dataset.json."""
    clean = CLEAN_RECORDS["passing"] if clean is None else clean
    run = write_run_dir(folder / "runs", clean)
    (run / "result.json").write_text(record_text)
    return _gate(folder, "--run-dir", str(run), *([] if slo is None else _slo_argv(folder, slo)))


def _view(summary: dict) -> list[tuple]:
    """What the gate checked: name, metric, verdict and value of every gating check (a
    not-applicable check only reports its value, so only its name and verdict count); the
    warnings, which never gate, are compared by :func:`_assert_no_warning_cleared`."""
    return [
        (c["name"], c["metric"], c["verdict"])
        + (() if c["verdict"] == "NOT APPLICABLE" else (c["value"],))
        for c in summary["checks"]
        if c["kind"] != "warning"
    ]


def _warnings(summary: dict) -> dict[tuple, tuple]:
    """Every warning by its position and name (a damaged label may rename the candidate)."""
    warnings = [c for c in summary["checks"] if c["kind"] == "warning"]
    return {(i, c["name"]): (c["verdict"], c["value"]) for i, c in enumerate(warnings)}


def _assert_no_warning_cleared(summary: dict, clean: dict[tuple, tuple], mutation: Any) -> None:
    """A damaged value may raise a warning, never clear one or change what it reports."""
    for key, state in _warnings(summary).items():
        if state != clean.get(key):
            assert state[0] == "WARN", (mutation, key, state, clean.get(key))


CLEAN = {}


def _clean(name: str) -> tuple[int, list[tuple], dict]:
    if name not in CLEAN:
        with _folder() as folder:
            record = CLEAN_RECORDS[name]
            code, summary, _ = _run_gate(folder, json.dumps(record), clean=record)
        CLEAN[name] = (code, _view(summary), _warnings(summary))
    return CLEAN[name]


@st.composite
def record_mutations(draw):
    name = draw(st.sampled_from(sorted(CLEAN_RECORDS)))
    paths = list(document_paths(CLEAN_RECORDS[name]))
    # Half of the mutations hit a metric value, the numbers the verdict rests on.
    metric_paths = [p for p in paths if len(p) == 2 and p[0] == "metrics"]
    path = draw(st.sampled_from(metric_paths) | st.sampled_from(paths))
    operation = draw(st.sampled_from(RECORD_OPERATIONS))
    return name, path, operation


@FUZZ
@given(record_mutations())
def test_a_damaged_record_never_passes_a_gate_its_clean_run_does_not(mutation):
    name, path, operation = mutation
    clean_code, clean_view, clean_warnings = _clean(name)
    assert clean_code == (1 if name == "failing" else 0)
    text = json.dumps(_replace(CLEAN_RECORDS[name], path, operation))
    with _folder() as folder:
        code, summary, err = _run_gate(folder, text, clean=CLEAN_RECORDS[name])
    assert code in (0, 1, 2), err
    if "unexpected" in err:
        assert code == 2
    if clean_code == 1:
        assert code != 0, (path, operation)
    if code == 0:
        # A pass after a mutation only when the gate checked exactly what it checked before.
        assert _view(summary) == clean_view, (path, operation)
    if summary:
        _assert_no_warning_cleared(summary, clean_warnings, (path, operation))


def _expected_checks(slo: dict) -> list[tuple]:
    """What a valid SLO file asks of the passing ADASYN run with one sensitive column:
    name, metric, op, threshold and whether it applies, for every objective, bound, relative
    objective and warning (in the gate's order), plus alpha and rope for a relative one."""
    expected = []
    for objective in slo.get("objectives", []):
        applies = _covers(objective.get("applies_to", ["adasyn"]), "adasyn")
        name = objective.get("name", objective["metric"].replace("/", "_"))
        expected.append(
            (name, objective["metric"], objective["op"], float(objective["threshold"]), applies)
        )
    for bound in slo.get("fairness", []):
        name = f"{bound.get('name', bound['metric'])}[sex]"
        metric = f"fairness/sex/{bound['metric']}"
        applies = _covers(bound.get("applies_to", ["adasyn"]), "adasyn")
        expected.append((name, metric, bound["op"], float(bound["threshold"]), applies))
    relative = slo.get("relative")
    for objective in relative["objectives"] if relative else []:
        name = objective.get("name", objective["metric"].replace("/", "_"))
        margin = float(objective.get("margin", 0.0))
        applies = relative["reference"] != "adasyn" and _covers(
            objective.get("applies_to", ["adasyn"]), "adasyn"
        )
        shown = (name, objective["metric"], ">", -margin if margin else 0.0, applies)
        if applies:
            shown += (float(relative["alpha"]), float(objective.get("rope", margin)))
        expected.append(shown)
    for warning in slo.get("warnings", []):
        name = warning.get("name", warning["metric"].replace("/", "_"))
        applies = _covers(warning.get("applies_to", ["adasyn"]), "adasyn")
        expected.append(
            (name, warning["metric"], warning["op"], float(warning["threshold"]), applies)
        )
    return expected


def _shown(checks: list[dict]) -> list[tuple]:
    """The counterpart of :func:`_expected_checks` in a gate.json check list."""
    shown = []
    for c in checks:
        row = (c["name"], c["metric"], c["op"], c["threshold"], c["verdict"] != "NOT APPLICABLE")
        if c["kind"] == "relative" and row[-1]:
            row += (c["comparison"]["alpha"], c["comparison"]["rope"])
        shown.append(row)
    return shown


def _shape_is_valid(slo: Any) -> bool:
    """Whether every key of the file is one the format allows (a typo never is)."""
    if not isinstance(slo, dict) or set(slo) - set(TOP_KEYS):
        return False
    sections = [*slo.get("objectives", []), *slo.get("fairness", []), *slo.get("warnings", [])]
    if any(not isinstance(o, dict) or set(o) - set(OBJECTIVE_KEYS) for o in sections):
        return False
    relative = slo.get("relative") or {}
    if not isinstance(relative, dict) or set(relative) - set(RELATIVE_KEYS):
        return False
    if any(
        not isinstance(o, dict) or set(o) - set(RELATIVE_OBJECTIVE_KEYS)
        for o in relative.get("objectives") or []
    ):
        return False
    serving = slo.get("serving") or {}
    if not isinstance(serving, dict) or set(serving) - set(SERVING_KEYS):
        return False
    alerts = serving.get("burn_rate_alerts") or []
    return all(isinstance(a, dict) and not set(a) - set(ALERT_KEYS) for a in alerts)


@st.composite
def slo_mutations(draw):
    path = draw(st.sampled_from(list(document_paths(CLEAN_SLO))))
    operation = draw(st.sampled_from(SLO_OPERATIONS))
    return path, operation, draw(st.integers(0, 2**16))


@FUZZ
@given(slo_mutations())
def test_a_mutated_slo_file_is_refused_or_shows_in_the_checks(mutation):
    path, operation, seed = mutation
    slo = _mutate_slo(path, operation, seed)
    with _folder() as folder:
        code, summary, err = _run_gate(folder, json.dumps(CLEAN_RECORDS["passing"]), slo)
    assert code in (0, 1, 2), err
    if code == 2:  # refused by the SLO reader, naming the file and the field
        assert err.startswith("error: SLO file") and "unexpected" not in err, err
        return
    assert _shape_is_valid(slo), (path, operation, "accepted a file with an unknown key")
    checks = [c for c in summary["checks"] if c["kind"] not in ("run", "regression")]
    assert _shown(checks) == _expected_checks(slo), (path, operation)


@pytest.mark.parametrize(
    "target",
    [
        "harness.gate.gate.gc.status_check",
        "harness.gate.gate.gc.slo_checks",
        "harness.gate.gate.gc.fairness_checks",
        "harness.gate.gate.gc.warning_checks",
        "harness.gate.gate.relative_checks",
        "harness.runs.read_folds",
        "harness.gate.gate.regression_checks",
        # The command imports these when it runs (its --help imports no gate), so they are
        # replaced where they are defined.
        "harness.slo.load_slo_set",
        "harness.gate.report.write_outputs",
        "harness.gate.report.to_terminal",
        "harness.gate.selection.incomplete_jobs",
        "harness.gate.sources.check_record",
    ],
)
@pytest.mark.parametrize("error", [ZeroDivisionError, KeyError, OSError, RecursionError])
def test_a_crash_anywhere_inside_the_gate_is_exit_2(target, error, monkeypatch, tmp_path):
    def crash(*args, **kwargs):
        raise error("injected")

    monkeypatch.setattr(target, crash)
    baseline = tmp_path / "baseline"
    baseline.mkdir()
    (baseline / "result.json").write_text(json.dumps(make_record()))
    # A study with a reference job, gated with the relative set: every part of the gate runs.
    study = write_study(tmp_path / "study", _study_folds(better=True))
    argv = ["--run-dir", str(study), "--baseline-run-dir", str(baseline), "--slo", "relative"]
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        assert gate_main(argv) == 2
    assert len(err.getvalue().strip().splitlines()) == 1


def test_the_command_agrees_with_the_in_process_gate(tmp_path):
    """Two fuzz cases through `harness gate` in a subprocess: same exit code as in-process."""
    record = _replace(CLEAN_RECORDS["passing"], ("metrics", "gap/minority_recall"), "above")
    slo = _mutate_slo(("objectives", 3, "threshold"), "typo", seed=3)
    codes = []
    for index, (text, slo_file) in enumerate([(json.dumps(record), None), (None, slo)]):
        folder = tmp_path / str(index)
        folder.mkdir()
        code, _, _ = _run_gate(folder, text or json.dumps(CLEAN_RECORDS["passing"]), slo_file)
        args = ["--run-dir", next((folder / "runs").iterdir())]
        if slo_file is not None:
            args += ["--slo", folder / "slo.yaml"]
        assert harness_gate(*args).returncode == code
        codes.append(code)
    assert codes == [1, 2]  # a gap of 5.0 fails its check; a key typo is refused


# -- relative objectives: damaged folds and fold sizes, mutated relative sets ------------------

CLEAN_RELATIVE_SLO = yaml.safe_load((CONF_SLO_DIR / "relative.yaml").read_text())
STUDY_JOBS = ("none", "adasyn")
FOLD_OPERATIONS = ("nan", "inf", "-inf", "above", "below", "text", "bool", "empty")
TABLE_OPERATIONS = ("delete_row", "duplicate_row", "delete_column")
#: Fields of result.json the relative checks read besides the metrics.
PAIRING_FIELDS = ("n_train", "n_test", "dataset_digest", "seed", "dataset", "model", "strategy")


def _study_folds(better: bool) -> dict[str, dict[str, list[float]]]:
    """Fold columns of `none` and `adasyn`: adasyn clearly better (or worse) on both metrics;
    a third column no relative objective reads."""
    shift = 0.08 if better else -0.08
    none = {
        "test/pr_auc": fold_scores(0.60, 0.01, seed=1),
        "test/recall_at_precision": fold_scores(0.40, 0.01, seed=2),
        "time/fit_seconds": [0.01] * 10,
    }
    adasyn = {
        key: [v + shift + n for v, n in zip(values, fold_scores(0.0, 0.01, seed=3), strict=True)]
        for key, values in none.items()
        if key != "time/fit_seconds"
    }
    adasyn["time/fit_seconds"] = [0.02] * 10
    return {"none": none, "adasyn": adasyn}


CLEAN_STUDIES = {"passing": _study_folds(better=True), "failing": _study_folds(better=False)}


def _gate_study(folder: Path, slo: Any = None) -> tuple[int, dict, str]:
    """The gate of the study in ``folder/study`` on ``slo`` (the ``relative`` set by default)."""
    slo_argv = ["--slo", "relative"] if slo is None else _slo_argv(folder, slo)
    return _gate(folder, "--run-dir", str(folder / "study"), *slo_argv)


CLEAN_STUDY_GATES: dict[str, tuple[int, list[tuple], dict]] = {}


def _clean_study(name: str) -> tuple[int, list[tuple], dict]:
    if name not in CLEAN_STUDY_GATES:
        with _folder() as folder:
            write_study(folder / "study", CLEAN_STUDIES[name])
            code, summary, _ = _gate_study(folder)
        CLEAN_STUDY_GATES[name] = (code, _view(summary), _warnings(summary))
    return CLEAN_STUDY_GATES[name]


def _damage_folds(path: Path, operation: str, row: int, column: int) -> None:
    import pandas as pd

    table = pd.read_csv(path).astype(object)
    name = table.columns[column % len(table.columns)]
    row %= len(table)
    if operation == "delete_row":
        table = table.drop(index=row)
    elif operation == "duplicate_row":
        table = pd.concat([table, table.iloc[[row]]])
    elif operation == "delete_column":
        table = table.drop(columns=[name])
    else:
        table.loc[row, name] = {
            "nan": "nan",
            "inf": "inf",
            "-inf": "-inf",
            "above": 5.0,
            "below": -3.0,
            "text": "abc",
            "bool": True,
            "empty": "",
        }[operation]
    table.to_csv(path, index=False)


@st.composite
def study_mutations(draw):
    name = draw(st.sampled_from(sorted(CLEAN_STUDIES)))
    job = draw(st.sampled_from(STUDY_JOBS))
    if draw(st.booleans()):
        operation = draw(st.sampled_from(FOLD_OPERATIONS + TABLE_OPERATIONS))
        where = (draw(st.integers(0, 20)), draw(st.integers(0, 20)))
        return name, job, "folds", operation, where
    field = draw(st.sampled_from(PAIRING_FIELDS))
    operation = draw(st.sampled_from((*RECORD_OPERATIONS, "zero")))
    return name, job, "record", operation, field


@settings(FUZZ, max_examples=250)
@given(study_mutations())
def test_a_damaged_study_never_passes_a_relative_gate_its_clean_study_does_not(mutation):
    name, job, target, operation, where = mutation
    clean_code, clean_view, clean_warnings = _clean_study(name)
    assert clean_code == (0 if name == "passing" else 1)
    with _folder() as folder:
        study = write_study(folder / "study", CLEAN_STUDIES[name])
        job_dir = next((study / "jobs").glob(f"pima__{job}__*"))
        if target == "folds":
            _damage_folds(job_dir / "folds.csv", operation, *where)
        else:
            record = json.loads((job_dir / "result.json").read_text())
            if operation == "zero":
                record[where] = 0
                damaged = record
            else:
                damaged = _replace(record, (where,), operation)
            (job_dir / "result.json").write_text(json.dumps(damaged))
        code, summary, err = _gate_study(folder)
    assert code in (0, 1, 2), err
    if "unexpected" in err:
        assert code == 2, err
    if clean_code == 1:
        assert code != 0, mutation
    if code == 0:
        assert _view(summary) == clean_view, mutation
    if summary:
        _assert_no_warning_cleared(summary, clean_warnings, mutation)


@st.composite
def relative_slo_mutations(draw):
    path = draw(st.sampled_from(list(document_paths(CLEAN_RELATIVE_SLO))))
    operation = draw(st.sampled_from(SLO_OPERATIONS))
    return path, operation, draw(st.integers(0, 2**16))


@settings(FUZZ, max_examples=250)
@given(relative_slo_mutations())
def test_a_mutated_relative_set_is_refused_or_shows_in_the_checks(mutation):
    path, operation, seed = mutation
    slo = _mutate_slo(path, operation, seed, clean=CLEAN_RELATIVE_SLO)
    with _folder() as folder:
        write_study(folder / "study", CLEAN_STUDIES["passing"])
        code, summary, err = _gate_study(folder, slo)
    assert code in (0, 1, 2), err
    if code == 2:
        assert err.startswith("error: SLO file") and "unexpected" not in err, err
        return
    assert _shape_is_valid(slo), (path, operation, "accepted a file with an unknown key")
    checks = [
        c
        for c in summary["checks"]
        if c["kind"] not in ("run", "regression") and c["candidate"].startswith("pima/adasyn/")
    ]
    assert _shown(checks) == _expected_checks(slo), (path, operation)


# -- records tied to their folder, keys said once, SLO sets that apply to something ------------

#: Fields of a record that name its job; a change in any is a record of another job.
LABEL_FIELDS = ("dataset", "resampler", "model", "seed", "strategy", "run_key")
LABEL_FIELDS += ("dataset_digest", "experiment")
OTHER_VALUES = ("pima", "vowel0", "adasyn", "smote", "none", "ros", "quick", "", "x" * 64, 0, 7)


@st.composite
def relabellings(draw):
    name = draw(st.sampled_from(sorted(CLEAN_RECORDS)))
    field = draw(st.sampled_from(LABEL_FIELDS))
    value = draw(st.sampled_from(OTHER_VALUES).filter(lambda v: v != CLEAN_RECORDS[name][field]))
    return name, field, value


@settings(FUZZ, max_examples=120)
@given(relabellings())
def test_a_relabelled_record_is_never_gated(mutation):
    name, field, value = mutation
    record = {**CLEAN_RECORDS[name], field: value}
    with _folder() as folder:
        code, _, err = _run_gate(folder, json.dumps(record), clean=CLEAN_RECORDS[name])
    assert code == 2, (mutation, err)


def _with_duplicate(document: Any, path: tuple, value: Any, first: bool, marker: str) -> str:
    """``document`` as text with the last key of ``path`` written twice in its object: the
    copy holds ``value`` and stands before (``first``) or after the original."""
    document = copy.deepcopy(document)
    parent = _parent(document, path)
    items = list(parent.items())
    items.insert(0 if first else len(items), (marker, value))
    parent.clear()
    parent.update(items)
    return json.dumps(document)


@st.composite
def duplications(draw):
    name = draw(st.sampled_from(sorted(CLEAN_RECORDS)))
    path = draw(st.sampled_from(list(document_paths(CLEAN_RECORDS[name], keys_only=True))))
    value = draw(st.sampled_from([0.01, 0.99, None, "none", [0.0, 1.0], {"a": 1}]))
    return name, path, value, draw(st.booleans())


@settings(FUZZ, max_examples=120)
@given(duplications())
def test_a_record_with_a_key_twice_is_never_gated(mutation):
    name, path, value, first = mutation
    marker = "__duplicate_key__"
    text = _with_duplicate(CLEAN_RECORDS[name], path, value, first, marker)
    text = text.replace(json.dumps(marker), json.dumps(path[-1]), 1)
    with _folder() as folder:
        code, _, err = _run_gate(folder, text, clean=CLEAN_RECORDS[name])
    assert code == 2 and "appears twice" in err, (mutation, err)


@st.composite
def slo_duplications(draw):
    path = draw(st.sampled_from(list(document_paths(CLEAN_SLO, keys_only=True))))
    return path, draw(st.sampled_from([0.1, 0.99, ">=", "<=", None, "x"])), draw(st.booleans())


@settings(FUZZ, max_examples=120)
@given(slo_duplications())
def test_an_slo_file_with_a_key_twice_is_refused(mutation):
    path, value, first = mutation
    marker = "duplicate_key_marker"
    text = yaml.safe_dump(json.loads(_with_duplicate(CLEAN_SLO, path, value, first, marker)))
    text = text.replace(f"{marker}:", f"{path[-1]}:", 1)
    with _folder() as folder:
        (folder / "slo.yaml").write_text(text)
        run = write_run_dir(folder / "runs", CLEAN_RECORDS["passing"])
        code, _, err = _gate(folder, "--run-dir", str(run), "--slo", str(folder / "slo.yaml"))
    assert code == 2 and "appears twice" in err, (mutation, err)


STRATEGY_NAMES = ("adasyn", "smote", "ros", "class_weight", "none", "adasyn_nc", "smote_nc")
STRATEGY_NAMES += ("oversampler", "interpolating", "baseline")


def _covers(names: list[str], kind: str) -> bool:
    from harness.resample.registry import kinds_named

    return any(kind in kinds_named(name) for name in names)


@st.composite
def slo_sets_that_apply_to_nothing(draw):
    name = draw(st.sampled_from(["passing", "failing", "reference"]))
    kind = CLEAN_RECORDS[name]["strategy"]
    others = [n for n in STRATEGY_NAMES if not _covers([n], kind)]
    objectives = []
    for index in range(draw(st.integers(1, 3))):
        applies_to = draw(st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True))
        objectives.append(
            {
                "name": f"o{index}",
                "metric": draw(st.sampled_from(["test/minority_recall", "gap/minority_recall"])),
                "op": ">=",
                "threshold": draw(st.sampled_from([0.0, 0.5, 0.99])),
                "applies_to": applies_to,
            }
        )
    return name, {"name": "nothing", "objectives": objectives}


@settings(FUZZ, max_examples=60)
@given(slo_sets_that_apply_to_nothing())
def test_an_slo_set_that_applies_to_no_run_is_never_a_verdict(case):
    name, slo = case
    with _folder() as folder:
        code, summary, err = _run_gate(
            folder, json.dumps(CLEAN_RECORDS[name]), slo, clean=CLEAN_RECORDS[name]
        )
    assert code == 2 and "nothing to judge" in err, (case, err)
    # One objective that applies makes it a verdict again: the rule is not a blanket refusal.
    slo["objectives"].append({k: v for k, v in slo["objectives"][0].items() if k != "applies_to"})
    slo["objectives"][-1]["name"] = "applies"
    with _folder() as folder:
        code, _, err = _run_gate(
            folder, json.dumps(CLEAN_RECORDS[name]), slo, clean=CLEAN_RECORDS[name]
        )
    assert code in (0, 1), (case, err)
