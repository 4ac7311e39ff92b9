"""`massaudit config`: each setting of the configured commands, its value (secrets as ***) and
where it came from: flag, environment, configuration file (named) or default."""

from __future__ import annotations

import os

import pytest

from massaudit.cli import main

SECRET_URL = "postgresql+psycopg://audit:s3cret-pw@db.example/massaudit"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("MASSAUDIT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def shown(capsys, *argv: str) -> dict[str, dict[str, tuple[str, str]]]:
    """command -> flag -> (value, origin), as `massaudit config ...` prints them."""
    assert main(["config", *argv]) == 0
    out = capsys.readouterr().out
    assert "s3cret-pw" not in out
    commands: dict[str, dict[str, tuple[str, str]]] = {}
    current: dict[str, tuple[str, str]] = {}
    for line in out.splitlines()[1:]:
        if line and not line.startswith(" "):
            current = commands.setdefault(line, {})
        elif line.strip():
            flag, value, origin = (part for part in line.strip().split("  ") if part)
            current[flag] = (value.strip(), origin.strip())
    return commands


def test_config_shows_each_value_and_where_it_came_from(capsys, monkeypatch, tmp_path):
    (tmp_path / "massaudit.toml").write_text(
        'out = "out/shared"\n[run]\nconcurrency = 3\n[check]\nfail_on = "critical"\n'
        '[[check.suppress]]\nrule = "image-alt"\n'
    )
    monkeypatch.setenv("MASSAUDIT_DB", SECRET_URL)
    settings = shown(capsys)
    run = settings["run"]
    assert run["--db"] == (
        "postgresql+psycopg://audit:***@db.example/massaudit",
        "env MASSAUDIT_DB",
    )
    assert run["--concurrency"] == ("3", "file massaudit.toml [run]")
    assert run["--out"] == ("out/shared", "file massaudit.toml")
    assert run["--page-timeout"] == ("30.0", "default")
    assert settings["report"]["--db"][1] == "env MASSAUDIT_DB"
    assert settings["check"]["--fail-on"] == ("critical", "file massaudit.toml [check]")
    assert settings["check"]["suppress"] == ("1 entry", "file massaudit.toml [check]")
    assert set(settings) == {
        "run",
        "report",
        "export",
        "rejudge",
        "check",
        "validate",
        "doctor",
        "worker",
    }


def test_config_of_one_command_with_its_flags(capsys, monkeypatch):
    monkeypatch.setenv("MASSAUDIT_CONCURRENCY", "5")
    monkeypatch.setenv("MASSAUDIT_PAGE_TIMEOUT", "60")
    settings = shown(capsys, "run", "--concurrency", "7", "--db", SECRET_URL, "-v")
    assert list(settings) == ["run"]
    run = settings["run"]
    assert run["--concurrency"] == ("7", "flag --concurrency")
    assert run["--page-timeout"] == ("60.0", "env MASSAUDIT_PAGE_TIMEOUT")
    assert run["--db"] == ("postgresql+psycopg://audit:***@db.example/massaudit", "flag --db")
    assert run["--verbose"] == ("true", "flag --verbose")


def test_config_names_the_file_or_its_absence(capsys, tmp_path):
    assert main(["config", "validate"]) == 0
    assert capsys.readouterr().out.startswith("configuration file: none (no massaudit.toml")
    (tmp_path / "pyproject.toml").write_text('[tool.massaudit]\nsites = "s.toml"\n')
    assert main(["config", "validate"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"configuration file: {tmp_path.resolve() / 'pyproject.toml'}\n")
    assert "s.toml  file pyproject.toml [tool.massaudit]" in out


def test_config_refuses_a_bad_value_as_the_command_would(capsys, monkeypatch):
    monkeypatch.setenv("MASSAUDIT_CONCURRENCY", "many")
    with pytest.raises(SystemExit) as stopped:
        main(["config", "run"])
    assert stopped.value.code == 2
    assert "MASSAUDIT_CONCURRENCY=many: not a whole number" in capsys.readouterr().err
