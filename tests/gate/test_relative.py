"""Relative objectives: every strategy against the reference strategy on paired folds.

The statistics are recomputed here from the fold values with independent code (the formulas
with ``scipy.stats.t`` and Holm's step-down by hand), and every way the comparison can go wrong
fails the check (or stops the gate with exit 2 for a malformed file), never passes it.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from harness.commands.gate import gate_main
from harness.gate.relative import MIN_PAIRED_FOLDS, relative_checks
from harness.gate.sources import candidate_from_record, load_results
from harness.runs import ExperimentFolder, RunFolder, read_folds
from harness.slo import parse_slo_set
from tests.gate.conftest import (
    FOLD_PAIRS,
    harness_gate,
    job_name,
    make_record,
    write_experiment,
    write_folds,
    write_study,
)

N_TRAIN, N_TEST = 614, 154  # as make_record records them
J = len(FOLD_PAIRS)
FACTOR = 1 / J + N_TEST / N_TRAIN
ALPHA = 0.025
PR_AUC, RECALL = "test/pr_auc", "test/recall_at_precision"
RELATIVE_SLO = {
    "name": "rel",
    "relative": {
        "reference": "none",
        "alpha": ALPHA,
        "objectives": [
            {
                "name": "pr_auc_not_worse",
                "metric": PR_AUC,
                "test": "non_inferiority",
                "margin": 0.02,
            },
            {"name": "recall_better", "metric": RECALL, "test": "superiority", "rope": 0.01},
        ],
    },
}
#: Fixed fold noise with mean exactly 0 and standard deviation (ddof=1) exactly 1.
_RAW = np.random.default_rng(7).normal(size=J)
NOISE = (_RAW - _RAW.mean()) / _RAW.std(ddof=1)
BASE = 0.5 + 0.05 * np.random.default_rng(8).normal(size=J)


def with_p(p_value: float, *, sd: float = 0.02, margin: float = 0.0) -> list[float]:
    """Candidate fold scores whose one-sided corrected t-test against BASE has ``p_value``
    (for H0: difference <= -margin)."""
    t = stats.t.isf(p_value, J - 1)
    mean = t * sd * math.sqrt(FACTOR) - margin
    return list(BASE + mean + sd * NOISE)


def _slo_file(tmp_path: Path, raw: dict | None = None) -> Path:
    path = tmp_path / "relative.yaml"
    path.write_text(yaml.safe_dump(raw or RELATIVE_SLO))
    return path


def _gate(
    tmp_path: Path, folder: Path, *extra: Any, slo: dict | str | None = None
) -> tuple[int, dict]:
    """Exit code and gate.json of one in-process gate of ``folder`` (``slo``: a set's name, or
    the mapping of an SLO file; RELATIVE_SLO by default)."""
    out = tmp_path / "gate"
    slo_arg = slo if isinstance(slo, str) else str(_slo_file(tmp_path, slo))
    argv = ["--run-dir", str(folder), "--slo", slo_arg, "--out", str(out)]
    argv += [str(a) for a in extra]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = gate_main(argv)
    summary = out / "gate.json"
    return code, json.loads(summary.read_text()) if summary.is_file() else {}


def _relative(summary: dict, name: str, strategy: str) -> dict:
    (check,) = [
        c
        for c in summary["checks"]
        if c["kind"] == "relative" and c["name"] == name and f"/{strategy}/" in c["candidate"]
    ]
    return check


def _columns(pr_auc, recall) -> dict[str, list[float]]:
    return {PR_AUC: list(pr_auc), RECALL: list(recall)}


def _two_jobs(tmp_path: Path, candidate=None, reference=None) -> Path:
    """A study of `none` and `adasyn`, adasyn clearly better on both metrics."""
    return write_study(
        tmp_path / "study",
        {
            "none": reference or _columns(BASE, BASE),
            "adasyn": candidate or _columns(with_p(0.001, margin=0.02), with_p(0.001)),
        },
    )


def _job(folder: Path, kind: str) -> Path:
    return ExperimentFolder(folder).job(job_name(make_record(resampler=kind))).path


# -- independent recomputation ----------------------------------------------------------------


def independent(a, b, *, margin: float = 0.0, alpha: float = ALPHA) -> dict[str, float]:
    """Mean difference, corrected (1 - 2 alpha) CI and one-sided p, from the formulas."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    mean, sd = float(np.mean(d)), float(np.std(d, ddof=1))
    se = sd * math.sqrt(1 / len(d) + N_TEST / N_TRAIN)
    quantile = stats.t.ppf(1 - alpha, len(d) - 1)
    p = float(stats.t.sf((mean + margin) / se, len(d) - 1))
    # The opposite one-sided test (H1: difference < -margin): the data show the objective missed.
    p_missed = float(stats.t.cdf((mean + margin) / se, len(d) - 1))
    return {
        "effect": mean,
        "ci_low": mean - quantile * se,
        "ci_high": mean + quantile * se,
        "p": p,
        "p_missed": p_missed,
    }


