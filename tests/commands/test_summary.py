"""What `harness run` prints: seeds are shown when the jobs differ in them."""

import pandas as pd

from harness.commands.summary import _print_table, _print_verdicts


def _table(seeds):
    return pd.DataFrame(
        {
            "dataset": ["pima"] * len(seeds),
            "resampler": ["smote"] * len(seeds),
            "model": ["decision_tree"] * len(seeds),
            "seed": seeds,
            "status": ["success"] * len(seeds),
            "test/minority_recall": ["0.6 [0.5, 0.7]"] * len(seeds),
        }
    )


def test_seeds_are_printed_when_jobs_differ_in_them(capsys):
    _print_table(_table([0, 1]))
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[:4] == ["dataset", "resampler", "model", "seed"]


def test_a_single_seed_is_not_printed(capsys):
    _print_table(_table([0, 0]))
    assert "seed" not in capsys.readouterr().out.splitlines()[0].split()


def test_verdicts_name_the_slo_set_once(capsys):
    _print_verdicts(["adasyn: PASS"], "relative")
    assert "Verdicts under the 'relative' SLO set" in capsys.readouterr().out


def test_verdicts_without_a_set_name_do_not_repeat_the_words(capsys):
    _print_verdicts(["adasyn: PASS"], None)
    out = capsys.readouterr().out
    assert "Verdicts under the run's SLO set" in out
    assert "the SLO set' SLO set" not in out
