"""`harness promote --rollback`: the alias goes back to the previous version, recorded in a
real MLflow model registry (SQLite in a temporary folder)."""

from __future__ import annotations

import contextlib
import json

import pytest

from harness.errors import ConfigError, RunNotFoundError
from harness.gate.rollback import (
    ROLLED_BACK,
    history_tag,
    previous_tag,
    record_promotion,
    rollback,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A migrated SQLite tracking store with one run whose artifacts hold a model folder."""
    from mlflow import MlflowClient

    folder = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("rollback", artifact_location=(folder / "a").as_uri())
    run = client.create_run(experiment)
    return {"uri": uri, "client": client, "run": run}


def promote(store, name: str, *, gate: str = "passed", record: bool = True) -> str:
    """Register a version and move `champion` to it, as `harness promote` does."""
    from mlflow.exceptions import MlflowException

    client, run = store["client"], store["run"]
    with contextlib.suppress(MlflowException):
        client.create_registered_model(name)
    source = f"{run.info.artifact_uri}/model"
    version = client.create_model_version(
        name, source, run_id=run.info.run_id, tags={"harness.gate": gate}
    ).version
    if record:
        record_promotion(client, name, "champion", str(version))
    client.set_registered_model_alias(name, "champion", version)
    return str(version)


def holder(store, name: str) -> str:
    return str(store["client"].get_model_version_by_alias(name, "champion").version)


def test_rollback_moves_champion_to_the_previous_version_and_records_it(store):
    client = store["client"]
    first, second = promote(store, "fraud"), promote(store, "fraud")
    assert holder(store, "fraud") == second
    assert client.get_model_version("fraud", second).tags[previous_tag("champion")] == first

    done = rollback(
        "fraud", tracking_uri=store["uri"], reason="HarnessMinorityRecallBudgetBurn page"
    )
    assert (done.from_version, done.to_version) == (second, first)
    assert holder(store, "fraud") == first
    rolled = client.get_model_version("fraud", second)
    assert rolled.tags[ROLLED_BACK] == "true"
    assert rolled.tags["harness.rolled_back_reason"] == "HarnessMinorityRecallBudgetBurn page"
    assert rolled.tags["harness.replaced_by.champion"] == first
    assert "Rolled back from 'champion' to version" in rolled.description
    restored = client.get_model_version("fraud", first)
    assert restored.tags["harness.restored_from.champion"] == second
    history = json.loads(client.get_registered_model("fraud").tags[history_tag("champion")])
    assert [h["version"] for h in history] == [first, second, first]
    assert history[-1]["event"] == f"rollback from {second}"
    assert "moved from version" in done.describe()


def test_a_rolled_back_version_is_never_restored_by_a_later_rollback(store):
    one, two = promote(store, "churn"), promote(store, "churn")
    rollback("churn", client=store["client"])  # two -> one
    three = promote(store, "churn")
    done = rollback("churn", client=store["client"])
    # three's recorded predecessor is one (two was rolled back before three came).
    assert (done.from_version, done.to_version) == (three, one)
    assert done.to_version != two


def test_without_recorded_history_the_newest_older_passing_version_is_used(store):
    # Versions promoted before the history was recorded (or by hand).
    one = promote(store, "legacy", record=False)
    promote(store, "legacy", gate="failed", record=False)
    three = promote(store, "legacy", record=False)
    done = rollback("legacy", client=store["client"])
    assert (done.from_version, done.to_version) == (three, one)


def test_an_explicit_version_can_be_restored(store):
    one, _, three = (promote(store, "explicit") for _ in range(3))
    done = rollback("explicit", client=store["client"], to_version=one)
    assert (done.from_version, done.to_version) == (three, one)
    with pytest.raises(ConfigError, match="already holds"):
        rollback("explicit", client=store["client"], to_version=one)
    with pytest.raises(ConfigError, match="no version 99"):
        rollback("explicit", client=store["client"], to_version="99")


def test_nothing_to_roll_back_names_the_fix(store):
    promote(store, "single")
    with pytest.raises(RunNotFoundError, match="no earlier version"):
        rollback("single", client=store["client"])
    with pytest.raises(RunNotFoundError, match="nothing to roll back"):
        rollback("unknown-model", client=store["client"])


def test_harness_promote_rollback_on_the_command_line(store, capsys):
    from harness.commands.gate import promote_main

    first, second = promote(store, "cli-model"), promote(store, "cli-model")
    code = promote_main(
        [
            "--rollback",
            "--model-name",
            "cli-model",
            "--tracking-uri",
            store["uri"],
            "--reason",
            "page",
        ]
    )
    assert code == 0
    assert holder(store, "cli-model") == first != second
    assert "rolled back" in capsys.readouterr().out


def test_harness_promote_rollback_without_a_store_is_exit_2(tmp_path, capsys):
    from harness.commands.gate import promote_main

    missing = f"sqlite:///{tmp_path / 'nowhere.db'}"
    assert promote_main(["--rollback", "--model-name", "m", "--tracking-uri", missing]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "nowhere.db").exists()
