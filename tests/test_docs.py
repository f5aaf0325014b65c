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
