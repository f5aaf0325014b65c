import math
import warnings

import numpy as np
import pytest

from harness.errors import InputDataError
from harness.metrics import SLI_KEYS, minority_slis

Y_TRUE = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
Y_PRED = np.array([1, 1, 1, 0, 1, 0, 0, 0, 0, 0])
Y_SCORE = np.array([0.9, 0.8, 0.7, 0.3, 0.6, 0.4, 0.2, 0.1, 0.05, 0.5])


def test_keys_are_the_contract_keys_and_values_plain_floats():
    result = minority_slis(Y_TRUE, Y_PRED, Y_SCORE)
    assert tuple(result) == SLI_KEYS
    assert all(type(value) is float for value in result.values())


def test_values_equal_their_definitions_counted_by_hand():
    # Counted from the arrays, not from the library the module calls: TP 3, FN 1, FP 1, TN 5.
    # Ranked by score: + + + - - - + - - -. ROC-AUC is the share of (minority, majority) pairs
    # ranked right: 3 x 6 + 3 of 4 x 6. PR-AUC (average precision) averages the precision at
    # each minority row: 1/1, 2/2, 3/3, 4/7.
    sensitivity, specificity = 3 / 4, 5 / 6
    result = minority_slis(Y_TRUE, Y_PRED, Y_SCORE)
    assert result["minority_recall"] == pytest.approx(sensitivity)
    assert result["minority_precision"] == pytest.approx(3 / 4)
    assert result["minority_f1"] == pytest.approx(2 * 3 / (2 * 3 + 1 + 1))
    assert result["balanced_accuracy"] == pytest.approx((sensitivity + specificity) / 2)
    assert result["g_mean"] == pytest.approx(math.sqrt(sensitivity * specificity))
    assert result["roc_auc"] == pytest.approx(21 / 24)
    assert result["pr_auc"] == pytest.approx((1 + 1 + 1 + 4 / 7) / 4)


def test_g_mean_hand_computed():
    # sensitivity 3/4, specificity 5/6
    result = minority_slis(Y_TRUE, Y_PRED)
    assert result["g_mean"] == pytest.approx(math.sqrt(0.75 * 5 / 6))
    assert result["minority_recall"] == pytest.approx(0.75)
    assert result["minority_precision"] == pytest.approx(0.75)


def test_other_labels_scored_one_vs_rest_for_pos_label():
    y_true = np.where(Y_TRUE == 1, "fraud", np.where(np.arange(10) % 2, "ok", "review"))
    y_pred = np.where(Y_PRED == 1, "fraud", "ok")
    result = minority_slis(y_true, y_pred, Y_SCORE, pos_label="fraud")
    assert result == pytest.approx(minority_slis(Y_TRUE, Y_PRED, Y_SCORE))


def test_zero_division_is_zero_without_warning():
    y_true = np.array([1, 1, 0, 0])
    nothing_predicted = np.zeros(4, dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = minority_slis(y_true, nothing_predicted)
    assert result["minority_precision"] == 0.0
    assert result["minority_f1"] == 0.0
    assert result["g_mean"] == 0.0


def test_auc_nan_only_when_one_class_is_absent():
    result = minority_slis(np.zeros(4), np.array([0, 1, 0, 0]), np.array([0.1, 0.9, 0.2, 0.3]))
    assert math.isnan(result["roc_auc"]) and math.isnan(result["pr_auc"])
    assert result["minority_recall"] == 0.0
    assert result["balanced_accuracy"] == pytest.approx(0.75)


def test_without_scores_hard_predictions_rank():
    result = minority_slis(Y_TRUE, Y_PRED)
    assert result["roc_auc"] == pytest.approx(result["balanced_accuracy"])


def test_two_dimensional_scores_rejected_with_the_fix():
    with pytest.raises(InputDataError, match=r"predict_proba\(X\)\[:, 1\]"):
        minority_slis(Y_TRUE, Y_PRED, np.column_stack([1 - Y_SCORE, Y_SCORE]))


def test_misaligned_inputs_rejected():
    with pytest.raises(InputDataError, match="row-aligned"):
        minority_slis(Y_TRUE, Y_PRED[:-1])
