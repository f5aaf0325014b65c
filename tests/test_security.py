"""Security properties that span packages."""

import importlib
import inspect
import os
import pickle
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf, open_dict

from harness.components.datasets import load_dataset
from harness.components.instantiate import instantiate_component
from harness.components.models import build_model
from harness.components.policy import (
    COMPONENT_ROLES,
    LOADER_ROLES,
    SAMPLER_ROLES,
    allowed_objects,
    check_target,
)
from harness.errors import ConfigError
from harness.plugins import ENTRY_POINT_GROUP
from harness.runner.config_checks import check_composed_config
from harness.security import public_name
from tests.support.cli import run_harness

HARNESS = Path(__file__).resolve().parents[1] / "harness"
UNPICKLERS = re.compile(
    r"\b(pickle\.loads?|cloudpickle\.loads?|joblib\.load|read_pickle|"
    r"mlflow\.(sklearn|pyfunc)\.load_model|skops\.io\.load)\s*\("
)


def test_no_module_unpickles_anything():
    # A model or data file from a user path is code; the harness never loads one. (Models are
    # saved for the registry and refitted in-process for `harness replay`.)
    offenders = [
        f"{path.relative_to(HARNESS.parent)}:{number}"
        for path in HARNESS.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if UNPICKLERS.search(line)
    ]
    assert offenders == []


def test_the_check_finds_an_unpickler():
    assert UNPICKLERS.search("model = mlflow.sklearn.load_model(uri)")
    assert UNPICKLERS.search("frame = pd.read_pickle(path)")


# --- Instantiation by object, not by string --------------------------------------------------

REPO = HARNESS.parent
# Three attribute hops from every harness module and every allowed object: modules, classes and
# other objects. A cap per node keeps the walk to a second or two; the known attacks are added
# whatever the cap leaves out.
PER_NODE = 80
DEPTH = 3
KNOWN_ATTACKS = (
    "harness.tracking.mlflow_tracker.pd.read_pickle",
    "harness.data.builtin.pd.read_pickle",
    "pandas.read_pickle",
    "os.system",
    "builtins.eval",
    "subprocess.run",
    "harness.resample.ADASYN.fit_resample",
    "harness.runner.job.subprocess.run",
    "harness.runner.job.shutil.rmtree",
    "hydra.utils.instantiate",
    "logging.FileHandler",
)


def _harness_modules() -> list:
    import harness

    modules = []
    for info in pkgutil.walk_packages(harness.__path__, "harness."):
        try:
            modules.append(importlib.import_module(info.name))
        except ImportError:  # an optional extra that is not installed
            continue
    return modules


