"""``harness resample --engine ray``: exact ADASYN over a partitioned Parquet data set."""

from __future__ import annotations

import argparse
import json

from harness.commands.common import command_parser
from harness.errors import ConfigError
from harness.extras import require


def build_parser() -> argparse.ArgumentParser:
    """The ``harness resample`` argument parser."""
    parser = command_parser(
        "harness resample",
        "Exact ADASYN on a folder of Parquet partitions, distributed with Ray; writes "
        "synthetic/ and lineage/ Parquet parts and summary.json. The result equals the "
        "single-machine ADASYN(backend='exact') on the same data and seed.",
        "harness resample --input parts/ --output adasyn-out/ --target label "
        "--minority-label 1 --address local",
        "harness resample --input parts/ --output adasyn-k7/ --target label --minority-label 1 "
        "--n-neighbors 7 --beta 0.5 --address local",
    )
    parser.add_argument("--engine", choices=["ray"], default="ray", help="execution engine")
    parser.add_argument("--input", required=True, help="folder (or URI) of .parquet partitions")
    parser.add_argument("--output", required=True, help="folder (or URI) for the results")
    parser.add_argument("--target", required=True, help="name of the class column")
    parser.add_argument(
        "--minority-label", required=True, help="class to oversample (parsed as int if it can be)"
    )
    parser.add_argument("--n-neighbors", type=int, default=5, help="K")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--beta", type=float, default=1.0, help="balance level")
    parser.add_argument(
        "--address",
        default="auto",
        help="Ray cluster address: 'auto' (a running cluster), HOST:PORT, or 'local' to start "
        "one in this process",
    )
    return parser


def _label(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        return text


def resample_main(argv: list[str]) -> int:
    """Entry point of ``harness resample``; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.n_neighbors < 1:
        raise ConfigError(f"--n-neighbors must be at least 1, got {args.n_neighbors}: pass e.g. 5.")
    ray = require("ray", "harness resample --engine ray")
    from harness.distributed.dataset import discover
    from harness.distributed.pipeline import distributed_adasyn

    discover(args.input, args.target)  # a wrong folder or column fails before Ray starts
    try:
        ray.init(
            address=None if args.address == "local" else args.address,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    except ConnectionError as exc:
        raise ConfigError(
            f"No Ray cluster at --address {args.address} ({exc}): start one with "
            "`ray start --head`, pass its HOST:PORT, or use --address local to start one in "
            "this process."
        ) from exc
    try:
        result = distributed_adasyn(
            args.input,
            args.output,
            args.target,
            _label(args.minority_label),
            n_neighbors=args.n_neighbors,
            seed=args.seed,
            beta=args.beta,
        )
    finally:
        ray.shutdown()
    peaks = [task["peak_bytes"] for task in result.count_tasks]
    print(
        json.dumps(
            {
                "rows": result.n_rows,
                "minority": result.n_minority,
                "synthetic": result.n_synthetic,
                "partitions": result.n_partitions,
                "max_task_peak_mib": round(max(peaks) / 2**20, 2),
                "seconds": {key: round(value, 2) for key, value in result.seconds.items()},
            }
        )
    )
    return 0
