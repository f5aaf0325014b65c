"""A job's evaluation plots from its pooled out-of-fold predictions.

The protocol keeps the test-fold predictions and scores of the first repeat, so every row has
exactly one out-of-fold prediction. From them: the confusion matrix at the job's decision
threshold, the reliability diagram with the Brier score, and precision, recall and F1 against
the threshold with the operating point and the precision target marked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from harness.metrics.calibration import brier_score
from harness.report.figures import close_to_png, pyplot

#: The job's configured precision target, as flattened into the record's params.
PRECISION_TARGET_PARAM = "evaluation.precision_target"
TUNED_THRESHOLD = "test/threshold_at_precision"
CALIBRATION_BINS = 10


def decision_threshold(scores: Sequence[np.ndarray], preds: Sequence[np.ndarray]) -> float | None:
    """The score threshold behind the job's predictions: median over folds of the lowest score
    predicted minority.

    Parameters
    ----------
    scores, preds : sequence of ndarray
        Minority scores and predicted labels (1 = minority), one array per test fold.

    Returns
    -------
    float or None
        ``None`` when no fold predicts both classes, or when in some fold the predictions are
        not ``score >= t`` for any ``t`` (then there is no one threshold to mark).
    """
    thresholds = []
    for score, pred in zip(scores, preds, strict=True):
        minority = np.asarray(pred) == 1
        if minority.all() or not minority.any():
            continue
        lowest_minority = float(np.min(score[minority]))
        if lowest_minority <= float(np.max(score[~minority])):
            return None
        thresholds.append(lowest_minority)
    return float(np.median(thresholds)) if thresholds else None


def _subject(record: dict[str, Any]) -> str:
    return f"{record['dataset']} / {record['resampler']} / {record['model']}"


def confusion_matrix_png(
    true: np.ndarray, pred: np.ndarray, title: str, threshold: float | None
) -> bytes:
    """Counts and shares of each true class (row) predicted as each class (column)."""
    from sklearn.metrics import ConfusionMatrixDisplay

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 4))
    display = ConfusionMatrixDisplay.from_predictions(
        true,
        pred,
        labels=[0, 1],
        display_labels=["majority", "minority"],
        ax=ax,
        colorbar=False,
        values_format="d",
        cmap="Blues",
    )
    counts = display.confusion_matrix
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    for (row, column), text in np.ndenumerate(display.text_):
        text.set_text(f"{counts[row, column]}\n{shares[row, column]:.1%} of row")
    where = "the job's predictions" if threshold is None else f"threshold {threshold:.3g}"
    ax.set_title(f"{title}\n({where}, pooled out-of-fold)", fontsize=9)
    return close_to_png(fig)


def calibration_png(true: np.ndarray, score: np.ndarray, title: str) -> bytes:
    """Reliability diagram (observed minority share per score bin) with the Brier score."""
    from sklearn.calibration import CalibrationDisplay

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    brier = brier_score(true, score)
    CalibrationDisplay.from_predictions(
        true, score, n_bins=CALIBRATION_BINS, ax=ax, name=f"out-of-fold (Brier {brier:.3f})"
    )
    ax.set_xlabel("mean predicted minority probability (per bin)")
    ax.set_ylabel("observed minority share")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    return close_to_png(fig)


def threshold_png(
    true: np.ndarray,
    score: np.ndarray,
    pred: np.ndarray,
    title: str,
    *,
    threshold: float | None,
    precision_target: float | None,
    tuned_threshold: float | None,
) -> bytes:
    """Precision, recall and F1 of the minority class against the score threshold.

    The job's own operating point (its pooled predictions) is drawn at ``threshold``; the
    precision target as a horizontal line, and the threshold tuned on the training folds to
    reach it (mean over folds) as a vertical one.
    """
    from sklearn.metrics import f1_score, precision_recall_curve, precision_score, recall_score

    plt = pyplot()
    precision, recall, cuts = precision_recall_curve(true, score)
    precision, recall = precision[:-1], recall[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    curves = {"precision": precision, "recall": recall, "F1": f1}
    colours = {"precision": "#0969da", "recall": "#cf222e", "F1": "#1a7f37"}
    for name, values in curves.items():
        ax.plot(cuts, values, label=name, color=colours[name], drawstyle="steps-post")
    if threshold is not None:
        operating = {
            "precision": precision_score(true, pred, zero_division=0),
            "recall": recall_score(true, pred, zero_division=0),
            "F1": f1_score(true, pred, zero_division=0),
        }
        ax.axvline(threshold, color="black", linewidth=1, label=f"decision {threshold:.3g}")
        for name, value in operating.items():
            ax.plot(threshold, value, "o", color=colours[name], markersize=6)
    if precision_target is not None:
        label = f"precision target {precision_target:g}"
        ax.axhline(precision_target, color="grey", linestyle="--", linewidth=1, label=label)
    if tuned_threshold is not None:
        label = f"tuned for the target {tuned_threshold:.3g}"
        ax.axvline(tuned_threshold, color="grey", linestyle=":", linewidth=1.5, label=label)
    ax.set_xlabel("threshold on the minority score (predict minority when score ≥ threshold)")
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=9)
    ax.legend(loc="lower left", fontsize=7)
    return close_to_png(fig)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def evaluation_plots(record: dict[str, Any], artifacts: Any) -> dict[str, bytes]:
    """The confusion matrix, reliability and threshold plots of one job, by file stem.

    Parameters
    ----------
    record : dict
        The job's record (identity, ``metrics``, ``params``).
    artifacts : FoldArtifacts
        ``oof_true``, ``oof_pred`` and ``oof_score``: one array per test fold of the first
        repeat.

    Returns
    -------
    dict of str to bytes
        ``confusion_matrix`` whenever there are predictions; ``calibration`` when the scores
        are probabilities; ``threshold`` when the scores take more than two values and both
        classes occur (a hard 0/1 score has no threshold to vary).
    """
    if not artifacts.oof_pred:
        return {}
    subject = _subject(record)
    true = np.concatenate(artifacts.oof_true)
    pred = np.concatenate(artifacts.oof_pred)
    threshold = None
    if len(artifacts.oof_score) == len(artifacts.oof_pred):
        threshold = decision_threshold(artifacts.oof_score, artifacts.oof_pred)
    images = {
        "confusion_matrix": confusion_matrix_png(
            true, pred, f"Confusion matrix: {subject}", threshold
        )
    }
    if not artifacts.oof_score or not 0 < true.sum() < len(true):
        return images
    score = np.concatenate(artifacts.oof_score)
    probabilities = bool(score.min() >= 0.0 and score.max() <= 1.0)
    if probabilities:
        images["calibration"] = calibration_png(true, score, f"Reliability: {subject}")
    if len(np.unique(score)) > 2:
        # The tuned threshold is on the probability scale; other scores were mapped to ranks.
        tuned = _finite(record["metrics"].get(TUNED_THRESHOLD)) if probabilities else None
        images["threshold"] = threshold_png(
            true,
            score,
            pred,
            f"Precision, recall, F1 against the threshold: {subject}",
            threshold=threshold,
            precision_target=_finite((record.get("params") or {}).get(PRECISION_TARGET_PARAM)),
            tuned_threshold=tuned,
        )
    return images
