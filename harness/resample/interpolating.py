"""The base of the samplers that interpolate towards minority neighbours: SMOTE and ADASYN.

The two differ only in how many rows each class row gets (the allocation). What they share
lives here once: the parameters besides K, the class-size check, the own-class neighbour
search, and the synthesis of a class's rows with their lineage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from harness.resample.base import ClassRequest, HarnessOverSampler
from harness.resample.interpolation import DEFAULT_CHUNK_SIZE
from harness.resample.lineage import build_lineage
from harness.resample.neighbors import neighbors_excluding_self
from harness.resample.parameters import INTEGER_FEATURES, BackendName, positive_int
from harness.resample.synthesis import synthesize_class


class InterpolatingOverSampler(HarnessOverSampler):
    """Base class of SMOTE and ADASYN: new rows on segments between a row and a neighbour.

    Subclasses name their K parameter in ``_neighbors_parameter`` (``k_neighbors`` for SMOTE,
    ``n_neighbors`` for ADASYN, as in imbalanced-learn), add it and their own parameters to
    ``__init__`` (:func:`harness.resample.parameters.extended_init`), and implement
    :meth:`_generate_class`: allocate the class's rows, then :meth:`_interpolate_class`.
    The parameters are documented on the subclasses.
    """

    _interpolates = True
    _neighbors_parameter: str
    _parameter_constraints: dict = {
        **HarnessOverSampler._parameter_constraints,
        "backend": [BackendName()],
        "chunk_size": [positive_int()],
        "integer_features": INTEGER_FEATURES,
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        synthetic_percent=None,
        random_state=None,
        backend="auto",
        chunk_size=DEFAULT_CHUNK_SIZE,
        max_synthetic=None,
        integer_features=None,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.synthetic_percent = synthetic_percent
        self.random_state = random_state
        self.backend = backend
        self.chunk_size = chunk_size
        self.max_synthetic = max_synthetic
        self.integer_features = integer_features

    def _neighbors(self) -> tuple[int, object]:
        """K and the neighbour search, from the K parameter and ``backend``."""
        parameter = self._neighbors_parameter
        return self._neighbor_search(getattr(self, parameter), self.backend, parameter)

    def _check_class_sizes(self, strategy: dict, y: np.ndarray) -> None:
        k, _ = self._neighbors()
        self._too_small(strategy, y, k, self._neighbors_parameter)

    @staticmethod
    def _own_class_neighbors(
        space: np.ndarray, request: ClassRequest, k: int, search: object
    ) -> np.ndarray:
        """Each class row's ``k`` nearest neighbours within the class (positions among
        ``request.rows``, the row itself excluded), searched in ``space``."""
        class_space = space[request.rows]
        return neighbors_excluding_self(class_space, np.arange(request.rows.shape[0]), k, search)

    def _interpolate_class(
        self,
        X: np.ndarray,
        y: np.ndarray,
        request: ClassRequest,
        shares: np.ndarray,
        table: np.ndarray,
        out: np.ndarray,
        difficulty: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Interpolate ``shares[i]`` rows from each class row into ``out``; return their lineage.

        Synthesis (:func:`harness.resample.synthesis.synthesize_class`), then
        :meth:`_finish_rows`, then one lineage row per new row, with its parent's
        ``difficulty`` when given (ADASYN's r_i).
        """
        block = synthesize_class(
            X,
            request.rows,
            shares,
            table,
            request.streams,
            request.class_index,
            out,
            self.chunk_size,
        )
        extra = self._finish_rows(X, request, block, table, out)
        lineage = build_lineage(
            request.first_row,
            block.parents,
            block.neighbors,
            block.lam,
            None if difficulty is None else difficulty[block.parent_positions],
            np.full(request.total, request.label, dtype=y.dtype),
        )
        return lineage.assign(**extra) if extra else lineage
