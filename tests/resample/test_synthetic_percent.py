"""``synthetic_percent``: N/100 × each chosen class's own rows, as SMOTE at N = 200 in the ADASYN
paper (Pima's training half: 134 minority rows + 268 synthetic against 250 majority)."""

from collections import Counter
from decimal import Decimal

import hydra.utils
import numpy as np
import pytest
from omegaconf import OmegaConf
from sklearn.model_selection import StratifiedKFold

from harness.errors import MemoryQuotaError, SamplerParameterError
from harness.resample import ADASYN, SMOTE, make_sampler, memory
from harness.resample.registry import STRATEGIES
from harness.resample.validation import percent_of
from tests.resample.conftest import sampler_of

#: The strategies that take synthetic_percent: every sampler of the shared core that makes rows.
TAKING = [name for name in STRATEGIES if "synthetic_percent" in sampler_of(name).get_params()]


def _pima_like(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """250 majority and 134 minority rows, Pima's training half in the paper's protocol."""
    rng = np.random.default_rng(seed)
    y = np.array([0] * 250 + [1] * 134)
    X = rng.normal(size=(384, 4)) + y[:, None] * 0.8
    X[:, 0] = rng.integers(0, 3, size=384)  # a nominal column for the -NC samplers
    return X, y


def test_the_samplers_of_the_shared_core_take_it():
    assert set(TAKING) == {"adasyn", "smote", "ros", "adasyn_nc", "smote_nc"}


@pytest.mark.parametrize("name", TAKING)
def test_n_200_generates_twice_the_minority_and_over_balances(name):
    X, y = _pima_like()
    sampler = sampler_of(name, synthetic_percent=200)
    _, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: 250, 1: 134 + 268}
    assert sampler.sampling_strategy_ == {0: 0, 1: 268} and sampler.n_synthetic_ == 268
    assert "class 1: synthetic_percent=200 asks for 268 new rows (200 % of its 134 rows)" in (
        sampler.notes_
    )


@pytest.mark.parametrize(
    ("percent", "n_rows", "expected"),
    [(200, 134, 268), (150, 135, 203), (100, 7, 7), (0.5, 100, 1), (0.4, 100, 0), (1e3, 3, 30)],
)
def test_the_count_is_rounded_half_up_from_the_exact_product(percent, n_rows, expected):
    assert percent_of(percent, n_rows) == expected


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("auto", {0: 0, 1: 240, 2: 90}),
        ("not majority", {0: 0, 1: 240, 2: 90}),
        ("minority", {0: 0, 1: 0, 2: 90}),
        ("not minority", {0: 600, 1: 240, 2: 0}),
        ("all", {0: 600, 1: 240, 2: 90}),
    ],
)
def test_multiclass_each_chosen_class_gets_n_percent_of_its_own_rows(strategy, expected):
    rng = np.random.default_rng(1)
    y = np.array([0] * 300 + [1] * 120 + [2] * 45)
    X = rng.normal(size=(len(y), 3)) + y[:, None]
    sampler = SMOTE(sampling_strategy=strategy, synthetic_percent=200, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert sampler.sampling_strategy_ == expected
    assert Counter(y_res.tolist()) == {c: n + expected[c] for c, n in Counter(y.tolist()).items()}


def test_the_count_follows_each_folds_own_minority():
    X, y = _pima_like()
    sampler = SMOTE(synthetic_percent=200, random_state=0)
    for train, _ in StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(X, y):
        minority = int((y[train] == 1).sum())
        sampler.fit_resample(X[train], y[train])
        assert sampler.n_synthetic_ == 2 * minority


@pytest.mark.parametrize(
    "value", [0, -200, float("inf"), float("nan"), True, "200", [200], Decimal(200)]
)
def test_bad_values_are_refused_naming_the_fix(value):
    X, y = _pima_like()
    with pytest.raises(SamplerParameterError) as caught:
        SMOTE(synthetic_percent=value).fit_resample(X, y)
    message = str(caught.value)
    assert "The 'synthetic_percent' parameter of SMOTE must be" in message
    assert "synthetic_percent must be a finite number > 0" in message
    assert "synthetic_percent=200" in message


@pytest.mark.parametrize("value", [np.int64(200), np.float64(200.0), 200.0])
def test_numpy_and_float_values_are_taken(value):
    X, y = _pima_like()
    assert SMOTE(synthetic_percent=value, random_state=0).fit(X, y).n_synthetic_ == 268


@pytest.mark.parametrize("strategy", [0.9, {1: 300}, lambda y: {1: 300}])
def test_a_strategy_that_states_counts_too_is_refused(strategy):
    X, y = _pima_like()
    with pytest.raises(SamplerParameterError, match="keep one.*by name: 'auto'"):
        ADASYN(sampling_strategy=strategy, synthetic_percent=200).fit_resample(X, y)


def test_adasyn_ignores_beta_but_keeps_d_th():
    X, y = _pima_like()
    assert ADASYN(synthetic_percent=200, beta=0.5, random_state=0).fit(X, y).n_synthetic_ == 268
    sampler = ADASYN(synthetic_percent=200, d_th=0.5, random_state=0).fit(X, y)
    assert sampler.n_synthetic_ == 0  # d = 134/250 = 0.536 >= 0.5
    assert any("d_th = 0.5, so no row was generated" in note for note in sampler.notes_)


def test_max_synthetic_caps_the_percent_request():
    X, y = _pima_like()
    with pytest.raises(MemoryQuotaError, match="create 268 synthetic rows.*max_synthetic=267"):
        SMOTE(synthetic_percent=200, max_synthetic=267).fit_resample(X, y)
    assert SMOTE(synthetic_percent=200, max_synthetic=268).fit(X, y).n_synthetic_ == 268


@pytest.mark.parametrize("percent", [1e12, 1e300, np.finfo(np.float64).max])
def test_a_percent_beyond_memory_is_refused_before_allocating(percent):
    X, y = _pima_like()
    with pytest.raises(MemoryQuotaError, match="of memory available, so it was refused"):
        ADASYN(synthetic_percent=percent).fit_resample(X, y)
    with pytest.raises(MemoryQuotaError, match=r"MiB of features\), more than max_synthetic"):
        ADASYN(synthetic_percent=percent, max_synthetic=10**6).fit_resample(X, y)


def test_the_memory_rule_counts_the_percent_request(monkeypatch):
    X, y = _pima_like()
    needed = 384 * (4 * 8 + 8) + 268 * (4 * 8 + 2 * 8 + 80)
    monkeypatch.setattr(memory, "available_memory", lambda: needed - 1)
    with pytest.raises(MemoryQuotaError, match="at most 267 new rows"):
        SMOTE(synthetic_percent=200).fit_resample(X, y)


def test_a_hydra_config_spells_it_as_a_number():
    config = OmegaConf.create(
        "sampler:\n  _target_: harness.resample.SMOTE\n  k_neighbors: 5\n  synthetic_percent: 200\n"
    )
    sampler = hydra.utils.instantiate(config.sampler, random_state=0)
    X, y = _pima_like()
    assert sampler.fit(X, y).n_synthetic_ == 268


def test_the_wrapped_imbalanced_learn_samplers_do_not_take_it():
    with pytest.raises(SamplerParameterError, match="does not take parameter"):
        make_sampler("borderline_smote", synthetic_percent=200)
