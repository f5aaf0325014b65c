"""``harness datasets``: list the built-in data sets."""

from __future__ import annotations

import argparse

from harness.commands.common import command_parser


def datasets_parser() -> argparse.ArgumentParser:
    """The parser of ``harness datasets``."""
    return command_parser(
        "harness datasets",
        "List the built-in data sets (name, rows, features, imbalance ratio). Select one with "
        "`harness run dataset=NAME`, or your own table with dataset=table.",
        "harness datasets",
        "harness datasets | grep 'ADASYN paper'",
    )


def datasets_main(argv: list[str]) -> int:
    """Run ``harness datasets``; return the exit code."""
    datasets_parser().parse_args(argv)
    from harness.data import format_datasets_table, list_datasets

    print(format_datasets_table(list_datasets()))
    return 0
