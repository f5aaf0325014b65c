"""An experiment's grid: its jobs' overrides, and their configs composed at the cost of the
grid's distinct options rather than of its jobs.

Composing a config with Hydra reads and merges every YAML file of the defaults list, about
half a second each time. A grid of 8 data sets × 5 strategies × 5 seeds would compose 200
times. :class:`GridComposer` composes once per distinct config-group option instead (13 times
for that grid) and builds each job's config from the primary config: the option's node is
swapped in and the value overrides (``seed=3``, ``resampler.sampler.beta=0.5``) are applied
by Hydra's own override code. An option is swapped in only when composing it changes nothing
outside its own group; any other option, and any override that is not a plain group choice or
value, makes that job composed in full, as before. ``tests/runner/test_grid.py`` checks that
both ways give identical configs for every shipped experiment.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness.errors import ConfigError

log = logging.getLogger(__name__)


def _override_keys(overrides: Iterable[str]) -> set[str]:
    keys = set()
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        keys.add(key.split(".", 1)[0] if "/" not in key else key)
    return keys


def grid_overrides(cfg: DictConfig, overrides: list[str]) -> list[list[str]]:
    """Expand ``experiment.grid`` into one override list per job.

    Keys set in ``overrides`` (the command line, or a multirun job's sweep values) are taken
    out of the grid, so ``harness run experiment=quick resampler=smote`` runs SMOTE only. A
    value that is a mapping sets all its keys together as one point of its axis
    (``{resampler: adasyn, resampler.name: adasyn_b0.5, resampler.sampler.beta: 0.5}``).
    A combination that ``experiment.not_applicable`` names is left out, and logged with its
    reason (:func:`not_applicable_cells`).
    """
    grid_node = cfg.experiment.get("grid")
    grid = OmegaConf.to_container(grid_node, resolve=True) if grid_node else {}
    if not isinstance(grid, dict):
        raise ConfigError("experiment.grid must be a mapping of group name -> list of options.")
    fixed = _override_keys(overrides)
    axes = []
    for key, values in grid.items():
        if key in fixed:
            continue
        if isinstance(values, str | int | float):
            values = [values]
        if not isinstance(values, list) or not values:
            raise ConfigError(
                f"experiment.grid.{key} must be a non-empty list (e.g. [adasyn, smote])."
            )
        axes.append([_point_overrides(key, value) for value in values])
    combos = [[o for point in combo for o in point] for combo in itertools.product(*axes)]
    cells = not_applicable_cells(cfg)
    kept, reasons = [], []
    for combo in combos:
        chosen = [*overrides, *combo]
        reason = next((c["reason"] for c in cells if _matches(c["when"], chosen)), None)
        if reason is None:
            kept.append(combo)
        else:
            reasons.append(reason)
            log.info("not applicable, left out: %s (%s)", " ".join(chosen), reason)
    if combos and not kept:
        raise ConfigError(
            f"every job of this run is a cell experiment.not_applicable leaves out "
            f"({reasons[0]}); choose another option on the command line."
        )
    return kept or [[]]


def not_applicable_cells(cfg: DictConfig) -> list[dict[str, Any]]:
    """The grid cells an experiment declares not applicable, each with its reason.

    ``experiment.not_applicable`` is a list of mappings: ``reason`` (text) and one or more
    ``group: option`` pairs; a job whose overrides choose every one of those options is not
    run (e.g. ``{model: knn, resampler: class_weight, reason: "KNeighborsClassifier has no
    class_weight"}``).

    Returns
    -------
    list of dict
        ``{"when": {group: option, ...}, "reason": str}`` per declared cell.

    Raises
    ------
    ConfigError
        An entry that is not a mapping, has no reason or names no option.
    """
    node = cfg.experiment.get("not_applicable") if "experiment" in cfg else None
    entries = OmegaConf.to_container(node, resolve=True) if node else []
    if not isinstance(entries, list):
        raise ConfigError("experiment.not_applicable must be a list of mappings with a reason.")
    cells = []
    for entry in entries:
        if not isinstance(entry, dict) or not str(entry.get("reason") or "").strip():
            raise ConfigError(
                f"experiment.not_applicable entry {entry!r} needs a reason and one or more "
                "group: option pairs, e.g. {model: knn, resampler: class_weight, reason: ...}."
            )
        when = {str(k): str(v) for k, v in entry.items() if k != "reason"}
        if not when:
            raise ConfigError(
                f"experiment.not_applicable entry {entry!r} names no option; add e.g. model: knn."
            )
        cells.append({"when": when, "reason": str(entry["reason"])})
    return cells


def _matches(when: dict[str, str], combo: list[str]) -> bool:
    return all(f"{key}={value}" in combo for key, value in when.items())


def _point_overrides(key: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{name}={setting}" for name, setting in value.items()]
    return [f"{key}={value}"]


def job_overrides(overrides: list[str]) -> list[str]:
    """The overrides that shape a job's config (``hydra.*`` ones configure the run only)."""
    return [o for o in overrides if not o.lstrip("+~").startswith("hydra")]


def without_hydra(cfg: DictConfig) -> DictConfig:
    """``cfg`` without its ``hydra`` node, every interpolation resolved."""
    job_cfg = OmegaConf.create(_plain(cfg))
    OmegaConf.resolve(job_cfg)
    return job_cfg


class GridComposer:
    """Compose the configs of a grid's jobs (inside an initialised Hydra context).

    Parameters
    ----------
    cfg : DictConfig
        The primary config: every job's config starts from it.
    overrides : list of str
        The overrides ``cfg`` was composed with (``hydra.*`` ones are ignored).
    """

    def __init__(self, cfg: DictConfig, overrides: list[str]) -> None:
        from hydra.core.global_hydra import GlobalHydra
        from hydra.core.override_parser.overrides_parser import OverridesParser

        self._base = job_overrides(overrides)
        self._parser = OverridesParser.create()
        self._loader = GlobalHydra.instance().config_loader()
        # Each job's config starts as a copy of the primary config (without ``hydra``). An
        # option composed with the base overrides is compared with it, so a primary config
        # changed after composing disables the shortcut.
        self._template = _plain(cfg)
        self._options: dict[tuple[str, str], Any] = {}
        self._groups: dict[str, bool] = {}
        self.composed = 0
        """How many times Hydra composed a config (for the tests and the benchmark)."""

    def _compose(self, overrides: list[str]) -> DictConfig:
        from hydra import compose

        self.composed += 1
        return compose(config_name="config", overrides=self._base + overrides)

    def config(self, combo: list[str]) -> DictConfig:
        """The config of the job that ``combo`` (one grid point's overrides) selects.

        Returns
        -------
        DictConfig
            Without the ``hydra`` node, interpolations resolved.
        """
        parsed = self._parser.parse_overrides(combo)
        if any(o.is_sweep_override() or o.package is not None for o in parsed):
            return without_hydra(self._compose(combo))
        groups, values = [], []
        for override in parsed:
            (groups if self._is_group(override.key_or_group) else values).append(override)
        nodes = {}
        for override in groups:
            node = None
            plain = not (override.is_add() or override.is_delete() or override.is_force_add())
            if plain and "/" not in override.key_or_group:
                node = self._option(override.key_or_group, str(override.value()))
            if node is None:
                return without_hydra(self._compose(combo))
            nodes[override.key_or_group] = node
        # OmegaConf.create copies the plain data: the template and the options stay as they are.
        job = OmegaConf.create({**self._template, **nodes})
        OmegaConf.set_struct(job, True)
        _apply_values(values, job)
        OmegaConf.resolve(job)
        return job

    def _is_group(self, key: str) -> bool:
        # Listing a group's options reads the config folders (~10 ms): once per key.
        if key not in self._groups:
            self._groups[key] = bool(self._loader.get_group_options(key))
        return self._groups[key]

    def _option(self, group: str, option: str) -> Any:
        """The node ``group=option`` composes to (plain data, unresolved), or ``None`` when
        choosing it changes the config outside ``group`` too (then only a full composition is
        faithful)."""
        key = (group, option)
        if key not in self._options:
            chosen = _plain(self._compose([f"{group}={option}"]))
            separable = _without(chosen, group) == _without(self._template, group)
            self._options[key] = chosen.get(group) if separable else None
        return self._options[key]


def _plain(cfg: DictConfig) -> dict[str, Any]:
    """``cfg`` as plain data without its ``hydra`` node, interpolations unresolved."""
    container = OmegaConf.to_container(cfg, resolve=False)
    container.pop("hydra", None)
    return container


def _without(container: dict[str, Any], key: str) -> dict[str, Any]:
    return {name: value for name, value in container.items() if name != key}


def _apply_values(overrides: list[Any], cfg: DictConfig) -> None:
    """Apply parsed value overrides (``key=value``, ``+key=value``, ``~key``) as Hydra does."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    ConfigLoaderImpl._apply_overrides_to_config(overrides, cfg)
