"""``harness completion bash``: a bash completion script, with everything it completes in it.

The script completes the commands; each command's flags (``gate --sl<TAB>``) and the choices
of a flag that has them (``--slo``, ``--export``); after ``harness run`` and ``harness plan``
the config groups and their options (``resampler=ad<TAB>``) and, after a group's dot, the
nested keys of the configs one level at a time (``resampler.sampler.<TAB>``). All of it is
generated now, into the script (:func:`key_index`, :func:`command_flags`), so pressing TAB runs
no Python; regenerate the script after adding config options.
"""

from __future__ import annotations

import argparse
import importlib
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from harness import __version__
from harness.commands import COMMANDS
from harness.commands.common import command_parser
from harness.config_dir import config_groups, search_dirs

_BASH_COMPLETION = r"""# bash completion for `harness` (adasyn-harness {version}).
# Load it in this shell:   source <(harness completion bash)
# or for every new shell:
#   harness completion bash > ~/.local/share/bash-completion/completions/harness
# Regenerate it after adding config options (it lists them as they are now).
declare -gA _harness_flags=(
{flags}
)
declare -gA _harness_choices=(
{choices_of_flags}
)
declare -gA _harness_keys=(
{keys}
)
_harness() {{
    local line="${{COMP_LINE:0:COMP_POINT}}"
    local cur="${{line##*[[:space:]]}}"
    local -a before=(${{line%"$cur"}})
    local previous="${{before[${{#before[@]}}-1]}}"
    local candidates
    if (( ${{#before[@]}} <= 1 )); then
        candidates="{commands}"
    elif [[ "$cur" == -* ]]; then
        candidates="${{_harness_flags[${{before[1]}}]}}"
    elif [[ -n "${{_harness_choices[${{before[1]}} $previous]+set}}" ]]; then
        candidates="${{_harness_choices[${{before[1]}} $previous]}}"
    elif [[ "${{before[1]}}" == run || "${{before[1]}}" == plan ]]; then
        if [[ "$cur" == *=* ]]; then
            candidates="{choices}"
        elif [[ "$cur" == *.* ]]; then
            local parent="${{cur%.*}}"
            local key
            candidates=""
            for key in ${{_harness_keys[$parent]}}; do candidates+=" $parent.$key"; done
        else
            candidates="{run_words}"
        fi
    elif [[ "${{before[1]}}" == completion ]]; then
        candidates="bash"
    else
        return 0  # a file or a value: bash's default completion
    fi
    COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
    # Bash splits words at '=': reply with the part after the last '=' only.
    if [[ "$cur" == *=* && "$COMP_WORDBREAKS" == *=* ]]; then
        local typed="${{cur%=*}}="
        COMPREPLY=("${{COMPREPLY[@]#"$typed"}}")
    fi
    if [[ ${{#COMPREPLY[@]}} -eq 1 && "${{COMPREPLY[0]}}" == *[=.] ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}}
complete -o default -F _harness harness
"""

RUN_KEYS = ("seed=", "resume=")
RUN_FLAGS = ("-m", "--multirun", "--help", "--cfg")
_GLOBAL_PACKAGE = "@package _global_"


def _parsers(command: str) -> list[argparse.ArgumentParser]:
    """The parsers of a command (``promote`` has its ``--rollback`` one too); ``run`` has
    Hydra's flags, the ones its help lists."""
    if command == "run":
        parser = argparse.ArgumentParser(add_help=False)
        for flag in RUN_FLAGS:
            parser.add_argument(flag, action="store_true")
        return [parser]
    module = importlib.import_module(f"harness.commands.{COMMANDS[command].module}")
    names = {
        "bench": ["build_parser"],
        "resample": ["build_parser"],
        "promote": ["promote_parser", "rollback_parser"],
    }.get(command, [COMMANDS[command].function.removesuffix("_main") + "_parser"])
    return [getattr(module, name)() for name in names]


