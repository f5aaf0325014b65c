"""``harness bench``'s parser: its defaults are the benchmarks' own, without importing them."""

from harness.bench import distributed, suite
from harness.commands import bench


def test_the_parser_defaults_are_the_benchmarks():
    assert bench.DEFAULT_OUT == suite.DEFAULT_OUT
    assert (
        bench.DISTRIBUTED_ROWS,
        bench.DISTRIBUTED_FEATURES,
        bench.DISTRIBUTED_MINORITY,
        bench.DISTRIBUTED_PARTITION_ROWS,
    ) == (
        distributed.DEFAULT_ROWS,
        distributed.DEFAULT_FEATURES,
        distributed.DEFAULT_MINORITY,
        distributed.DEFAULT_PARTITION_ROWS,
    )


def test_shapes_are_parsed_on_use():
    args = bench.build_parser().parse_args(["--shapes", "10kx20x5%"])
    assert [(s.n_rows, s.n_features) for s in args.shapes] == [(10_000, 20)]