def holm_by_hand(p_values: list[float]) -> list[float]:
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _three_strategies(tmp_path: Path) -> tuple[Path, dict[str, dict[str, list[float]]]]:
    folds = {
        "none": _columns(BASE, BASE),
        "adasyn": _columns(with_p(0.001, margin=0.02), with_p(0.001)),
        "smote": _columns(with_p(0.012, margin=0.02), with_p(0.015)),
        "ros": _columns(with_p(0.3, margin=0.02), with_p(0.3)),
    }
    return write_study(tmp_path / "study", folds), folds


def test_statistics_agree_with_an_independent_recomputation(tmp_path):
    folder, folds = _three_strategies(tmp_path)
    code, summary = _gate(tmp_path, folder)
    assert code == 1
    for name, metric, margin in (("pr_auc_not_worse", PR_AUC, 0.02), ("recall_better", RECALL, 0)):
        expected = {
            kind: independent(folds[kind][metric], folds["none"][metric], margin=margin)
            for kind in ("adasyn", "smote", "ros")
        }
        adjusted = holm_by_hand([expected[k]["p"] for k in ("adasyn", "smote", "ros")])
        missed = holm_by_hand([expected[k]["p_missed"] for k in ("adasyn", "smote", "ros")])
        for kind, p_adjusted, p_missed in zip(
            ("adasyn", "smote", "ros"), adjusted, missed, strict=True
        ):
            check = _relative(summary, name, kind)
            comparison = check["comparison"]
            assert comparison["effect"] == pytest.approx(expected[kind]["effect"], abs=1e-12)
            assert check["value"] == pytest.approx(expected[kind]["effect"], abs=1e-12)
            assert comparison["ci_low"] == pytest.approx(expected[kind]["ci_low"], abs=1e-12)
            assert comparison["ci_high"] == pytest.approx(expected[kind]["ci_high"], abs=1e-12)
            assert comparison["p_value"] == pytest.approx(expected[kind]["p"], abs=1e-12)
            assert comparison["p_adjusted"] == pytest.approx(p_adjusted, abs=1e-12)
            assert comparison["family_size"] == 3 and comparison["n_pairs"] == J
            assert comparison["confidence"] == pytest.approx(1 - 2 * ALPHA)
            assert comparison["p_missed"] == pytest.approx(expected[kind]["p_missed"], abs=1e-12)
            assert comparison["p_missed_adjusted"] == pytest.approx(p_missed, abs=1e-12)
            # Three verdicts: met, missed, or the data cannot tell.
            if p_adjusted < ALPHA:
                assert check["verdict"] == "PASS"
            elif p_missed < ALPHA:
                assert check["verdict"] == "FAIL"
            else:
                assert check["verdict"] == "INCONCLUSIVE"
                assert "smallest" in check["detail"]
            bayes = [comparison[k] for k in ("p_candidate_better", "p_equivalent")]
            bayes.append(comparison["p_reference_better"])
            assert sum(bayes) == pytest.approx(1.0) and all(0 <= b <= 1 for b in bayes)
            assert f"P({kind} better) = " in check["detail"]
            assert "P(equivalent) = " in check["detail"] and "P(none better) = " in check["detail"]
    # Raw p-values built to be 0.001, 0.015 and 0.3: Holm turns 0.015 into 0.03 >= 0.025.
    recall = {k: _relative(summary, "recall_better", k) for k in ("adasyn", "smote", "ros")}
    verdicts = [recall[k]["verdict"] for k in ("adasyn", "smote", "ros")]
    assert verdicts == ["PASS", "INCONCLUSIVE", "INCONCLUSIVE"]
    assert recall["smote"]["comparison"]["p_value"] == pytest.approx(0.015, abs=1e-9)
    assert recall["smote"]["comparison"]["p_adjusted"] == pytest.approx(0.03, abs=1e-9)
    assert "significant alone, not after the adjustment" in recall["smote"]["detail"]
    assert "corrected 95% CI" in recall["adasyn"]["detail"]


