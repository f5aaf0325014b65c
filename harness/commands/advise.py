"""``harness advise``: should I resample this data? ``harness advisor-fit``: refit the advisor.

``harness advise <overrides>`` composes the data set of ``harness run <overrides>``, loads it,
computes its meta-features and prints the advice of the shipped advisor (words first, tables
after). A data set it cannot judge (too few rows of a class, a file it cannot read) ends with
exit 2 and the reason. ``harness advisor-fit <table>`` refits the advisor from the benchmark's
compact table and rewrites the package's advisor files and docs/advisor.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from harness.commands.common import command_parser, guarded, print_error


def advise_parser() -> argparse.ArgumentParser:
    """The parser of ``harness advise``."""
    parser = command_parser(
        "harness advise",
        "Before spending compute: per model family, the treatments likely to beat none and "
        "decision_threshold on this data set, with probabilities, the expected calibration "
        "change and the three most similar benchmark data sets, from a model of the "
        "benchmark's outcomes (docs/advisor.md). Takes the dataset overrides of `harness run`.",
        "harness advise dataset=pima",
        "harness advise dataset=table dataset.loader.path=data.csv dataset.loader.target=label",
    )
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="OVERRIDE",
        help="the overrides `harness run` takes that choose the data set (dataset=NAME, "
        "dataset.loader.path=...)",
    )
    parser.add_argument(
        "--advisor",
        type=Path,
        default=None,
        metavar="FOLDER",
        help="an advisor `harness advisor-fit --out FOLDER` wrote (default: the shipped one)",
    )
    return parser


def _dataset(overrides: list[str]):
    from harness.components.datasets import load_dataset
    from harness.config_dir import check_spelling, register_user_config_dirs
    from harness.runner.config_checks import refuse_unsafe_arguments
    from harness.runner.experiment import plan_run

    register_user_config_dirs()
    refuse_unsafe_arguments(overrides)
    check_spelling(overrides)
    cfg, _ = plan_run(overrides)
    return load_dataset(cfg.dataset)


def _run_advise(argv: list[str]) -> int:
    args = advise_parser().parse_args(argv)  # before the advisor's stack: --help stays quick
    from harness.advisor.advice import advise
    from harness.advisor.features import check_judgeable, dataset_meta_features
    from harness.advisor.render import render_advice
    from harness.advisor.store import StoredAdvisor

    dataset = _dataset(list(args.overrides))
    check_judgeable(dataset)
    stored = StoredAdvisor(args.advisor) if args.advisor else StoredAdvisor()
    started = time.perf_counter()
    features = dataset_meta_features(dataset)
    seconds = time.perf_counter() - started
    print(render_advice(advise(dataset.name, features, stored), stored, seconds=seconds))
    return 0


def advise_main(argv: list[str]) -> int:
    """Run ``harness advise``; return the exit code (2 on data it cannot judge)."""
    return guarded(lambda: _run_advise(argv))


def advisor_fit_parser() -> argparse.ArgumentParser:
    """The parser of ``harness advisor-fit``."""
    parser = command_parser(
        "harness advisor-fit",
        "Refit the advisor from the benchmark's compact table: the meta-features of its data "
        "sets (kept from the stored table when a data set is unchanged), one logistic model "
        "per model family, treatment and reference, the leave-one-data-set-out validation; "
        "writes the package's advisor files and advisor.md into --docs.",
        "harness advisor-fit docs/data/benchmark.csv.gz",
        "harness advisor-fit docs/data/benchmark.csv.gz --out refit --docs refit",
    )
    parser.add_argument("table", type=Path, help="the compact table of harness benchmark-report")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="where advisor.md goes")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where the advisor files go (default: the package's harness/advisor/)",
    )
    return parser


def _run_fit(argv: list[str]) -> int:
    args = advisor_fit_parser().parse_args(argv)  # before the advisor's stack
    import pandas as pd

    from harness.advisor.fit import benchmark_features, fit_advisor, read_benchmark_table
    from harness.advisor.page import write_page
    from harness.advisor.store import FEATURES_FILE, FOLDER, write_model
    from harness.components.datasets import load_dataset
    from harness.data.common_sets import read_summary

    out = args.out or FOLDER
    compact, sha = read_benchmark_table(args.table)
    stored_path = out / FEATURES_FILE
    stored = pd.read_csv(stored_path, index_col="dataset") if stored_path.is_file() else None
    summary = read_summary()
    digests = dict(zip(summary["name"], summary["digest"], strict=True))
    names = sorted(set(compact["dataset"]))
    features = benchmark_features(names, stored, digests, load_dataset)
    fitted = fit_advisor(compact, features, table_sha256=sha)
    write_model(out, fitted.document, features, fitted.outcomes)
    page = write_page(fitted, args.docs, command=f"harness advisor-fit {args.table.as_posix()}")
    print(f"wrote {out.name}/ (families: {', '.join(sorted(fitted.families))}) and {page}")
    return 0


def advisor_fit_main(argv: list[str]) -> int:
    """Run ``harness advisor-fit``; return the exit code."""
    try:
        return guarded(lambda: _run_fit(argv))
    except OSError as exc:
        return print_error(f"cannot write the advisor's files ({exc}): check the folders")
