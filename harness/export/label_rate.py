"""What sparse, delayed minority labels allow: the sequential bound and the evidence test.

A recall SLO is judged on confirmed minority labels, each a hit (``tp``) or a miss (``fn``).
With ``objective`` the recall objective and ``m`` the margin (0.05, or less near 0 and 1), a
model in good health has recall ``objective + m`` and a degraded one ``objective - m``. Each
label moves the log-likelihood ratio of the two by ``ln((1 - r1) / (1 - r0))`` for a miss and
``ln(r1 / r0)`` for a hit (Wald's sequential probability ratio test; Page's CUSUM restarts it at
zero). Page's CUSUM is the optimal detector of such a change (Lorden 1971; Moustakides 1986):
with a threshold ``h`` it raises a false alarm at most once per ``e^h`` labels, and detects a
fall to recall ``r`` after about ``h / KL(r || r0)`` labels, the bound no test at the same
false-alarm rate can beat by much.

PromQL cannot carry a CUSUM from one evaluation to the next, but the CUSUM is the largest
log-likelihood ratio over every start point, and the largest over a few start points spaced by
factors of two comes close: :func:`evidence_test` sums the ratio over windows of 1, 2, 4 ...
times the labels of the smallest and pages when any window's sum passes ``h``. Each window's
sum never exceeds the CUSUM, so the false-alarm rate stays within Lorden's bound; the
simulation (:mod:`harness.export.alert_simulation`) measures both rates on a real Prometheus.

A fixed label delay shifts every label, and so the page, by the delay: the time from a drop to
the page is the delay plus the detection time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.errors import ConfigError
from harness.slo import LabelSupply

#: Recall above (below) the objective by this much is good (degraded) health.
MARGIN = 0.05
#: False pages the evidence test allows per 30 days with the model in good health.
FALSE_PAGES_PER_30_DAYS = 1.0
HOURS_PER_30_DAYS = 720.0
#: The smallest window holds about this many labels (fewer say nothing about a recall).
MIN_WINDOW_LABELS = 10.0
#: The largest window holds twice the labels the smallest drop needs.
LONGEST_WINDOW_FACTOR = 2.0
MIN_WINDOW_MINUTES = 5
#: The falls below the objective the notes and the simulation report.
DROPS = (0.05, 0.10, 0.20)


def recall_pair(objective: float) -> tuple[float, float]:
    """The healthy and degraded recalls the test tells apart: ``objective ± margin``.

    The margin is :data:`MARGIN`, or half the distance to 0 or 1 when the objective is closer.

    Examples
    --------
    >>> recall_pair(0.8)
    (0.85, 0.75)
    >>> recall_pair(0.99)
    (0.995, 0.985)
    """
    if not 0.0 < objective < 1.0:
        raise ConfigError(f"recall objective {objective} must be in (0, 1), e.g. 0.8.")
    margin = min(MARGIN, (1.0 - objective) / 2.0, objective / 2.0)
    return round(objective + margin, 12), round(objective - margin, 12)


def bernoulli_kl(p: float, q: float) -> float:
    """Kullback-Leibler divergence ``KL(Bernoulli(p) || Bernoulli(q))`` in nats."""
    if not (0.0 < q < 1.0 and 0.0 <= p <= 1.0):
        raise ConfigError(f"KL needs p in [0, 1] and q in (0, 1), got p={p}, q={q}.")
    hit = p * math.log(p / q) if p > 0 else 0.0
    miss = (1 - p) * math.log((1 - p) / (1 - q)) if p < 1 else 0.0
    return hit + miss


def false_alarm_threshold(labels_per_hour: float) -> float:
    """``h = ln(1 / alpha)`` with ``alpha`` one false page per 30 days of labels.

    Lorden's bound: a CUSUM with threshold ``h`` waits at least ``e^h`` labels on average
    between false alarms; ``e^h`` labels at ``labels_per_hour`` are 30 days.
    """
    _positive_rate(labels_per_hour)
    return math.log(HOURS_PER_30_DAYS * labels_per_hour / FALSE_PAGES_PER_30_DAYS)


def sequential_bound_hours(
    objective: float, recall: float, labels_per_hour: float, delay_hours: float = 0.0
) -> float:
    """Hours from a fall to ``recall`` to an optimal sequential test's alarm, delay included.

    ``delay + ln(1 / alpha) / KL(recall || healthy) / rate``: the CUSUM's detection time at
    one false alarm per 30 days (:func:`false_alarm_threshold`), healthy = objective + margin.
    """
    healthy, _ = recall_pair(objective)
    if not 0.0 < recall < healthy:
        raise ConfigError(f"recall {recall} must be in (0, {healthy}) to be a fall.")
    labels = false_alarm_threshold(labels_per_hour) / bernoulli_kl(recall, healthy)
    return delay_hours + labels / labels_per_hour


def rate_needed(
    objective: float, drop: float, within_hours: float, delay_hours: float = 0.0
) -> float | None:
    """The least label rate at which the sequential bound of a ``drop`` is ``within_hours``.

    Returns
    -------
    float or None
        Minority labels per hour; ``None`` when no rate reaches it (the delay alone is as long).
    """
    budget = within_hours - delay_hours
    if budget <= 0:
        return None
    low, high = 1e-3, 1e7
    recall = objective - drop
    if sequential_bound_hours(objective, recall, high) > budget:
        return None
    for _ in range(200):  # the bound falls as the rate grows: bisect on a log scale
        middle = math.sqrt(low * high)
        if sequential_bound_hours(objective, recall, middle) > budget:
            low = middle
        else:
            high = middle
    return high


@dataclass(frozen=True)
class EvidenceTest:
    """Windowed log-likelihood ratio test of degraded against healthy recall.

    Attributes
    ----------
    healthy, degraded : float
        The two recalls told apart (:func:`recall_pair`).
    miss_weight, hit_weight : float
        Log-likelihood ratio added by a missed (``fn``, > 0) and a caught (``tp``, < 0)
        minority label.
    threshold : float
        ``h``: the ratio any window must pass to page (:func:`false_alarm_threshold`).
    windows : tuple of str
        Prometheus durations, shortest first, each twice the previous.
    labels_per_hour : float
        The rate the windows were sized for.
    """

    healthy: float
    degraded: float
    miss_weight: float
    hit_weight: float
    threshold: float
    windows: tuple[str, ...]
    labels_per_hour: float

    def expected_labels(self, window: str) -> float:
        """Labels a window holds on average at the rate it was sized for."""
        return self.labels_per_hour * _minutes(window) / 60.0


def evidence_test(objective: float, labels_per_hour: float) -> EvidenceTest:
    """The test :func:`harness.export.rules.evidence_alert_rule` pages on.

    The longest window holds :data:`LONGEST_WINDOW_FACTOR` times the labels the CUSUM needs
    to detect the degraded recall; each shorter one half the previous, down to about
    :data:`MIN_WINDOW_LABELS` labels (and never under :data:`MIN_WINDOW_MINUTES` minutes).

    Examples
    --------
    >>> test = evidence_test(0.8, 50)
    >>> test.windows
    ('23m', '47m', '93m', '186m', '372m', '744m')
    >>> round(test.threshold, 2), round(test.miss_weight, 3), round(test.hit_weight, 3)
    (10.49, 0.511, -0.125)
    """
    healthy, degraded = recall_pair(objective)
    threshold = false_alarm_threshold(labels_per_hour)
    needed = threshold / bernoulli_kl(degraded, healthy)
    labels = LONGEST_WINDOW_FACTOR * needed
    minutes: list[int] = []
    while labels >= MIN_WINDOW_LABELS or not minutes:
        minutes.append(max(MIN_WINDOW_MINUTES, round(labels / labels_per_hour * 60.0)))
        labels /= 2.0
    windows = tuple(f"{m}m" for m in sorted(set(minutes)))
    return EvidenceTest(
        healthy=healthy,
        degraded=degraded,
        miss_weight=math.log((1.0 - degraded) / (1.0 - healthy)),
        hit_weight=math.log(degraded / healthy),
        threshold=threshold,
        windows=windows,
        labels_per_hour=labels_per_hour,
    )


def _minutes(window: str) -> float:
    units = {"s": 1 / 60, "m": 1, "h": 60, "d": 1440, "w": 10080}
    return float(window[:-1]) * units[window[-1]]


def _positive_rate(labels_per_hour: float) -> None:
    if not (math.isfinite(labels_per_hour) and labels_per_hour > 0):
        raise ConfigError(
            f"label rate {labels_per_hour} must be a positive number of minority labels per "
            "hour, e.g. 50."
        )


def label_supply_notes(objective: float, supply: LabelSupply) -> list[str]:
    """What the SLO set's labels allow, in words: the sequential bound of each drop, and
    whether the set's detection target can be reached (and at what rate if not).

    Examples
    --------
    >>> supply = LabelSupply(10, "6h", DetectionTarget(0.1, "12h"))
    >>> print(label_supply_notes(0.8, supply)[-1])  # doctest: +NORMALIZE_WHITESPACE
    detection target unreachable: at 10 minority labels/h with a 6h delay no test pages on a fall
    to 0.70 sooner than 18.3 h (ln(1/alpha)/KL = 123 labels after the delay); 12h needs at least
    23 labels/h.
    """
    rate, delay_h = supply.minority_per_hour, _minutes(supply.delay) / 60.0
    healthy, _ = recall_pair(objective)
    h = false_alarm_threshold(rate)
    notes = []
    for drop in DROPS:
        recall = objective - drop
        if recall <= 0:
            continue
        bound = sequential_bound_hours(objective, recall, rate, delay_h)
        notes.append(
            f"at {rate:g} minority labels/h with a {supply.delay} delay, a fall of recall to "
            f"{recall:.2f} can page no sooner than {bound:.1f} h after it (CUSUM bound, one "
            "false page per 30 days)"
        )
    target = supply.detect
    if target is None:
        return notes
    recall, within_h = objective - target.drop, _minutes(target.within) / 60.0
    bound = sequential_bound_hours(objective, recall, rate, delay_h)
    if bound <= within_h:
        notes.append(
            f"detection target reachable: a fall to {recall:.2f} within {target.within} needs "
            f"{bound:.1f} h at least; `harness simulate-alerts --slo <set>` measures how "
            "close the generated page comes"
        )
        return notes
    labels = h / bernoulli_kl(recall, healthy)
    needed = rate_needed(objective, target.drop, within_h, delay_h)
    fix = (
        f"{target.within} needs at least {math.ceil(needed)} labels/h"
        if needed is not None
        else f"no rate reaches {target.within}: the {supply.delay} label delay alone is as long"
    )
    notes.append(
        f"detection target unreachable: at {rate:g} minority labels/h with a {supply.delay} "
        f"delay no test pages on a fall to {recall:.2f} sooner than {bound:.1f} h "
        f"(ln(1/alpha)/KL = {labels:.0f} labels after the delay); {fix}."
    )
    return notes
