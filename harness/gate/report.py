"""Render a gate result: terminal table, Markdown summary, JUnit XML and JSON.

Every rendering states the verdict with its counts (passed, failed, not applicable, warnings),
the runs and folders the verdict covers, the jobs left out, and the reason of each failed and
each not-applicable check and of each warning. The terminal and Markdown renderings end with
the verdict per strategy (:func:`strategy_verdicts`).
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ConfigError
from harness.gate.checks import FAIL, INCONCLUSIVE, NOT_APPLICABLE, OK, PASS, Check
from harness.gate.gate import GateResult

_COLUMNS = ("candidate", "check", "metric", "value", "threshold", "verdict")


def format_value(value: float | None) -> str:
    """A number with four significant digits; ``-`` when missing, ``nan`` when NaN."""
    if value is None:
        return "-"
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return f"{value:.4g}"


def _threshold(check: Check) -> str:
    if check.threshold is None:
        return "-"
    text = f"{check.op} {format_value(check.threshold)}"
    alpha = getattr(check.comparison, "alpha", None)
    return text if alpha is None else f"{text}, Holm p < {alpha:g}"


def _requirement(check: Check) -> str:
    """``metric = value, required op bound`` (a relative check: the improvement and its test)."""
    if check.comparison is not None:
        return (
            f"{check.metric}: improvement over {check.comparison.reference or 'the reference'} "
            f"= {format_value(check.value)}, required {_threshold(check)}"
        )
    return f"{check.metric} = {format_value(check.value)}, required {_threshold(check)}"


@dataclass(frozen=True)
class StrategyVerdict:
    """The verdict of one strategy over every run of it the gate checked.

    Attributes
    ----------
    strategy : str
        The strategy's name (the runs' resampler).
    verdict : str
        ``FAIL`` when a check of one of its runs failed; else ``INCONCLUSIVE`` when one was
        inconclusive; else ``PASS`` when a check other than the run status passed; else
        ``NOT APPLICABLE``.
    failed : tuple of str
        Names of the failed (for ``INCONCLUSIVE``: the inconclusive) checks, each once, in the
        order of the checks.
    n_runs, n_failed_runs : int
        Runs of the strategy checked, and those with a failed check.
    warnings : tuple of str
        Names of the warnings raised, each once.
    reason : str
        Why a ``NOT APPLICABLE`` strategy was not gated.
    """

    strategy: str
    verdict: str
    failed: tuple[str, ...]
    n_runs: int
    n_failed_runs: int
    warnings: tuple[str, ...] = ()
    reason: str = ""

    def line(self) -> str:
        """One line, e.g. ``smote: FAIL in 2 of 3 runs (minority_recall, pr_auc_not_worse)``."""
        runs = f"{self.n_runs} run{'' if self.n_runs == 1 else 's'}"
        if self.verdict in (FAIL, INCONCLUSIVE):
            text = (
                f"{self.strategy}: {self.verdict} in {self.n_failed_runs} of {runs} "
                f"({', '.join(self.failed)})"
            )
        elif self.verdict == PASS:
            text = f"{self.strategy}: PASS ({runs})"
        else:
            text = f"{self.strategy}: NOT APPLICABLE ({self.reason or 'no check applies'})"
        if self.warnings:
            text += f"; warning: {', '.join(self.warnings)}"
        return text


def strategy_verdicts(result: GateResult) -> list[StrategyVerdict]:
    """The verdict of each strategy, in the order the strategies were checked.

    Parameters
    ----------
    result : GateResult
        A gate result; data checks (no candidate) belong to no strategy.

    Returns
    -------
    list of StrategyVerdict
        One per strategy; its :meth:`StrategyVerdict.line` is what ``harness gate`` prints.
    """
    by_strategy: dict[str, list[Check]] = {}
    for check in result.checks:
        if check.candidate:
            strategy = result.strategies.get(check.candidate, check.candidate)
            by_strategy.setdefault(strategy, []).append(check)
    verdicts = []
    for strategy, checks in by_strategy.items():
        failed = [c for c in checks if c.failed]
        unsure = [c for c in checks if c.inconclusive]
        gated = [c for c in checks if c.passed and c.kind != "run"]
        reasons = [c.detail for c in checks if c.not_applicable]
        verdict = FAIL if failed else INCONCLUSIVE if unsure else PASS if gated else NOT_APPLICABLE
        failed = failed or unsure
        verdicts.append(
            StrategyVerdict(
                strategy=strategy,
                verdict=verdict,
                failed=tuple(dict.fromkeys(c.name for c in failed)),
                n_runs=len({c.candidate for c in checks}),
                n_failed_runs=len({c.candidate for c in failed}),
                warnings=tuple(dict.fromkeys(c.name for c in checks if c.warned)),
                reason=reasons[0] if verdict == NOT_APPLICABLE and reasons else "",
            )
        )
    return verdicts


def _row(check: Check) -> tuple[str, ...]:
    return (
        check.candidate or "(data)",
        check.name,
        check.metric,
        format_value(check.value),
        _threshold(check),
        check.verdict,
    )


def headline(result: GateResult) -> str:
    """One line: the verdict and the counts, e.g. ``12 passed, 2 failed, 3 not applicable``."""
    policy = "; INCONCLUSIVE counts as passed" if result.inconclusive == "pass" else ""
    return (
        f"Model-quality gate: {result.verdict} ({result.counts()}; SLO set {result.slo_set!r}"
        + (f", baseline {result.baseline}" if result.baseline else "")
        + policy
        + ")"
    )


def coverage_lines(result: GateResult) -> list[str]:
    """What the verdict covers: the selection, every run with its source, the jobs left out."""
    lines = [f"Covers {result.scope or 'the runs below'}:"]
    lines += [f"  - {line}" for line in result.covers]
    if result.left_out:
        lines.append(f"Left out ({len(result.left_out)} job(s) not gated, --allow-incomplete):")
        lines += [f"  - {line}" for line in result.left_out]
    return lines


def to_terminal(result: GateResult) -> str:
    """A plain-text table, the headline, the coverage, then each failure and not-applicable
    check with its reason."""
    rows = [_COLUMNS, *(_row(check) for check in result.checks)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines += ["", headline(result)]
    if result.reason:
        lines.append(f"  {result.reason}")
    lines += coverage_lines(result)
    lines += [f"  FAIL {c.candidate or '(data)'} {c.name}: {c.detail}" for c in result.failures]
    lines += [
        f"  INCONCLUSIVE {c.candidate or '(data)'} {c.name}: {c.detail}"
        for c in result.inconclusive_checks
    ]
    lines += [
        f"  NOT APPLICABLE {c.candidate or '(data)'} {c.name}: {c.detail}"
        for c in result.not_applicable
    ]
    lines += [f"  WARN {c.candidate or '(data)'} {c.name}: {c.detail}" for c in result.warnings]
    verdicts = strategy_verdicts(result)
    if verdicts:
        lines.append("Verdict per strategy:")
        lines += [f"  {verdict.line()}" for verdict in verdicts]
    return "\n".join(lines)


def to_markdown(result: GateResult) -> str:
    """A Markdown summary: headline, coverage, one table row per check, then the failed and
    the not-applicable checks explained."""
    icon = "✅" if result.passed else "❌"
    lines = [f"## {icon} {headline(result)}", ""]
    if result.reason:
        lines += [f"**{result.reason}**", ""]
    lines += [f"Covers {_code(result.scope or 'the runs below')}:", ""]
    lines += [f"- {_code(line)}" for line in result.covers] + [""]
    if result.left_out:
        lines += [f"**Left out** ({len(result.left_out)} job(s) not gated, --allow-incomplete):"]
        lines += [""] + [f"- {_code(line)}" for line in result.left_out] + [""]
    lines.append("| " + " | ".join(_COLUMNS) + " |")
    lines.append("|" + "---|" * len(_COLUMNS))
    for check in result.checks:
        cells = [cell.replace("|", "\\|") for cell in _row(check)]
        cells[-1] = f"**{cells[-1]}**" if check.failed or check.inconclusive else cells[-1]
        lines.append("| " + " | ".join(cells) + " |")
    if result.failures:
        lines += ["", "### Failed checks", ""]
        for check in result.failures:
            lines.append(
                f"- **{check.name}** ({check.candidate or 'data'}): "
                f"{_code(_requirement(check))}. {check.detail}"
            )
    if result.inconclusive_checks:
        counted = "counted as passed" if result.inconclusive == "pass" else "not a pass"
        lines += ["", f"### Inconclusive ({counted})", ""]
        for check in result.inconclusive_checks:
            lines.append(f"- **{check.name}** ({check.candidate or 'data'}): {check.detail}")
    if result.not_applicable:
        lines += ["", "### Not applicable (not counted as passed)", ""]
        for check in result.not_applicable:
            lines.append(f"- **{check.name}** ({check.candidate or 'data'}): {check.detail}")
    if result.warnings:
        lines += ["", "### Warnings (never counted as passed or failed)", ""]
        for check in result.warnings:
            lines.append(f"- **{check.name}** ({check.candidate or 'data'}): {check.detail}")
    verdicts = strategy_verdicts(result)
    if verdicts:
        lines += ["", "### Verdict per strategy", ""]
        lines += [f"- {verdict.line()}" for verdict in verdicts]
    return "\n".join(lines) + "\n"


def to_junit(result: GateResult) -> str:
    """JUnit XML: one test suite per candidate, one test case per check; every suite carries
    the coverage as properties."""
    suites = ET.Element("testsuites", name=f"harness gate: {result.verdict}")
    by_candidate: dict[str, list[Check]] = {}
    for check in result.checks:
        by_candidate.setdefault(check.candidate or "data", []).append(check)
    for candidate, checks in by_candidate.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"gate {candidate}",
            tests=str(len(checks)),
            failures=str(sum(1 for c in checks if _junit_failure(c, result))),
            errors="0",
            skipped=str(sum(1 for c in checks if c.not_applicable)),
        )
        _coverage_properties(suite, result)
        for check in checks:
            case = ET.SubElement(
                suite, "testcase", name=check.name, classname=f"gate.{check.kind}", time="0"
            )
            message = check.detail
            if check.threshold is not None:
                message = _requirement(check)
            if check.not_applicable:
                ET.SubElement(case, "skipped", message=f"NOT APPLICABLE: {check.detail}")
            elif check.inconclusive and result.inconclusive == "pass":
                ET.SubElement(
                    case, "skipped", message=f"INCONCLUSIVE (counted as passed): {check.detail}"
                )
            elif check.inconclusive:
                failure = ET.SubElement(case, "failure", message=message, type=INCONCLUSIVE)
                failure.text = f"INCONCLUSIVE: {check.detail}"
            elif check.failed:
                failure = ET.SubElement(case, "failure", message=message, type=check.kind)
                failure.text = check.detail
            elif check.warned or check.verdict == OK:
                ET.SubElement(case, "system-out").text = f"{check.verdict}: {check.detail}"
            else:
                ET.SubElement(case, "system-out").text = check.detail
    suites.set("tests", str(len(result.checks)))
    suites.set("failures", str(sum(1 for c in result.checks if _junit_failure(c, result))))
    skipped = len(result.not_applicable)
    if result.inconclusive == "pass":
        skipped += len(result.inconclusive_checks)
    suites.set("skipped", str(skipped))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _junit_failure(check: Check, result: GateResult) -> bool:
    """A JUnit failure: a failed check, or an INCONCLUSIVE one that does not count as passed."""
    return check.failed or (check.inconclusive and result.inconclusive != "pass")


def to_json(result: GateResult) -> str:
    """The result as indented JSON."""
    return json.dumps(result.as_dict(), indent=2) + "\n"


def write_outputs(
    result: GateResult,
    out_dir: Path | None = None,
    *,
    markdown: Path | None = None,
    junit: Path | None = None,
) -> list[Path]:
    """Write ``summary.md``, ``junit.xml`` and ``gate.json`` to ``out_dir`` and the extra
    Markdown / JUnit paths; Markdown is appended when the file exists (``GITHUB_STEP_SUMMARY``).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ConfigError
        When a file cannot be written (a folder given as a file, no permission), naming it.
    """
    written: list[Path] = []
    targets: list[tuple[Path, str, bool]] = []
    if out_dir is not None:
        out_dir = Path(out_dir)
        targets += [
            (out_dir / "summary.md", to_markdown(result), False),
            (out_dir / "junit.xml", to_junit(result), False),
            (out_dir / "gate.json", to_json(result), False),
        ]
    if markdown is not None:
        targets.append((Path(markdown), to_markdown(result), True))
    if junit is not None:
        targets.append((Path(junit), to_junit(result), False))
    for path, text, append in targets:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a" if append else "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise ConfigError(
                f"cannot write the gate output {path} ({exc.strerror or exc}): pass a writable "
                "file path for --markdown and --junit (not a folder) and a writable folder for "
                "--out."
            ) from exc
        written.append(path)
    return written


def _coverage_properties(suite: ET.Element, result: GateResult) -> None:
    properties = ET.SubElement(suite, "properties")
    entries = [("gate.verdict", f"{result.verdict} ({result.counts()})")]
    entries += [("gate.inconclusive", result.inconclusive)]
    entries += [("gate.scope", result.scope)] if result.scope else []
    entries += [("gate.covers", line) for line in result.covers]
    entries += [("gate.left_out", line) for line in result.left_out]
    for name, value in entries:
        ET.SubElement(properties, "property", name=name, value=value)


def _code(text: str) -> str:
    """Inline code, so Markdown never reads ``_`` or ``*`` in a path as emphasis."""
    return f"`{text.replace('`', '')}`"
