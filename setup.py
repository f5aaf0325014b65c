"""Build hook: ship the Hydra configs inside the package.

``conf/`` (and ``experiments/``, which ``conf/experiment`` points at) stay the documented
top-level folders of the repository; a built wheel carries a copy of them as ``harness/_conf``,
which :mod:`harness.config_dir` finds when no checkout is around, and a copy of the alerts'
runbooks (``docs/runbooks/``) as ``harness/_runbooks`` (:mod:`harness.export.runbooks`).
Everything else about the package is declared in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithConfigs(build_py):
    """``build_py`` that also copies ``conf/`` and ``docs/runbooks/`` into the built package as
    ``harness/_conf`` and ``harness/_runbooks``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's conf/ directly
        target = Path(self.build_lib) / "harness" / "_conf"
        shutil.rmtree(target, ignore_errors=True)
        # symlinks=False: conf/experiment is a link to experiments/; the wheel gets real files.
        shutil.copytree(
            ROOT / "conf",
            target,
            symlinks=False,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        runbooks = Path(self.build_lib) / "harness" / "_runbooks"
        shutil.rmtree(runbooks, ignore_errors=True)
        shutil.copytree(ROOT / "docs" / "runbooks", runbooks)


setup(cmdclass={"build_py": BuildPyWithConfigs})
