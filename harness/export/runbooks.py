"""Where the runbooks are, and whether the links the generated alerts carry can be opened.

Every alert's ``runbook_url`` is ``<alerting.runbook_base_url><AlertName>.md``. The runbooks
are ``docs/runbooks/`` of the repository; a built wheel carries a copy as ``harness/_runbooks``
(made at build time by ``setup.py``), so an installed harness has them too. A link is only
useful where the person paged can open it: a relative path (the default ``docs/runbooks/``)
means nothing in a pager or a chat message, and a ``file://`` link must name files that exist.
:func:`runbook_link_problems` says which links would not resolve, and why; ``harness
dashboards`` prints it.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from pathlib import Path

from harness.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parents[1]


def runbook_dir() -> Path:
    """The folder holding one ``<AlertName>.md`` per alert.

    The checkout's ``docs/runbooks/`` when the package runs from a checkout, else the copy an
    installed wheel carries as ``harness/_runbooks``.

    Raises
    ------
    ConfigError
        Neither exists (a package built without its runbooks).
    """
    for candidate in (_PACKAGE.parent / "docs" / "runbooks", _PACKAGE / "_runbooks"):
        if (candidate / "README.md").is_file():
            return candidate
    raise ConfigError(
        "the runbooks are neither in docs/runbooks/ of a checkout nor in the installed package "
        "(harness/_runbooks): reinstall adasyn-harness from a wheel built with setup.py."
    )


def runbook_link_problems(base_url: str, alerts: Iterable[str]) -> list[str]:
    """Why the runbook links ``<base_url><alert>.md`` of ``alerts`` would not resolve.

    Parameters
    ----------
    base_url : str
        ``alerting.runbook_base_url`` of the monitoring settings.
    alerts : iterable of str
        The names of the generated alerts.

    Returns
    -------
    list of str
        One sentence per problem, each naming the fix; empty when every link can resolve
        (an ``http(s)`` URL is not fetched: whether it serves the pages is for its owner).
    """
    alerts = sorted(set(alerts))
    shipped = runbook_dir()
    missing = [alert for alert in alerts if not (shipped / f"{alert}.md").is_file()]
    problems = []
    if missing:
        problems.append(f"no runbook ships for alerts {missing}: write {shipped}/<alert>.md")
    scheme = urllib.parse.urlparse(base_url).scheme
    if scheme in ("http", "https"):
        return problems
    if scheme == "file":
        folder = Path(urllib.parse.unquote(urllib.parse.urlparse(base_url).path))
        absent = [alert for alert in alerts if not (folder / f"{alert}.md").is_file()]
        if absent:
            problems.append(
                f"runbook links under {base_url} would not resolve: {folder} has no page for "
                f"{absent}; point alerting.runbook_base_url at a folder holding the runbooks, "
                f"e.g. {shipped.as_uri()}/"
            )
        return problems
    problems.append(
        f"runbook links are relative ({base_url}<alert>.md): a pager, a chat message or a "
        "browser cannot open them. Publish the runbooks (they ship with the package, in "
        f"{shipped}) where the on-call reads them and set alerting.runbook_base_url in a "
        "--monitoring file, e.g. https://git.example.com/ml/adasyn-harness/-/blob/main/docs/"
        f"runbooks/, or {shipped.as_uri()}/ on this machine."
    )
    return problems
