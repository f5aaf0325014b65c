"""Render a gate result: terminal table, Markdown summary, JUnit XML and JSON.

Every rendering states the verdict with its counts (passed, failed, not applicable), the runs
and folders the verdict covers, the jobs left out, and the reason of each failed and each
not-applicable check.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.errors import ConfigError
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
    """One line: the verdict and the counts, e.g. ``12 passed, 2 failed, 3 not applicable``."""
    return (
        f"Model-quality gate: {result.verdict} ({result.counts()}; SLO set {result.slo_set!r}"
        + (f", baseline {result.baseline}" if result.baseline else "")
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
        f"  NOT APPLICABLE {c.candidate or '(data)'} {c.name}: {c.detail}"
        for c in result.not_applicable
    ]
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
        cells[-1] = f"**{cells[-1]}**" if check.failed else cells[-1]
        lines.append("| " + " | ".join(cells) + " |")
    if result.failures:
        lines += ["", "### Failed checks", ""]
        for check in result.failures:
            lines.append(
                f"- **{check.name}** ({check.candidate or 'data'}): `{check.metric}` = "
                f"{format_value(check.value)}, required {_threshold(check)}. {check.detail}"
            )
    if result.not_applicable:
        lines += ["", "### Not applicable (not counted as passed)", ""]
        for check in result.not_applicable:
            lines.append(f"- **{check.name}** ({check.candidate or 'data'}): {check.detail}")
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
            failures=str(sum(1 for c in checks if c.failed)),
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
                message = (
                    f"{check.metric} = {format_value(check.value)}, required {_threshold(check)}"
                )
            if check.not_applicable:
                ET.SubElement(case, "skipped", message=f"NOT APPLICABLE: {check.detail}")
            elif check.failed:
                failure = ET.SubElement(case, "failure", message=message, type=check.kind)
                failure.text = check.detail
            else:
                ET.SubElement(case, "system-out").text = check.detail
    suites.set("tests", str(len(result.checks)))
    suites.set("failures", str(len(result.failures)))
    suites.set("skipped", str(len(result.not_applicable)))
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
    entries += [("gate.scope", result.scope)] if result.scope else []
    entries += [("gate.covers", line) for line in result.covers]
    entries += [("gate.left_out", line) for line in result.left_out]
    for name, value in entries:
        ET.SubElement(properties, "property", name=name, value=value)


def _code(text: str) -> str:
    """Inline code, so Markdown never reads ``_`` or ``*`` in a path as emphasis."""
    return f"`{text.replace('`', '')}`"
