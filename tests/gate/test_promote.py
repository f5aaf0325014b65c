"""``harness promote`` moves ``champion`` only after a passing gate, against a real MLflow store.

Run folders are uploaded the way ``harness run`` uploads them (:class:`MlflowTracker`, with the
saved model as the artifact ``model``) to a SQLite store in a temporary folder, and gated with
SLO files made for these tests: a run that meets them becomes the champion; a worse run, a run
that misses an objective, a damaged run and an incomplete experiment move nothing.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from harness.commands.gate import promote_main
from harness.runs import ExperimentFolder, RunFolder
from tests.gate.conftest import (
    PASSING_METRICS,
    fold_scores,
    job_name,
    make_record,
    write_experiment,
    write_folds,
    write_run_dir,
)

#: An SLO file made for these tests: the runs below meet it unless they are built to miss it.
PROMOTE_SLO = {
    "name": "promote-test",
    "objectives": [
        {"name": "f1", "metric": "test/minority_f1", "op": ">=", "threshold": 0.70},
        {"name": "gap", "metric": "gap/minority_recall", "op": "<", "threshold": 0.20},
    ],
    "warnings": [
        {"name": "label_issues", "metric": "data/label_issues", "op": "<=", "threshold": 0.10}
    ],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A migrated SQLite tracking store and model registry in a temporary folder."""
    from mlflow import MlflowClient

    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    MlflowClient(tracking_uri=uri, registry_uri=uri).search_experiments()  # migrate once
    return {"uri": uri, "client": MlflowClient(tracking_uri=uri, registry_uri=uri)}


def _uploaded(store, folder: Path, saved_model: Path, experiment: str = "promote") -> str:
    """Give a run folder its model and upload it as `harness run` does; the MLflow run id."""
    from harness.tracking import MlflowTracker

    shutil.copytree(saved_model, RunFolder(folder).model)
    return MlflowTracker(store["uri"], experiment).log_run_dir(folder)


def _run(tmp_path: Path, name: str, seed: int, **metrics) -> Path:
    return write_run_dir(tmp_path / name, make_record({**PASSING_METRICS, **metrics}, seed=seed))


def _promote(store, *args, slo: Path, says: str = "") -> int:
    """``harness promote ARGS`` in-process; its exit code, after checking its output ``says``."""
    argv = [*map(str, args), "--slo", str(slo), "--tracking-uri", store["uri"]]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = promote_main(argv)
    assert says in out.getvalue() + err.getvalue(), out.getvalue()[-3000:] + err.getvalue()
    return code


