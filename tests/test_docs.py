"""docs/architecture.md names only what exists: files, metric keys, series and fields.

The page is the contract between the packages; these tests fail as soon as it names a file, a
metric key, a Prometheus series or an SLO field that the code does not have, or leaves out a
series the exporters write or a file of a run folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from harness.export.names import EXPORTED_SERIES
from harness.metrics.catalog import CATALOG, is_known
from harness.runs import MANIFEST_SCHEMA_VERSION, RESULT_SCHEMA_VERSION, ExperimentFolder, RunFolder
from harness.slo import parse_slo_set

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "architecture.md"
TEXT = DOC.read_text()

#: Folders of the repository whose paths the page may name.
REPO_FOLDERS = ("harness/", "conf/", "experiments/", "dashboards/", "docs/", "tests/")
#: The first part of every metric key.
METRIC_SCOPES = ("test", "train", "gap", "resample", "neighbors", "data", "time", "memory")
#: Sample data values for the placeholders of fairness keys.
PLACEHOLDERS = {"<col>": "sex", "<group>": "F"}


def backticked(text: str = TEXT) -> list[str]:
    """Every inline code span of the page (fenced blocks left out)."""
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return re.findall(r"`([^`\n]+)`", prose)


def fenced(language: str, after: str) -> str:
    """The first fenced block in ``language`` after the text ``after``."""
    start = TEXT.index(after)
    match = re.search(rf"```{language}\n(.*?)```", TEXT[start:], flags=re.DOTALL)
    assert match, f"no {language} block after {after!r} in {DOC}"
    return match.group(1)


def repository_paths() -> list[str]:
    return sorted(
        {
            span
            for span in backticked()
            if span.startswith(REPO_FOLDERS) and not re.search(r"[<*{ ]", span)
        }
    )


def series_names() -> list[str]:
    spans = [span.split("{")[0] for span in backticked() if span.startswith("harness_")]
    return sorted({name for name in spans if "<" not in name and not name.endswith("_")})


def metric_keys() -> list[str]:
    keys = set()
    for span in backticked():
        scope, _, rest = span.partition("/")
        if scope in (*METRIC_SCOPES, "fairness") and rest:
            for placeholder, value in PLACEHOLDERS.items():
                span = span.replace(placeholder, value)
            keys.add(span)
    return sorted(keys)


def _catalog_series() -> set[str]:
    return {spec.prometheus_name for spec in CATALOG.values()}


def test_the_page_names_paths_series_and_keys_at_all():
    assert len(repository_paths()) > 20
    assert len(series_names()) > 15
    assert len(metric_keys()) > 20


@pytest.mark.parametrize("path", repository_paths())
def test_every_repository_path_exists(path):
    assert (REPO / path).exists(), f"{DOC.name} names {path}, which does not exist"


@pytest.mark.parametrize("name", series_names())
def test_every_series_is_one_the_exporters_write(name):
    counters = {series.removesuffix("_total") + "_total" for series in EXPORTED_SERIES}
    assert name in {*EXPORTED_SERIES, *counters, *_catalog_series()}, (
        f"{DOC.name} names the series {name}, which harness/export does not write"
    )


def test_every_exported_series_is_listed():
    missing = sorted(set(EXPORTED_SERIES) - set(series_names()))
    assert not missing, f"{DOC.name} leaves out the exported series {missing}"


@pytest.mark.parametrize("key", metric_keys())
def test_every_metric_key_is_in_the_catalog(key):
    assert is_known(key), f"{DOC.name} names the metric key {key}, unknown to the catalog"


def _folder_files(folder_class: type) -> set[str]:
    """The file and folder names a folder class spells, placeholders as the page writes them."""
    folder = folder_class(Path("F"))
    names = set()
    for attribute in dir(folder_class):
        value = getattr(folder, attribute) if not attribute.startswith("_") else None
        if isinstance(value, Path) and value != folder.path:
            names.add(value.relative_to(folder.path).as_posix())
    return names


def test_the_run_folder_tree_lists_every_file_the_folders_spell():
    tree = fenced("", "writes one *experiment folder*")
    spelt = _folder_files(RunFolder) | _folder_files(ExperimentFolder)
    missing = sorted(name for name in spelt if name not in tree)
    assert not missing, f"the run-folder tree of {DOC.name} leaves out {missing}"
    assert "plots/forest_<metric>.png" in tree
    assert "plots/group_recall_<column>.png" in tree


def test_the_schema_versions_are_the_ones_written():
    manifest = json.loads(fenced("json", "`manifest.json` (schema"))
    result = json.loads(fenced("json", "`result.json` (schema"))
    assert manifest["schema"] == MANIFEST_SCHEMA_VERSION
    assert result["schema"] == RESULT_SCHEMA_VERSION
    assert f"`result.json` (schema {RESULT_SCHEMA_VERSION}," in TEXT


def test_the_slo_example_is_a_valid_slo_set():
    raw = yaml.safe_load(fenced("yaml", "## SLO sets"))
    slo = parse_slo_set(raw, source=str(DOC))
    assert slo.objectives and slo.fairness and slo.warnings
    assert slo.relative is not None and slo.serving is not None


# -- the claims marked "(tested)" ---------------------------------------------------------------

HARNESS = REPO / "harness"


def string_constants(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module, with its line (f-string parts included)."""
    import ast

    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def spelt_outside(names: set[str], owners: tuple[str, ...]) -> list[str]:
    """Where a module other than ``owners`` spells one of ``names`` as a literal."""
    found = []
    for path in sorted(HARNESS.rglob("*.py")):
        relative = str(path.relative_to(REPO))
        if relative in owners:
            continue
        found += [
            f"{relative}:{line} {text!r}"
            for line, text in string_constants(path)
            if text in names or any(text.endswith(f"/{name}") for name in names)
        ]
    return found