def test_non_inferiority_is_the_lower_ci_bound_above_minus_the_margin_for_one_strategy(tmp_path):
    """With one strategy (no adjustment) the test and the interval rule agree."""
    for p_value in (0.01, 0.02, 0.03, 0.2):
        folder = _two_jobs(
            tmp_path / str(p_value),
            candidate=_columns(with_p(p_value, margin=0.02), with_p(0.001)),
        )
        _, summary = _gate(tmp_path / str(p_value), folder)
        check = _relative(summary, "pr_auc_not_worse", "adasyn")
        lower_bound_above = check["comparison"]["ci_low"] > -0.02
        assert (check["verdict"] == "PASS") == lower_bound_above == (p_value < ALPHA)
        assert check["threshold"] == -0.02 and check["op"] == ">"


def test_the_reference_is_not_applicable_and_a_filter_keeps_the_whole_family(tmp_path, capsys):
    folder, _ = _three_strategies(tmp_path)
    _, summary = _gate(tmp_path, folder)
    for name in ("pr_auc_not_worse", "recall_better"):
        check = _relative(summary, name, "none")
        assert check["verdict"] == "NOT APPLICABLE"
        assert "reference strategy (none)" in check["detail"]
    whole = _relative(summary, "recall_better", "smote")["comparison"]
    # Gating only smote: its reference and its Holm family are still found in the folder.
    code, alone = _gate(tmp_path, folder, "--resampler", "smote")
    assert alone["candidates"] == ["pima/smote/decision_tree s0"]
    assert _relative(alone, "recall_better", "smote")["comparison"] == whole
    code, adasyn = _gate(tmp_path, folder, "--resampler", "adasyn")
    assert code == 0
    assert _relative(adasyn, "recall_better", "adasyn")["comparison"]["family_size"] == 3


def test_a_failed_strategy_counts_in_the_family_with_p_1(tmp_path):
    folder = write_study(
        tmp_path / "study",
        {"none": _columns(BASE, BASE), "adasyn": _columns(BASE, with_p(0.02))},
    )
    failed = make_record(resampler="smote", status="failed")
    records = [make_record(resampler=k) for k in ("none", "adasyn")] + [failed]
    write_experiment(folder, records)  # the manifest now lists the failed job too
    _, summary = _gate(tmp_path, folder)
    adasyn = _relative(summary, "recall_better", "adasyn")["comparison"]
    assert adasyn["family_size"] == 2
    assert adasyn["p_adjusted"] == pytest.approx(min(1.0, 2 * adasyn["p_value"]), abs=1e-12)
    smote = _relative(summary, "recall_better", "smote")
    assert smote["verdict"] == "NOT APPLICABLE" and "the run failed" in smote["detail"]


