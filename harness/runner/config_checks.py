"""Checks on a composed config, at the boundary: wrong types and unsafe names fail early.

Hydra reports unknown config groups and options itself (listing the valid ones); these checks
cover what a schema-less YAML config lets through. :func:`check_run_arguments` runs them, with
the instantiation checks of the allow-set, on a ``harness run`` command line before
Hydra creates a folder or instantiates anything.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness.errors import ConfigError
from harness.evaluate.settings import EvaluationSettings
from harness.strict import boolean_setting, integer_setting

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_name(value: Any, key: str) -> str:
    """A name used in folder names: letters, digits, ``_``, ``.``, ``-``; no path parts."""
    text = str(value)
    if not SAFE_NAME.match(text) or ".." in text:
        raise ConfigError(
            f"{key} {text!r} is not a safe name: it becomes a folder name, so use letters, "
            "digits, '_', '.' and '-' only (no '/' or '..'), e.g. dataset.name=churn."
        )
    return text


#: The parts of a job's config that must be mappings (config groups and their kin).
SECTIONS = ("experiment", "dataset", "resampler", "model", "evaluation", "paths", "tracking")
SECTIONS += ("export", "slo")


def check_job_config(cfg: DictConfig) -> None:
    """Raise :class:`ConfigError` for wrong types and unsafe names in a job's config."""
    for section in SECTIONS:
        if not isinstance(cfg.get(section), DictConfig | dict):
            raise ConfigError(
                f"{section} must be a mapping (a config group: {section}=NAME chooses one), got "
                f"{cfg.get(section)!r}; fix the config file or override that sets it."
            )
    EvaluationSettings.from_config(cfg.evaluation)
    integer_setting(cfg.get("seed"), "seed", 0)
    boolean_setting(cfg.get("resume", False), "resume")
    for key in ("experiment.name", "dataset.name", "resampler.name", "model.name"):
        group, field = key.split(".")
        check_name(cfg[group][field], key)


# Hydra settings `harness run` accepts on its command line; everything Hydra instantiates or
# executes (callbacks, sweeper, logging, search path, env_set, ...) comes from conf/ only. A
# user's own config folders join the search path through HARNESS_CONFIG_PATH
# (harness.config_dir), never through a command-line flag.
HYDRA_SETTINGS = ("hydra.run.dir", "hydra.sweep.dir", "hydra.sweep.subdir", "hydra.verbose")
HYDRA_LAUNCHER_GROUP = "hydra/launcher"
HYDRA_LAUNCHER_PREFIX = "hydra.launcher."
_ALLOWED_HYDRA_TEXT = (
    f"{', '.join(HYDRA_SETTINGS)}, {HYDRA_LAUNCHER_GROUP}=<name> and "
    f"{HYDRA_LAUNCHER_PREFIX}<setting>=<plain value>"
)
# Hydra command-line flags that read configs, pickles or shell scripts from elsewhere.
REFUSED_FLAGS = {
    "config_path": "--config-path",
    "config_name": "--config-name",
    "config_dir": "--config-dir",
    "experimental_rerun": "--experimental-rerun",
    "shell_completion": "--shell-completion",
}
#: A sweep up to this many jobs has every job's config composed and checked before it starts;
#: a larger one has every swept value checked at least once.
MAX_COMPOSED_JOBS = 32


def _touches_hydra(name: str | None) -> bool:
    name = (name or "").removeprefix("_global_.")
    return name == "hydra" or name.startswith(("hydra.", "hydra/"))