def _attributes(obj) -> list[tuple[str, object]]:
    if inspect.ismodule(obj):
        names = list(vars(obj))
    elif inspect.isclass(obj):
        names = sorted({name for klass in obj.__mro__ for name in vars(klass)})
    else:
        own = inspect.getattr_static(obj, "__dict__", None)
        names = sorted(set(vars(type(obj))) | (set(own) if isinstance(own, dict) else set()))
    names = [n for n in names if n.isidentifier() and not (n.startswith("__") and n.endswith("__"))]
    step = max(1, -(-len(names) // PER_NODE))
    found = []
    for name in names[::step]:
        try:
            # What Hydra's getattr returns; instances are read statically (a property could run).
            dynamic = inspect.ismodule(obj) or inspect.isclass(obj)
            value = getattr(obj, name) if dynamic else inspect.getattr_static(obj, name)
        except Exception:
            continue
        found.append((name, value))
    return found


@pytest.fixture(scope="module")
def reachable_callables() -> list[tuple[str, object]]:
    """(dotted path, object) for the callables within three hops of harness and the allow-set."""
    allowed = [obj for objects in allowed_objects().values() for obj in objects]
    frontier = [(m.__name__, m) for m in _harness_modules()]
    frontier += [(public_name(obj), obj) for obj in allowed]
    expanded: set[int] = set()
    paths = []
    for _ in range(DEPTH):
        following = []
        for path, obj in frontier:
            if id(obj) in expanded:
                continue
            expanded.add(id(obj))
            for name, value in _attributes(obj):
                child = (f"{path}.{name}", value)
                following.append(child)
                if callable(value):
                    paths.append(child)
        frontier = following
    return paths


def _is_allowed(obj) -> bool:
    return any(obj is allowed for objects in allowed_objects().values() for allowed in objects)


def test_every_reachable_callable_outside_the_allow_set_is_refused(reachable_callables):
    assert len(reachable_callables) > 5000  # the walk cannot pass by finding nothing
    paths = {path for path, _ in reachable_callables}
    # The walk reaches pandas' unpickler through a harness module (whichever imports it first).
    assert any(p.startswith("harness.") and p.endswith(".pd.read_pickle") for p in paths)
    every_role = frozenset(allowed_objects())
    accepted = []
    for path, obj in reachable_callables:
        if _is_allowed(obj):
            continue
        try:
            check_target(path, key="x._target_", roles=every_role)
        except ConfigError:
            continue
        accepted.append(path)
    assert accepted == []


def test_the_entry_points_refuse_without_calling_anything(reachable_callables, monkeypatch):
    import harness.components.instantiate

    def must_not_run(*args, **kwargs):
        raise AssertionError(f"hydra.utils.instantiate reached with {args}")

    monkeypatch.setattr(harness.components.instantiate, "instantiate", must_not_run)
    refused = [path for path, obj in reachable_callables if not _is_allowed(obj)]
    sample = sorted(set(refused[:: max(1, len(refused) // 150)]) | set(KNOWN_ATTACKS))
    for path in sample:
        with pytest.raises(ConfigError, match=re.escape(repr(path))):
            instantiate_component({"_target_": path, "x": 1})
        with pytest.raises(ConfigError, match=re.escape(repr(path))):
            build_model({"name": "m", "estimator": {"_target_": path}})
        with pytest.raises(ConfigError, match=re.escape(repr(path))):
            load_dataset({"name": "d", "loader": {"_target_": path}})


def test_allowed_components_resolve_to_the_same_objects():
    from harness.data import load_builtin
    from harness.resample import ADASYN

    assert check_target("harness.resample.ADASYN", key="k", roles=SAMPLER_ROLES) is ADASYN
    assert check_target("harness.resample.adasyn.ADASYN", key="k", roles=SAMPLER_ROLES) is ADASYN
    assert check_target("harness.data.load_builtin", key="k", roles=LOADER_ROLES) is load_builtin


@pytest.mark.parametrize(
    ("target", "roles", "message"),
    [
        ("harness.resample.ADASYN", LOADER_ROLES, "'harness.resample.ADASYN' is not allowed"),
        ("logging.FileHandler", SAMPLER_ROLES, "is not an allowed sampler"),
        ("sklearn.svm.SVC", SAMPLER_ROLES, "is not an allowed sampler"),
        ("harness.pipeline.sweep.SweepSummaryCallback", COMPONENT_ROLES, "allowed component"),
        ("no_such_module.thing", COMPONENT_ROLES, "module 'no_such_module' is not one"),
        ("harness.resample.ADASYN.fit_resample", SAMPLER_ROLES, "fit_resample, which is outside"),
        ("${oc.env:X}", SAMPLER_ROLES, "not a dotted Python name"),
    ],
)
def test_an_object_is_allowed_only_in_its_place(target, roles, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_target(target, key="k", roles=roles)


def test_resolution_neither_imports_nor_calls(monkeypatch):
    # A module the harness never imports stays unimported: naming it is not enough to run it.
    assert "antigravity" not in sys.modules
    with pytest.raises(ConfigError, match="module 'antigravity' is not one the harness loads"):
        check_target("antigravity.geohash", key="k")
    assert "antigravity" not in sys.modules

    class Trap:
        @property
        def payload(self):
            raise AssertionError("a property ran during resolution")

    monkeypatch.setattr(sys.modules[__name__], "TRAP", Trap(), raising=False)
    with pytest.raises(ConfigError, match="Trap, not a module or class"):
        check_target(f"{__name__}.TRAP.payload", key="k")


def test_a_composed_config_with_a_foreign_hydra_callback_is_refused():
    # What an experiment file under conf/ could set: every place Hydra instantiates is checked.
    cfg = _composed()
    with open_dict(cfg):
        cfg.hydra.callbacks.p = {"_target_": "pandas.read_pickle", "filepath_or_buffer": "x.pkl"}
    with pytest.raises(ConfigError, match=r"hydra\.callbacks\.p\._target_ 'pandas.read_pickle'"):
        check_composed_config(cfg)


@pytest.mark.parametrize(
    ("place", "node", "message"),
    [
        ("launcher", {"_target_": "os.system"}, "is not an allowed Hydra launcher"),
        ("sweeper", {"_target_": "os.system"}, "is not an allowed Hydra sweeper"),
        ("job", {"env_set": {"_target_": "os.system"}}, "nothing is instantiated from this place"),
    ],
)
def test_every_hydra_node_that_instantiates_is_checked(place, node, message):
    cfg = _composed()
    OmegaConf.update(cfg, f"hydra.{place}", node, merge=True, force_add=True)
    with pytest.raises(ConfigError, match=message):
        check_composed_config(cfg)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("hydra.job_logging.handlers.console.class", "os.system", "not an allowed logging class"),
        ("hydra.hydra_logging.formatters.simple.()", "os.system", "not an allowed logging class"),
        ("hydra.job_logging.filters.f.()", "pandas.read_pickle", "not an allowed logging class"),
        ("hydra.job_logging.handlers.console.stream", "ext://os.system", "use ext://sys.stdout"),
    ],
)
def test_logging_configs_given_to_dictconfig_are_checked(key, value, message):
    cfg = _composed()
    *parents, last = key.split(".")
    with open_dict(cfg):
        node = cfg
        for part in parents:
            if part not in node:
                node[part] = {}
            node = node[part]
        node[last] = value
    with pytest.raises(ConfigError, match=re.escape(message)):
        check_composed_config(cfg)


@pytest.mark.filterwarnings("ignore:\\s*'hydra/launcher/ray' is validated:UserWarning")
def test_the_shipped_config_and_every_launcher_pass_the_checks():
    for launcher in ("local", "ray", "basic"):
        check_composed_config(_composed(f"hydra/launcher={launcher}"))


def _composed(*overrides: str):
    with initialize_config_dir(str(REPO / "conf"), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides), return_hydra_config=True)


# --- The attacks, end to end -------------------------------------------------------------------


def _harness(*args: str, root: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_harness(*args, root=root, env=env, timeout=300)


class _CreatesMarker:
    """Unpickling it creates a file: the proof that a pickle was loaded."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture()
def evil_pickle(tmp_path) -> tuple[Path, Path]:
    marker = tmp_path / "PWNED"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(_CreatesMarker(marker)))
    return path, marker


def _assert_refused(result: subprocess.CompletedProcess, marker: Path, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert not marker.exists(), "the pickle was loaded"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    for fragment in fragments:
        assert fragment in lines[0]


RUN = ("run", "resampler=none", "evaluation=fast", "tracking=none", "export=none")


#: A target that reaches ``read_pickle``, the overrides that point it at the pickle
#: (``{path}``), and what the one error line must name.
PICKLE_TARGETS = {
    "a sampler target through a harness module": (
        (
            "resampler.sampler._target_=harness.tracking.mlflow_tracker.pd.read_pickle",
            "+resampler.sampler.filepath_or_buffer={path}",
        ),
        ("resampler.sampler._target_", "is not an allowed sampler"),
    ),
    "a loader target through a harness module": (
        (
            "dataset.loader._target_=harness.data.builtin.pd.read_pickle",
            "~dataset.loader.name",
            "+dataset.loader.filepath_or_buffer={path}",
        ),
        ("dataset.loader._target_", "read_pickle"),
    ),
    "a hydra callback override": (
        (
            "+hydra.callbacks.p._target_=pandas.read_pickle",
            "+hydra.callbacks.p.filepath_or_buffer={path}",
        ),
        ("'+hydra.callbacks.p._target_=pandas.read_pickle'",),
    ),
}


@pytest.mark.parametrize(("overrides", "fragments"), PICKLE_TARGETS.values(), ids=PICKLE_TARGETS)
def test_a_target_that_reads_a_pickle_is_refused_before_it_runs(
    tmp_path, evil_pickle, overrides, fragments
):
    path, marker = evil_pickle
    root = tmp_path / "root"
    result = _harness(*RUN, *(o.format(path=path) for o in overrides), root=root)
    _assert_refused(result, marker, *fragments)
    assert not (root / "outputs").exists()


@pytest.fixture()
def user_config_dir(tmp_path, evil_pickle) -> Path:
    path, _ = evil_pickle
    experiment = tmp_path / "userconf" / "experiment" / "evil.yaml"
    experiment.parent.mkdir(parents=True)
    experiment.write_text(
        "# @package _global_\n"
        "hydra:\n  callbacks:\n    p:\n      _target_: pandas.read_pickle\n"
        f"      filepath_or_buffer: {path}\n"
    )
    return experiment.parent.parent


def test_an_experiment_file_from_a_user_config_dir_does_not_unpickle(
    tmp_path, evil_pickle, user_config_dir
):
    _, marker = evil_pickle
    result = _harness(
        "run", "--config-dir", str(user_config_dir), *RUN[1:], "experiment=evil",
        root=tmp_path / "root",
    )  # fmt: skip
    _assert_refused(result, marker, "--config-dir is not accepted")


def test_a_search_path_override_to_a_user_config_dir_does_not_unpickle(
    tmp_path, evil_pickle, user_config_dir
):
    _, marker = evil_pickle
    result = _harness(
        *RUN,
        f"hydra.searchpath=[file://{user_config_dir}]",
        "experiment=evil",
        root=tmp_path / "root",
    )
    _assert_refused(result, marker, "'hydra.searchpath=")


def test_experimental_rerun_does_not_unpickle(tmp_path, evil_pickle):
    path, marker = evil_pickle
    result = _harness("run", "--experimental-rerun", str(path), root=tmp_path / "root")
    _assert_refused(result, marker, "--experimental-rerun is not accepted")


def test_an_unsafe_experiment_name_leaves_nothing_outside_outputs(tmp_path):
    root = tmp_path / "root"
    result = _harness(*RUN, "experiment.name=../../../escape", root=root)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip() == result.stderr.strip().splitlines()[0]
    assert "experiment.name '../../../escape' is not a safe name" in result.stderr
    assert not (tmp_path / "escape").exists()
    assert list(tmp_path.rglob(".hydra")) == []
    assert not (root / "outputs").exists()


# --- Extending the allow-set through an installed distribution --------------------------------


@pytest.fixture()
def installed_plugin(tmp_path) -> Path:
    site = tmp_path / "site"
    package = site / "tinyplugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "import os\n\n\n"
        "class TinySampler:\n"
        "    def __init__(self, *, factor=1):\n"
        "        self.factor = factor\n\n\n"
        "def neighbour():\n"
        "    raise AssertionError('called')\n"
    )
    info = site / "tinyplugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyplugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\ntiny_sampler = tinyplugin:TinySampler\n"
    )
    return site


def test_an_entry_point_adds_exactly_its_object(installed_plugin):
    script = (
        "from harness.components.instantiate import instantiate_component\n"
        "from harness.errors import ConfigError\n"
        "import tinyplugin\n"
        "sampler = instantiate_component({'_target_': 'tinyplugin.TinySampler', 'factor': 3})\n"
        "assert type(sampler) is tinyplugin.TinySampler and sampler.factor == 3\n"
        "for refused in ('tinyplugin.neighbour', 'tinyplugin.os.system'):\n"
        "    try:\n"
        "        instantiate_component({'_target_': refused})\n"
        "    except ConfigError as exc:\n"
        "        assert 'is not an allowed component' in str(exc), exc\n"
        "    else:\n"
        "        raise AssertionError(refused + ' was accepted')\n"
        "print('ok')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(installed_plugin))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "ok"


def test_harness_run_accepts_an_entry_point_target_and_refuses_its_neighbour(
    tmp_path, installed_plugin
):
    env = {"PYTHONPATH": str(installed_plugin)}
    base = ("run", "--cfg", "job", "resampler=none")
    accepted = _harness(
        *base, "resampler.sampler._target_=tinyplugin.TinySampler", root=tmp_path, env=env
    )
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    assert "tinyplugin.TinySampler" in accepted.stdout
    refused = _harness(
        *base, "resampler.sampler._target_=tinyplugin.neighbour", root=tmp_path, env=env
    )
    assert refused.returncode == 2
    assert "'tinyplugin.neighbour' is not an allowed sampler" in refused.stderr
    assert "tinyplugin.TinySampler" in refused.stderr  # the fix lists the registered sampler
