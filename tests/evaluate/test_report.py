"""Reports: data-set strings are escaped, Markdown tables stay tables."""

import pandas as pd

from harness.evaluate.report import format_ci, markdown_table, render_html

HOSTILE = "<script>alert('x')</script>"


def test_html_report_escapes_dataset_strings():
    frame = pd.DataFrame({HOSTILE: [1.0], "group": [HOSTILE]})
    page = render_html(f"Run on {HOSTILE}", [(HOSTILE, frame)], {HOSTILE: b"\x89PNG"})
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_markdown_table_escapes_pipes_and_newlines():
    table = markdown_table(pd.DataFrame({"a|b": ["x|y\nz"], "n": [float("nan")]}))
    header, rule, row = table.splitlines()
    assert header == "| a\\|b | n |"
    assert rule == "|---|---|"
    assert row == "| x\\|y z | n/a |"


def test_format_ci():
    assert format_ci(0.5, [0.4, 0.6]) == "0.500 [0.400, 0.600]"
    assert format_ci(0.5, [None, None]) == "0.500"
    assert format_ci(None, None) == "n/a"
