"""Error types raised by the harness.

Every message names the problem and the fix, so a user can act on it without reading code.
"""


class HarnessError(Exception):
    """Root of every error the harness raises on purpose."""


class InputDataError(HarnessError, ValueError):
    """The data given to the harness (X, y, a data file) cannot be used as it is."""


class SamplerParameterError(HarnessError, ValueError):
    """A sampler parameter or ``sampling_strategy`` is invalid or impossible."""


class NoHardSamplesError(InputDataError):
    """ADASYN found no minority row with a majority neighbour and the policy is ``raise``."""


class MemoryQuotaError(HarnessError, MemoryError):
    """A request would allocate more memory than the configured quota allows."""


class ConfigError(HarnessError, ValueError):
    """The configuration is invalid: unknown option, wrong type or disallowed component."""


class RunNotFoundError(HarnessError, LookupError):
    """A run, experiment or results folder that was asked for does not exist."""


class MissingExtraError(HarnessError, ImportError):
    """A feature needs an optional dependency that is not installed: the message names the
    ``adasyn-harness`` extra that installs it (:mod:`harness.extras`)."""
