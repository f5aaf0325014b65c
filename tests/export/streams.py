"""A small fitted model and held-out set to replay."""

from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from harness.export.serving import MinorityOutcomeCounter


def fitted_model_and_held_out_set():
    """A logistic regression fitted on 200 rows and 200 held-out rows, 20 % minority."""
    X, y = make_classification(
        n_samples=400, n_features=4, n_informative=3, n_redundant=0, weights=[0.8], random_state=0
    )
    model = LogisticRegression().fit(X[:200], y[:200])
    return model, X[200:], y[200:]


def new_counter():
    return MinorityOutcomeCounter(model="logreg", dataset="synthetic")
