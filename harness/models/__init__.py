"""Model factories: allow-listed scikit-learn classifiers built from ``conf/model`` configs."""

from harness.models.factory import ALLOWED_ESTIMATORS, build_model, model_name

__all__ = ["ALLOWED_ESTIMATORS", "build_model", "model_name"]
