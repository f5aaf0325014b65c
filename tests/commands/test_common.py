"""The parser every command shares: a misspelt flag is named, with the flag it was meant to be."""

import pytest

from harness.commands.common import command_parser, unknown_flag


def gate_like_parser():
    parser = command_parser("harness gate", "Check runs.", "harness gate --run-dir x", "y")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run-dir")
    source.add_argument("--run-id")
    parser.add_argument("--allow-incomplete", action="store_true")
    return parser


def test_a_misspelt_flag_is_named_before_a_missing_required_argument(capsys):
    with pytest.raises(SystemExit) as exit_:
        gate_like_parser().parse_args(["--run-dri", "x"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized option --run-dri; did you mean --run-dir?" in err
    assert "required" not in err


@pytest.mark.parametrize(
    "args", [["--run-dir", "x"], ["--run-dir=x"], ["--run-dir", "x", "--allow"], ["--run-id", "7"]]
)
def test_known_flags_and_unique_abbreviations_parse(args):
    gate_like_parser().parse_args(args)


KNOWN = ["--run-dir", "--run-id", "--allow-incomplete", "-h"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["--run-dri", "x"], "unrecognized option --run-dri; did you mean --run-dir?"),
        (["--run=x"], "ambiguous option --run: --run-dir or --run-id?"),
        (["--zzz"], "unrecognized option --zzz; the options are --allow-incomplete, --run-dir, "
                    "--run-id."),
        (["x", "--", "--zzz"], None),  # after `--` every word is an argument
        (["-v", "-1", "--run-dir", "--allow-inc"], None),
    ],
)  # fmt: skip
def test_unknown_flag(words, expected):
    assert unknown_flag(words, KNOWN) == expected