def command_flags() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Every command's flags, and the choices of each flag that has them.

    Returns
    -------
    tuple of (dict of str to list of str, dict of str to list of str)
        Command to its ``--flags``; ``"<command> <flag>"`` to the flag's choices (``--slo``:
        the shipped SLO sets).
    """
    from harness.slo import available_slo_sets

    flags: dict[str, list[str]] = {}
    choices: dict[str, list[str]] = {}
    for command in COMMANDS:
        found: set[str] = set()
        for parser in _parsers(command):
            for action in parser._actions:
                long = [o for o in action.option_strings if o.startswith("--")]
                found.update(long)
                values = list(action.choices or [])
                if "--slo" in long:
                    values = available_slo_sets()
                for option in long if values else ():
                    choices[f"{command} {option}"] = [str(v) for v in values]
        flags[command] = sorted(found)
    return flags, choices


def _add_keys(index: dict[str, set[str]], prefix: str, node: Mapping[str, Any]) -> None:
    for key, value in node.items():
        key = str(key)
        if key.startswith("_") or key in ("defaults", "hydra"):
            continue
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and value:
            index[prefix].add(f"{key}.")
            _add_keys(index, path, value)
        else:
            index[prefix].add(f"{key}=")


def key_index() -> dict[str, list[str]]:
    """The nested keys of every config option, one level at a time.

    Read from the YAML files of every config folder (no config is composed): a group's option
    adds its keys under the group (``resampler`` → ``sampler.``, ``name=``), a file of
    ``# @package _global_`` (experiments, some evaluation profiles) at the top, and
    ``experiment.grid`` offers the axes a grid may have. Keys of ``_target_`` and other
    underscored keys are left out: they are not set on the command line.

    Returns
    -------
    dict of str to list of str
        A dotted parent key (``""`` for the top) to its children: ``name.`` for a mapping,
        ``name=`` for a value.
    """
    from harness.config_dir import PRIMARY_CONFIG
    from harness.strict import read_yaml

    index: dict[str, set[str]] = defaultdict(set)
    groups = config_groups()
    for folder in search_dirs():
        files = [(folder / PRIMARY_CONFIG, "")]
        files += [(folder / g / f"{o}.yaml", g) for g, options in groups.items() for o in options]
        for path, group in files:
            if not path.is_file():
                continue
            node = read_yaml(path, what=str(path), fix="fix or remove that config file")
            if isinstance(node, Mapping):
                text = path.read_text(encoding="utf-8")
                _add_keys(index, "" if _GLOBAL_PACKAGE in text else group, node)
    index["experiment.grid"].update(f"{axis}=" for axis in (*groups, "seed"))
    index["experiment"].add("grid.")
    return {parent: sorted(children) for parent, children in index.items()}


def _bash_array(entries: Mapping[str, list[str]]) -> str:
    return "\n".join(f'    ["{key}"]="{" ".join(values)}"' for key, values in entries.items())


def completion_script() -> str:
    """A bash completion script for ``harness``: commands, their flags, and ``run``'s groups,
    options and keys."""
    groups = config_groups()
    choices = [f"{group}={option}" for group, options in groups.items() for option in options]
    choices += ["resume=true", "resume=false"]
    keys = key_index()
    flags, flag_choices = command_flags()
    # A group's keys follow its dot (`resampler.<TAB>`); the first TAB offers the choices.
    top = [f"{group}=" for group in groups]
    return _BASH_COMPLETION.format(
        version=__version__,
        commands=" ".join([*COMMANDS, "--help", "--version"]),
        choices=" ".join(choices),
        run_words=" ".join(dict.fromkeys([*RUN_FLAGS, *top, *RUN_KEYS])),
        flags=_bash_array(flags),
        choices_of_flags=_bash_array(flag_choices),
        keys=_bash_array({k: v for k, v in keys.items() if k}),
    )


def completion_parser() -> argparse.ArgumentParser:
    """The parser of ``harness completion``."""
    parser = command_parser(
        "harness completion",
        "Print a shell completion script for harness: its commands and their flags and, after "
        "`harness run` or `harness plan`, the config groups and their options (dataset=, "
        "resampler=adasyn, ...) and the configs' nested keys (resampler.sampler.beta=).",
        "source <(harness completion bash)",
        "harness completion bash > ~/.local/share/bash-completion/completions/harness",
    )
    parser.add_argument("shell", choices=["bash"], help="the shell to complete in")
    return parser


def completion_main(argv: list[str]) -> int:
    """Run ``harness completion bash``: print the script."""
    completion_parser().parse_args(argv)
    print(completion_script(), end="")
    return 0
