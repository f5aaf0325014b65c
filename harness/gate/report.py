"""Render a gate result: terminal table, Markdown summary, JUnit XML and JSON."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.gate.checks import Check
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
    return "-" if check.threshold is None else f"{check.op} {format_value(check.threshold)}"


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
    """One line: the verdict and how many checks failed."""
    verdict = "PASS" if result.passed else "FAIL"
    failed = len(result.failures)
    return (
        f"Model-quality gate: {verdict} ({len(result.checks) - failed}/{len(result.checks)} "
        f"checks passed, SLO set {result.slo_set!r}"
        + (f", baseline {result.baseline}" if result.baseline else "")
        + ")"
    )


def to_terminal(result: GateResult) -> str:
    """A plain-text table followed by the reason of each failure."""
    rows = [_COLUMNS, *(_row(check) for check in result.checks)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines += ["", headline(result)]
    lines += [f"  FAIL {c.candidate} {c.name}: {c.detail}" for c in result.failures]
    return "\n".join(lines)


def to_markdown(result: GateResult) -> str:
    """A Markdown summary: headline, one table row per check, then the failures explained."""
    icon = "✅" if result.passed else "❌"
    lines = [f"## {icon} {headline(result)}", ""]
    lines.append("| " + " | ".join(_COLUMNS) + " |")
    lines.append("|" + "---|" * len(_COLUMNS))
    for check in result.checks:
        cells = [cell.replace("|", "\\|") for cell in _row(check)]
        cells[-1] = f"**{cells[-1]}**" if check.verdict == "FAIL" else cells[-1]
        lines.append("| " + " | ".join(cells) + " |")
    if result.failures:
        lines += ["", "### Failed checks", ""]
        for check in result.failures:
            lines.append(
                f"- **{check.name}** ({check.candidate or 'data'}): `{check.metric}` = "
                f"{format_value(check.value)}, required {_threshold(check)}. {check.detail}"
            )
    return "\n".join(lines) + "\n"


def to_junit(result: GateResult) -> str:
    """JUnit XML: one test suite per candidate, one test case per check."""
    suites = ET.Element("testsuites", name="harness gate")
    by_candidate: dict[str, list[Check]] = {}
    for check in result.checks:
        by_candidate.setdefault(check.candidate or "data", []).append(check)
    for candidate, checks in by_candidate.items():
        failures = sum(1 for c in checks if not c.passed)
        skipped = sum(1 for c in checks if c.skipped)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"gate {candidate}",
            tests=str(len(checks)),
            failures=str(failures),
            errors="0",
            skipped=str(skipped),
        )
        for check in checks:
            case = ET.SubElement(
                suite, "testcase", name=check.name, classname=f"gate.{check.kind}", time="0"
            )
            message = check.detail
            if check.threshold is not None:
                value = format_value(check.value)
                message = f"{check.metric} = {value}, required {_threshold(check)}"
            if check.skipped:
                ET.SubElement(case, "skipped", message=check.detail)
            elif not check.passed:
                failure = ET.SubElement(case, "failure", message=message, type=check.kind)
                failure.text = check.detail
            else:
                ET.SubElement(case, "system-out").text = check.detail
    suites.set("tests", str(len(result.checks)))
    suites.set("failures", str(len(result.failures)))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


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
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a" if append else "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(path)
    return written