def check_override(override: Any, *, multirun: bool) -> None:
    """Refuse a command-line override that would reach Hydra's runtime.

    Parameters
    ----------
    override : hydra.core.override_parser.types.Override
        One parsed override.
    multirun : bool
        Whether the command is a sweep (``-m``).

    Raises
    ------
    ConfigError
        A ``hydra`` override other than the run/sweep folders, the launcher choice and its
        plain settings, and ``hydra.verbose``; or a swept ``_target_``.
    """
    from hydra.core.override_parser.types import OverrideType

    key = override.key_or_group
    line = override.input_line or key
    if not (_touches_hydra(key) or _touches_hydra(override.package)):
        if multirun and override.is_sweep_override() and "_target_" in key:
            raise ConfigError(
                f"override {line!r} sweeps a _target_; sweep over config group options instead "
                "(e.g. resampler=adasyn,smote or model=decision_tree,random_forest)."
            )
        return
    plain = (
        override.type == OverrideType.CHANGE
        and not override.package
        and not override.is_sweep_override()
    )
    value = override.value() if plain else None
    setting = key.removeprefix(HYDRA_LAUNCHER_PREFIX).split(".")
    allowed = plain and (
        key in HYDRA_SETTINGS
        or key == HYDRA_LAUNCHER_GROUP
        or (
            key.startswith(HYDRA_LAUNCHER_PREFIX)
            and all(part.isidentifier() and not part.startswith("_") for part in setting)
            and not isinstance(value, dict | list)
            and "${" not in str(value)
        )
    )
    if not allowed:
        raise ConfigError(
            f"override {line!r} is not accepted by harness run: among Hydra's own settings only "
            f"{_ALLOWED_HYDRA_TEXT} may be given on the command line (no '+', '~', '@package' "
            "or sweep); anything else belongs in a config file under conf/."
        )


def _parse_command_line(args: list[str]) -> Any:
    from hydra._internal.utils import get_args_parser

    namespace = get_args_parser().parse_args(args)
    for attribute, flag in REFUSED_FLAGS.items():
        if getattr(namespace, attribute):
            raise ConfigError(
                f"{flag} is not accepted by harness run: configs come from conf/ and the "
                "folders in HARNESS_CONFIG_PATH only; put your experiment in a folder laid out "
                "like conf/ (my_conf/experiment/NAME.yaml), set HARNESS_CONFIG_PATH=my_conf and "
                "select it with experiment=NAME (`harness completion bash` completes the shell)."
            )
    modes = {"--run": namespace.run, "--multirun": namespace.multirun}
    modes |= {"--cfg": namespace.cfg is not None, "--info": namespace.info is not None}
    if sum(modes.values()) > 1:
        raise ConfigError(
            f"{' and '.join(flag for flag, given in modes.items() if given)} cannot be combined; "
            "give one of --run, --multirun (-m), --cfg and --info."
        )
    return namespace


def one_line(exc: BaseException) -> str:
    """Hydra's or OmegaConf's message on one line, without the config search path."""
    # Hydra appends its whole config search path to some messages; the options are enough.
    text = str(exc).split("Config search path:", 1)[0]
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def sweep_jobs(overrides: list[Any]) -> list[list[str]]:
    """The override lists to check for a sweep, expanded as Hydra's basic sweeper does.

    Parameters
    ----------
    overrides : list of hydra.core.override_parser.types.Override
        The parsed command-line overrides.

    Returns
    -------
    list of list of str
        Every job of the sweep when it has at most :data:`MAX_COMPOSED_JOBS`; otherwise the
        first job plus one job per other value of each swept key, so that every swept value is
        checked at least once.

    Raises
    ------
    ConfigError
        A sweep that is not a list of values (``interval(...)``).
    """
    axes: dict[str, list[str]] = {}
    for override in overrides:
        key = override.get_key_element()
        if override.is_sweep_override():
            if not override.is_discrete_sweep():
                raise ConfigError(
                    f"override {override.input_line!r} is not a list of values; sweep over "
                    "values (a,b), choice(...) or range(...)."
                )
            axes[key] = [f"{key}={value}" for value in override.sweep_string_iterator()]
        else:
            axes[key] = [f"{key}={override.get_value_element_as_str()}"]
    lists = list(axes.values())
    if math.prod(len(values) for values in lists) <= MAX_COMPOSED_JOBS:
        return [list(job) for job in itertools.product(*lists)]
    first = [values[0] for values in lists]
    jobs = [first]
    for index, values in enumerate(lists):
        jobs += [first[:index] + [value] + first[index + 1 :] for value in values[1:]]
    return jobs


