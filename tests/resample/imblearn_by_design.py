"""Why a vendored imbalanced-learn test fails against the harness by design.

Each reason marks its tests ``xfail(strict=True)``: a test that starts passing fails the run,
so the list cannot go stale. docs/adasyn.md lists the same differences;
``tests/resample/test_imblearn_by_design.py`` checks what the harness does instead on the same data.
"""

import pytest

RANDOM_DRAWS = (
    "by design: the harness draws from counter-based streams keyed by (seed, purpose, class, "
    "block) (docs/adasyn.md, Random streams), not from imbalanced-learn's RandomState sequence, "
    "so the same random_state picks other parents and λ; the counts, labels and original rows "
    "are imbalanced-learn's (tests/resample/test_imblearn_by_design.py)"
)
SHRINKAGE_OF_GROWN_CLASSES = (
    "by design: shrinkage_ holds the factor of each class that grows; imbalanced-learn lists "
    "every class its sampling_strategy_ names, and {0: 3, 1: 7} grows none "
    "(tests/resample/test_imblearn_by_design.py)"
)
KEYWORD_ONLY = (
    "by design: the harness samplers' parameters are keyword-only (imbalanced-learn's contract "
    "for the harness's own samplers), so SMOTENC takes categorical_features by name, not first "
    "by position; the same test by name passes (tests/resample/test_imblearn_by_design.py)"
)


#: The exception each difference raises in its tests: another one is a real failure.
RAISES = {
    RANDOM_DRAWS: AssertionError,
    SHRINKAGE_OF_GROWN_CLASSES: AssertionError,
    KEYWORD_ONLY: TypeError,
}


def by_design(reason: str) -> pytest.MarkDecorator:
    """The mark of a vendored test that fails for ``reason``: strict, so it must keep failing,
    and only with the exception that difference raises (any other error fails the run)."""
    return pytest.mark.xfail(strict=True, raises=RAISES[reason], reason=reason)
