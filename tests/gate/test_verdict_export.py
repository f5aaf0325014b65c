"""`harness gate --export textfile` writes the verdict per objective for the batch alerts."""

from __future__ import annotations

import urllib.request

from harness.commands.gate import gate_main


def test_gate_exports_one_verdict_per_objective(run_dir, tmp_path):
    textfile = tmp_path / "metrics" / "harness.prom"
    code = gate_main(
        ["--run-dir", str(run_dir()), "--export", "textfile", "--metrics-textfile", str(textfile)]
    )
    assert code == 0
    (written,) = textfile.parent.glob("*gate*.prom")
    text = written.read_text()
    assert 'harness_gate_verdict{experiment="' in text
    assert 'objective="minority_recall",verdict="PASS"} 1.0' in text


def test_gate_exports_nothing_by_default(run_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert gate_main(["--run-dir", str(run_dir())]) == 0
    assert not (tmp_path / "outputs").exists()


def test_gate_says_that_it_pushed_and_where(run_dir, tmp_path, capsys):
    from tests.support.prometheus import running_pushgateway

    with running_pushgateway(tmp_path / "pushgateway") as gateway:
        code = gate_main(
            [
                "--run-dir",
                str(run_dir()),
                "--export",
                "pushgateway",
                "--pushgateway-url",
                gateway,
                "--metrics-textfile",
                str(tmp_path / "metrics" / "harness.prom"),
            ]
        )
        out = capsys.readouterr().out
        with urllib.request.urlopen(f"{gateway}/metrics", timeout=5) as response:
            served = response.read().decode()
    assert code == 0
    (line,) = [line for line in out.splitlines() if line.startswith("pushed ")]
    assert gateway in line and 'job="harness_gate"' in line
    assert 'harness_gate_verdict{experiment="' in served