def exported_series_names() -> set[str]:
    from harness.export.names import counter_name

    names = {*EXPORTED_SERIES, *(counter_name(s) for s in EXPORTED_SERIES)}
    return names | _catalog_series()


def test_no_module_but_names_and_the_catalog_spells_a_series():
    owners = ("harness/export/names.py", "harness/metrics/catalog.py")
    assert spelt_outside(exported_series_names(), owners) == []


def run_folder_file_names() -> set[str]:
    run = RunFolder(Path("r"))
    experiment = ExperimentFolder(Path("e"))
    files = [
        getattr(run, name)
        for name in dir(RunFolder)
        if isinstance(getattr(RunFolder, name), property)
    ]
    files += [
        getattr(experiment, name)
        for name in dir(ExperimentFolder)
        if isinstance(getattr(ExperimentFolder, name), property)
    ]
    # config.yaml is also the name of the primary Hydra config (conf/config.yaml).
    return {p.name for p in files if isinstance(p, Path) and "." in p.name} - {"config.yaml"}


def test_no_module_but_runs_spells_a_run_folder_file():
    assert "result.json" in run_folder_file_names()
    assert spelt_outside(run_folder_file_names(), ("harness/runs.py",)) == []


MLFLOW_RUN_READS = re.compile(
    r"\.(get_run|search_runs|download_artifacts|list_artifacts|search_logged_models)\("
)


def test_runs_are_read_back_through_one_module():
    found = [
        f"{path.relative_to(REPO)}:{number}"
        for path in sorted(HARNESS.rglob("*.py"))
        if path.relative_to(REPO).as_posix() != "harness/tracking/query.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if MLFLOW_RUN_READS.search(line) and "query." not in line
    ]
    assert found == []


def test_the_claim_checks_can_fail(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('NAME = "harness_runs_total"\nFILE = f"{x}/result.json"\n')
    spelt = {text for _, text in string_constants(module)}
    assert "harness_runs_total" in spelt and "/result.json" in spelt
    assert MLFLOW_RUN_READS.search("client.get_run(run_id)")
