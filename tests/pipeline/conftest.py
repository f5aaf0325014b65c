"""The pipeline tests run real small grids with the report tests' fixture."""

from tests.report.conftest import run_grid  # noqa: F401  (a fixture, used by name)
