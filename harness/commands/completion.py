"""``harness completion bash``: a bash completion script for the commands and ``run``'s groups."""

from __future__ import annotations

import argparse

from harness import __version__
from harness.commands import COMMANDS
from harness.commands.common import command_parser
from harness.config_dir import config_groups

_BASH_COMPLETION = r"""# bash completion for `harness` (adasyn-harness {version}).
# Load it in this shell:   source <(harness completion bash)
# or for every new shell:
#   harness completion bash > ~/.local/share/bash-completion/completions/harness
# Regenerate it after adding config options (it lists them as they are now).
_harness() {{
    local line="${{COMP_LINE:0:COMP_POINT}}"
    local cur="${{line##*[[:space:]]}}"
    local -a before=(${{line%"$cur"}})
    local candidates
    if (( ${{#before[@]}} <= 1 )); then
        candidates="{commands}"
    elif [[ "${{before[1]}}" == run ]]; then
        if [[ "$cur" == *=* ]]; then
            candidates="{choices}"
        else
            candidates="{run_words}"
        fi
    elif [[ "${{before[1]}}" == completion ]]; then
        candidates="bash"
    else
        candidates="--help"
    fi
    COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
    # Bash splits words at '=': reply with the part after the last '=' only.
    if [[ "$cur" == *=* && "$COMP_WORDBREAKS" == *=* ]]; then
        local typed="${{cur%=*}}="
        COMPREPLY=("${{COMPREPLY[@]#"$typed"}}")
    fi
    if [[ ${{#COMPREPLY[@]}} -eq 1 && "${{COMPREPLY[0]}}" == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}}
complete -o default -F _harness harness
"""

RUN_KEYS = ("seed=", "resume=")
RUN_FLAGS = ("-m", "--multirun", "--help", "--cfg")


def completion_script() -> str:
    """A bash completion script for ``harness``: commands, and ``run``'s groups and options."""
    groups = config_groups()
    choices = [f"{group}={option}" for group, options in groups.items() for option in options]
    choices += ["resume=true", "resume=false"]
    return _BASH_COMPLETION.format(
        version=__version__,
        commands=" ".join([*COMMANDS, "--help", "--version"]),
        choices=" ".join(choices),
        run_words=" ".join([*RUN_FLAGS, *(f"{group}=" for group in groups), *RUN_KEYS]),
    )


def completion_parser() -> argparse.ArgumentParser:
    """The parser of ``harness completion``."""
    parser = command_parser(
        "harness completion",
        "Print a shell completion script for harness: its commands and, after `harness run`, "
        "the config groups and their options (dataset=, resampler=adasyn, ...).",
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