def check_composed_config(cfg: DictConfig) -> None:
    """Check a config composed with its ``hydra`` node, as Hydra is about to run it.

    Every ``_target_`` (and logging ``class``/``()``) is checked against the allow-set
    (:mod:`harness.components.policy`, :mod:`harness.runner.hydra_checks`), and the job part
    through :func:`check_job_config`.

    Raises
    ------
    ConfigError
        The first problem found.
    """
    from omegaconf.errors import OmegaConfBaseException

    from harness.components.policy import check_job_targets
    from harness.runner.hydra_checks import check_hydra_targets

    container = OmegaConf.to_container(cfg, resolve=False)
    hydra_node = container.pop("hydra", None) or {}
    resolved = {}
    for short in ("callbacks", "launcher", "sweeper"):
        try:
            node = cfg.hydra.get(short) if "hydra" in cfg else None
            resolved[short] = OmegaConf.to_container(node, resolve=True) if node else None
        except OmegaConfBaseException as exc:
            raise ConfigError(
                f"hydra.{short} does not resolve ({one_line(exc)}); remove the override "
                "that changed it."
            ) from None
    check_hydra_targets(hydra_node, resolved)
    try:
        job = OmegaConf.create(container)
        OmegaConf.resolve(job)
    except OmegaConfBaseException as exc:
        raise ConfigError(
            f"the config does not resolve: {one_line(exc)}; fix the interpolation it names."
        ) from None
    missing = sorted(OmegaConf.missing_keys(job))
    if missing:
        raise ConfigError(
            f"{missing[0]} has no value (??? in its config file); set it on the command line, "
            f"e.g. {missing[0]}=..."
        )
    check_job_targets(OmegaConf.to_container(job))
    check_job_config(job)


def refuse_unsafe_arguments(args: list[str]) -> None:
    """The first checks of ``harness run``, before any config is read: refused Hydra flags
    (``--config-dir``, ``--experimental-rerun`` ...) and ``hydra`` overrides outside the short
    list. They come first so that an attack is always named as what it is.

    Raises
    ------
    ConfigError
        Naming the flag or override and the fix.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    namespace = _parse_command_line(args)
    hydra_keys = [o for o in namespace.overrides if o.lstrip("+~").startswith("hydra")]
    try:
        overrides = OverridesParser.create().parse_overrides(hydra_keys)
    except HydraException as exc:
        raise ConfigError(f"cannot read the override: {one_line(exc)}") from None
    for override in overrides:
        check_override(override, multirun=namespace.multirun)


def check_run_arguments(args: list[str], conf_dir: Path) -> list[tuple[list[str], DictConfig]]:
    """Check a ``harness run`` command line before Hydra creates a folder or runs anything.

    Refuses the Hydra flags that read configs or pickles from elsewhere and any ``hydra``
    override outside a short list, then composes the config (with its ``hydra`` node) of the
    run, or of every job of a sweep, and checks it with :func:`check_composed_config`.

    Parameters
    ----------
    args : list of str
        The arguments after ``harness run`` (flags and overrides).
    conf_dir : Path
        The primary config folder (``conf/``).

    Returns
    ------
    list of (list of str, DictConfig)
        The overrides of each Hydra job checked and its composed config (a sweep larger than
        :data:`MAX_COMPOSED_JOBS` jobs: the jobs :func:`sweep_jobs` picks).

    Raises
    ------
    ConfigError
        Naming the flag, override or key, and the fix.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from harness.runner.hydra_checks import refuse_user_hydra_options

    namespace = _parse_command_line(args)
    refuse_user_hydra_options()
    # Hydra warns about the same config again when it runs it; say things once.
    with warnings.catch_warnings(), initialize_config_dir(str(conf_dir), version_base="1.3"):
        warnings.simplefilter("ignore")
        try:
            parser = OverridesParser.create(config_loader=GlobalHydra.instance().config_loader())
            overrides = parser.parse_overrides(namespace.overrides)
            for override in overrides:
                check_override(override, multirun=namespace.multirun)
            node = _HydraNodeCheck(namespace.overrides)
            jobs = sweep_jobs(overrides) if namespace.multirun else [namespace.overrides]
            jobs_on_the_command_line = jobs
            first = compose(config_name="config", overrides=jobs[0], return_hydra_config=True)
            check_composed_config(first)  # the job's own refusals name the cause first
            params = node.check(first)
            if namespace.multirun and params:
                # A config file's sweeper params add overrides to every job: check them as
                # command-line sweep overrides, and every job they make.
                swept = parser.parse_overrides(params)
                for override in swept:
                    check_override(override, multirun=True)
                jobs = sweep_jobs([*swept, *overrides])
            checked = []
            for job in jobs:
                composed = first
                if job != jobs_on_the_command_line[0]:
                    composed = compose(
                        config_name="config", overrides=job, return_hydra_config=True
                    )
                    check_composed_config(composed)
                    node.check(composed)
                checked.append((list(job), composed))
        except (HydraException, OmegaConfBaseException) as exc:
            raise ConfigError(
                f"the config does not compose: {one_line(exc)} (fix or remove that override)."
            ) from None
    return checked