def test_a_metric_where_smaller_is_better_compares_the_improvement(tmp_path):
    slo = {
        "relative": {
            "reference": "none",
            "alpha": ALPHA,
            "objectives": [
                {"name": "brier_better", "metric": "test/brier", "test": "superiority", "rope": 0}
            ],
        }
    }
    lower = list(2 * BASE - np.asarray(with_p(0.001)))  # BASE minus the improvement
    folder = write_study(
        tmp_path / "study",
        {"none": {"test/brier": list(BASE)}, "adasyn": {"test/brier": lower}},
    )
    code, summary = _gate(tmp_path, folder, slo=slo)
    check = _relative(summary, "brier_better", "adasyn")
    expected = independent(BASE, lower)  # reference minus candidate
    assert check["comparison"]["effect"] == pytest.approx(expected["effect"], abs=1e-12)
    assert check["comparison"]["effect"] > 0 and check["verdict"] == "PASS"
    assert "smaller is better" in check["detail"]
    assert code == 0


def test_identical_scores_say_the_test_is_degenerate(tmp_path):
    folder = _two_jobs(tmp_path, candidate=_columns(BASE, BASE))
    _, summary = _gate(tmp_path, folder)
    recall = _relative(summary, "recall_better", "adasyn")
    assert recall["verdict"] == "FAIL" and "zero variance" in recall["detail"]
    not_worse = _relative(summary, "pr_auc_not_worse", "adasyn")
    assert not_worse["verdict"] == "PASS" and "zero variance" in not_worse["detail"]


# -- fail closed --------------------------------------------------------------------------------


def _drop_reference(tmp_path):
    return write_study(tmp_path / "study", {"adasyn": _columns(with_p(0.001), with_p(0.001))})


def _rewrite_folds(kind, change):
    def build(tmp_path):
        folder = _two_jobs(tmp_path)
        path = RunFolder(_job(folder, kind)).folds
        table = pd.read_csv(path)
        changed = change(table)  # a new table, or None when changed in place
        (table if changed is None else changed).to_csv(path, index=False)
        return folder

    return build


def _rewrite_record(kind, change):
    def build(tmp_path):
        folder = _two_jobs(tmp_path)
        job = RunFolder(_job(folder, kind))
        record = job.load_record()
        change(record)
        job.write_record(record)
        summary = job.read_dataset_summary()
        if summary is not None and record.get("dataset_digest") is not None:
            # The folder's data summary moves with the record: the job really ran on that data.
            job.dataset.write_text(json.dumps({**summary, "digest": record["dataset_digest"]}))
        return folder

    return build


def _set(table, column, row, value):
    table[column] = table[column].astype(object if isinstance(value, str) else float)
    table.loc[row, column] = value


def _few_folds(tmp_path):
    folder = _two_jobs(tmp_path)
    for kind in ("none", "adasyn"):
        path = RunFolder(_job(folder, kind)).folds
        pd.read_csv(path).head(MIN_PAIRED_FOLDS - 1).to_csv(path, index=False)
    return folder


FAILS = {
    "no reference job": (_drop_reference, "no job of the reference strategy 'none'"),
    "folds do not pair": (
        _rewrite_folds("adasyn", lambda t: t.drop(index=3)),
        "the folds do not pair",
    ),
    "fold renumbered": (
        _rewrite_folds("adasyn", lambda t: t.loc.__setitem__((0, "fold"), 9)),
        "the folds do not pair",
    ),
    "metric column missing": (
        _rewrite_folds("none", lambda t: t.drop(columns=[PR_AUC, RECALL])),
        "is not a column of the folds.csv",
    ),
    "NaN fold value": (
        _rewrite_folds("adasyn", lambda t: _set(t, RECALL, 2, math.nan)),
        "NaN, infinite or outside [0, 1] in 1 fold(s) (repeat 0 fold 2: nan)",
    ),
    "infinite fold value": (
        _rewrite_folds("none", lambda t: _set(t, PR_AUC, 0, math.inf)),
        "NaN, infinite or outside",
    ),
    "fold value out of range": (
        _rewrite_folds("none", lambda t: _set(t, RECALL, 5, 1.5)),
        "outside [0, 1]",
    ),
    "empty metric column": (
        _rewrite_folds("adasyn", lambda t: _set(t, RECALL, slice(None), math.nan)),
        "in 10 fold(s)",
    ),
    "n_train missing": (
        _rewrite_record("adasyn", lambda r: r.pop("n_train")),
        "records no n_train / n_test",
    ),
    "fold sizes differ": (
        _rewrite_record("none", lambda r: r.update(n_test=100)),
        "the folds differ in size",
    ),
    "different data": (
        _rewrite_record("none", lambda r: r.update(dataset_digest="0" * 64)),
        "different data",
    ),
    "reference job failed": (
        _rewrite_record("none", lambda r: r.update(status="failed", error="ValueError: boom")),
        "the reference job pima/none/decision_tree s0 failed",
    ),
    "too few folds": (_few_folds, "cannot reach significance with fewer than 3"),
}