def _slo(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "slo.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def _versions(store, name: str) -> list[str]:
    return sorted(v.version for v in store["client"].search_model_versions(f"name = '{name}'"))


def test_promote_moves_champion_and_nothing_else_moves_it(store, saved_model, tmp_path):
    client, name, slo = store["client"], "promote-test", _slo(tmp_path, PROMOTE_SLO)

    first = _run(tmp_path, "first", seed=1)
    first_id = _uploaded(store, first, saved_model)
    assert _promote(store, "--run-dir", first, "--model-name", name, slo=slo) == 0
    champion = client.get_model_version_by_alias(name, "champion")
    assert (champion.run_id, _versions(store, name)) == (first_id, [champion.version])
    assert champion.tags["harness.slo_set"] == "promote-test"
    download = urlparse(client.get_model_version_download_uri(name, champion.version))
    assert (Path(download.path) / "MLmodel").is_file()  # the model as evaluated

    # Meets the SLO file, but its F1 is below the champion's: exit 1, the alias stays.
    worse = _run(tmp_path, "worse", seed=2, **{"test/minority_f1": 0.78})
    _uploaded(store, worse, saved_model)
    says = "FAIL pima/adasyn/decision_tree s2 regression[test/minority_f1]"
    assert _promote(store, "--run-dir", worse, "--model-name", name, slo=slo, says=says) == 1
    assert client.get_model_version_by_alias(name, "champion").version == champion.version
    assert _versions(store, name) == [champion.version]

    # Misses an objective even with no champion to beat.
    missing = _run(tmp_path, "missing", seed=3, **{"test/minority_f1": 0.69})
    _uploaded(store, missing, saved_model)
    args = ["--run-dir", missing, "--model-name", name, "--no-baseline"]
    assert _promote(store, *args, slo=slo, says="f1: mean 0.69 misses >= 0.7") == 1

    # A damaged record (NaN is not JSON: a careless writer's output) stops the gate: exit 2.
    damaged = _run(tmp_path, "damaged", seed=4, **{"test/minority_f1": 0.9})
    _uploaded(store, damaged, saved_model)
    result = RunFolder(damaged).result
    result.write_text(
        result.read_text().replace('"test/minority_f1": 0.9', '"test/minority_f1": NaN')
    )
    says = "NaN is not a number JSON allows"
    assert _promote(store, "--run-dir", damaged, "--model-name", name, slo=slo, says=says) == 2

    # An incomplete experiment (a job without result.json) stops the gate: exit 2.
    records = [make_record(resampler=kind, seed=5) for kind in ("adasyn", "smote")]
    experiment = write_experiment(tmp_path / "incomplete", records, unfinished=[1])
    _uploaded(store, ExperimentFolder(experiment).job(job_name(records[0])).path, saved_model)
    args = ["--run-dir", experiment, "--resampler", "adasyn", "--model-name", name]
    says = "1 job(s) missing"
    assert _promote(store, *args, slo=slo, says=says) == 2

    assert client.get_model_version_by_alias(name, "champion").version == champion.version
    assert _versions(store, name) == [champion.version]

    # A better run moves the alias to a new version.
    better = _run(tmp_path, "better", seed=6, **{"test/minority_f1": 0.85})
    better_id = _uploaded(store, better, saved_model)
    # Equal recall and PR-AUC pass against the champion with a margin (both runs' intervals).
    margin = ["--min-absolute-change", "-0.02"]
    assert _promote(store, "--run-dir", better, "--model-name", name, *margin, slo=slo) == 0
    moved = client.get_model_version_by_alias(name, "champion")
    assert moved.run_id == better_id and moved.version != champion.version


def test_promote_with_relative_objectives_reads_the_reference_of_the_experiment(
    store, saved_model, tmp_path
):
    """The candidate is one job of an experiment; its reference job `none` is found there."""
    client, name = store["client"], "promote-relative"
    relative = {
        "name": "promote-relative",
        "relative": {
            "reference": "none",
            "alpha": 0.025,
            "objectives": [
                {
                    "name": "pr_auc_not_worse",
                    "metric": "test/pr_auc",
                    "test": "non_inferiority",
                    "margin": 0.02,
                }
            ],
        },
    }
    slo = _slo(tmp_path, relative)
    reference = fold_scores(0.60, 0.01, seed=1)

    def promote(folder: Path, seed: int, adasyn: list[float], says: str) -> int:
        records = [make_record(resampler=kind, seed=seed) for kind in ("none", "adasyn")]
        write_experiment(folder, records)
        for record, scores in zip(records, (reference, adasyn), strict=True):
            job = ExperimentFolder(folder).job(job_name(record)).path
            write_folds(job, {"test/pr_auc": scores})
            _uploaded(store, job, saved_model, experiment=folder.name)
        args = ["--run-dir", folder, "--resampler", "adasyn", "--model-name", name]
        # The champion's record metrics are equal: within a margin of 0.02 of it.
        args += ["--min-absolute-change", "-0.02"]
        return _promote(store, *args, slo=slo, says=says)

    better = [v + 0.05 for v in reference]
    assert promote(tmp_path / "better", 7, better, "adasyn: PASS (1 run)") == 0
    first = client.get_model_version_by_alias(name, "champion")
    # Clearly worse than `none` on PR-AUC: not promoted, the alias stays.
    worse = [v - 0.1 for v in reference]
    assert promote(tmp_path / "worse", 8, worse, "adasyn: FAIL in 1 of 1 run") == 1
    assert client.get_model_version_by_alias(name, "champion").version == first.version
    # Not worse than `none` (within the margin) and no worse than the champion: promoted.
    equivalent = [v + n for v, n in zip(reference, fold_scores(0.0, 0.005, seed=2), strict=True)]
    assert promote(tmp_path / "equivalent", 9, equivalent, "promoted: promote-relative") == 0
    assert client.get_model_version_by_alias(name, "champion").version != first.version
    assert len(_versions(store, name)) == 2