class _HydraNodeCheck:
    """:func:`harness.runner.hydra_checks.check_hydra_node` for each composed job, with the
    shipped hydra node composed once per distinct choice of Hydra options."""

    def __init__(self, command_line: list[str]) -> None:
        self._command_line = list(command_line)
        self._references: dict[tuple[str, ...], DictConfig] = {}

    def check(self, cfg: DictConfig) -> list[str]:
        from hydra import compose

        from harness.runner.hydra_checks import check_hydra_node, reference_overrides

        wanted = tuple(reference_overrides(cfg, self._command_line))
        if wanted not in self._references:
            self._references[wanted] = compose(
                config_name="config", overrides=list(wanted), return_hydra_config=True
            )
        reference = self._references[wanted]
        return check_hydra_node(cfg, reference, self._command_line)


#: Keys a command-line list turns into a grid axis, besides the config groups.
GRID_VALUE_KEYS = ("seed",)


def lists_as_grid_axes(
    args: list[str], groups: dict[str, list[str]], *, multirun: bool
) -> list[str]:
    """Turn a list for a config group (or ``seed``) on ``harness run`` into that grid axis.

    ``resampler=[none,adasyn]`` (and, outside a sweep, ``resampler=none,adasyn``) becomes
    ``++experiment.grid.resampler=[none,adasyn]``: one job per option, in one run folder and
    one comparison. Hydra alone would merge the listed configs into one (a list of configs is
    its way of combining them) or call the comma form ambiguous. With ``-m`` the comma form
    stays a sweep.

    Parameters
    ----------
    args : list of str
        The arguments after ``harness run``.
    groups : dict of str to list of str
        The config groups and their options (:func:`harness.config_dir.config_groups`).
    multirun : bool
        Whether the command is a sweep (``-m``).

    Returns
    -------
    list of str
        ``args`` with each such override rewritten, in place.

    Raises
    ------
    ConfigError
        A listed option that does not exist (with the closest one), or a list that is not plain
        values (``choice(...)``, ``range(...)`` outside a sweep), naming the form that works.
    """
    from harness.config_dir import suggest_fix

    rewritten = []
    for arg in args:
        key, sep, value = arg.partition("=")
        axis = key in groups or key in GRID_VALUE_KEYS
        listed = value.startswith("[") and value.endswith("]")
        comma = "," in value and not listed and not multirun
        if not (sep and axis and (listed or comma)):
            rewritten.append(arg)
            continue
        options = [v.strip() for v in (value[1:-1] if listed else value).split(",")]
        if not all(SAFE_NAME.match(option) for option in options):
            raise ConfigError(
                f"{arg}: a list of {key} values must be plain names, e.g. {key}=[a,b] or "
                f"experiment.grid.{key}=[a,b] in an experiment file (one job per value)."
            )
        for option in options:
            problem = suggest_fix(f"{key}={option}", groups=groups)
            if problem:
                raise ConfigError(f"{arg}: {problem}")
        rewritten.append(f"++experiment.grid.{key}=[{','.join(options)}]")
    return rewritten