@pytest.mark.parametrize("case", list(FAILS))
def test_what_cannot_be_compared_fails_with_the_reason(case, tmp_path):
    build, words = FAILS[case]
    code, summary = _gate(tmp_path, build(tmp_path))
    assert code == 1
    checks = [
        c for c in summary["checks"] if c["kind"] == "relative" and "/adasyn/" in c["candidate"]
    ]
    failing = [c for c in checks if words in c["detail"]]
    assert failing, [c["detail"] for c in checks]
    assert all(c["verdict"] == "FAIL" for c in failing)
    assert all(c["comparison"]["p_adjusted"] == 1.0 for c in failing)


def _raw_folds(text):
    def build(tmp_path):
        folder = _two_jobs(tmp_path)
        RunFolder(_job(folder, "adasyn")).folds.write_text(text)
        return folder

    return build


MALFORMED = {
    "text in a metric column": (
        _rewrite_folds("adasyn", lambda t: _set(t, PR_AUC, 4, "high")),
        f"column '{PR_AUC}' holds values that are not numbers",
    ),
    "booleans in a metric column": (
        _rewrite_folds("adasyn", lambda t: t.__setitem__(RECALL, True)),
        "holds values that are not numbers",
    ),
    "no repeat column": (
        _rewrite_folds("none", lambda t: t.drop(columns=["repeat"])),
        "has no column 'repeat'",
    ),
    "fractional fold number": (
        _rewrite_folds("none", lambda t: _set(t, "fold", 1, 0.5)),
        "column 'fold' holds values that are not integers",
    ),
    "fold pair twice": (
        _rewrite_folds("adasyn", lambda t: t.loc.__setitem__((1, "fold"), 0)),
        "lists a (repeat, fold) pair twice",
    ),
    "not a CSV": (_raw_folds('repeat,fold\n0,"0\n'), "cannot be read as CSV"),
    "empty file": (_raw_folds(""), "cannot be read as CSV"),
    "n_train as text": (
        _rewrite_record("adasyn", lambda r: r.update(n_train="614")),
        "n_train = '614' in result.json is not a positive number",
    ),
    "n_test zero": (
        _rewrite_record("none", lambda r: r.update(n_test=0)),
        "n_test = 0 in result.json is not a positive number",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_input_stops_the_gate_with_exit_2(case, tmp_path, capsys):
    build, words = MALFORMED[case]
    folder = build(tmp_path)
    argv = ["--run-dir", str(folder), "--slo", str(_slo_file(tmp_path))]
    assert gate_main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "rerun the job" in err and len(err.strip().splitlines()) == 1


def test_read_folds_indexes_by_repeat_and_fold(tmp_path):
    path = write_folds(tmp_path / "job", {PR_AUC: list(BASE)})
    table = read_folds(path)
    assert list(table.index) == list(FOLD_PAIRS)
    assert read_folds(tmp_path / "nowhere" / "folds.csv") is None


# -- where the reference job is found -----------------------------------------------------------


def _experiment(folder: Path, kinds: tuple[str, ...], seed: int = 0) -> Path:
    records = [make_record(resampler=k, seed=seed) for k in kinds]
    write_experiment(folder, records)
    for record in records:
        values = BASE if record["resampler"] == "none" else with_p(0.001, margin=0.02)
        columns = _columns(values, BASE if record["resampler"] == "none" else with_p(0.001))
        write_folds(ExperimentFolder(folder).job(job_name(record)).path, columns)
    return folder


def test_the_reference_job_is_found_in_a_sibling_experiment_of_a_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    _experiment(sweep / "0", ("adasyn",))
    _experiment(sweep / "1", ("none",))
    code, summary = _gate(tmp_path, sweep)
    assert code == 0
    check = _relative(summary, "recall_better", "adasyn")
    assert check["verdict"] == "PASS"
    assert check["comparison"]["reference"] == "pima/none/decision_tree s0"


def test_the_reference_of_the_same_seed_and_own_experiment_is_chosen(tmp_path):
    sweep = tmp_path / "sweep"
    _experiment(sweep / "0", ("none", "adasyn"))
    _experiment(sweep / "1", ("none", "adasyn"))
    _experiment(sweep / "2", ("none",), seed=1)
    code, summary = _gate(tmp_path, sweep)
    assert code == 0
    for check in (c for c in summary["checks"] if c["kind"] == "relative"):
        if check["verdict"] != "NOT APPLICABLE":
            assert check["comparison"]["family_size"] == 1


def test_two_reference_jobs_elsewhere_are_ambiguous(tmp_path):
    sweep = tmp_path / "sweep"
    _experiment(sweep / "0", ("adasyn",))
    _experiment(sweep / "1", ("none",))
    _experiment(sweep / "2", ("none",))
    code, summary = _gate(tmp_path, sweep)
    assert code == 1
    check = _relative(summary, "recall_better", "adasyn")
    assert check["verdict"] == "FAIL" and "2 jobs of the reference strategy" in check["detail"]


def test_a_run_read_from_mlflow_has_no_folds_to_pair(tmp_path):
    folder = _two_jobs(tmp_path)
    on_disk = {c.strategy: c for c in load_results(folder)}
    from_store = candidate_from_record(make_record(resampler="adasyn"), mlflow_run_id="abc")
    slo = parse_slo_set(RELATIVE_SLO)
    (checks,) = relative_checks([from_store], [from_store, on_disk["none"]], slo)
    assert {c.verdict for c in checks} == {"FAIL"}
    assert all("without its run folder" in c.detail for c in checks)


def test_a_set_without_relative_objectives_adds_no_check(tmp_path):
    folder = _two_jobs(tmp_path)
    candidates = load_results(folder)
    slo = parse_slo_set({"objectives": [{"metric": PR_AUC, "op": ">=", "threshold": 0.1}]})
    assert relative_checks(candidates, candidates, slo) == [[], []]


# -- as CI runs it ------------------------------------------------------------------------------


def test_the_relative_gate_as_a_command(tmp_path):
    passing = _two_jobs(tmp_path / "passing")
    result = harness_gate("--run-dir", passing, "--slo", _slo_file(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "adasyn: PASS (1 run)" in result.stdout.splitlines()[-2]
    assert result.stdout.splitlines()[-1].startswith("  none: NOT APPLICABLE (reference")

    missing = _drop_reference(tmp_path / "missing")
    result = harness_gate("--run-dir", missing, "--slo", _slo_file(tmp_path))
    assert result.returncode == 1
    assert "no job of the reference strategy 'none'" in result.stdout
    assert "adasyn: FAIL in 1 of 1 run (pr_auc_not_worse, recall_better)" in result.stdout

    damaged = _rewrite_folds("adasyn", lambda t: _set(t, PR_AUC, 4, "high"))(tmp_path / "damaged")
    result = harness_gate("--run-dir", damaged, "--slo", _slo_file(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "holds values that are not numbers" in result.stderr


def test_the_shipped_relative_set_gates_a_study(tmp_path):
    folder = _two_jobs(tmp_path)
    code, summary = _gate(tmp_path, folder, slo="relative")
    names = {c["name"] for c in summary["checks"]}
    assert {"pr_auc_not_worse", "recall_at_precision_better", "label_issues"} <= names
    assert code == 0 and summary["slo_set"] == "relative"
