"""adasyn-harness: evaluation and monitoring harness for class-imbalance treatments."""

__version__ = "0.1.0"
