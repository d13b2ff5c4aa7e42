"""Documentation tests: every setting and CLI flag an analyst can use is described in the README."""

from __future__ import annotations

from pathlib import Path

from analysis import settings
from analysis.__main__ import _parser

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_variable() -> None:
    for setting in settings.SETTINGS:
        assert f"`{setting.name}`" in README, setting.name
        assert f"`{setting.env}`" in README, setting.env
        assert setting.help


def test_every_cli_flag_is_documented() -> None:
    parser = _parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():
        assert f"python -m analysis {name}" in README, name
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in README, f"{name} {flag}"


def test_readme_test_command_matches_ci() -> None:
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in README
    assert ci.strip().splitlines()[-1] == "python -m pytest"
