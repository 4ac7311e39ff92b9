"""Every option of the configured commands can come from the environment (MASSAUDIT_<OPTION>) and
from massaudit.toml or pyproject.toml's [tool.massaudit], with flag > environment > file >
default; bad values are one line naming where they came from (exit 2)."""

from __future__ import annotations

import argparse

import pytest

from massaudit import config
from massaudit.cli import build_parser, main
from massaudit.parser import CONFIGURED_COMMANDS

EXIT_USAGE = 2
REQUIRED_INPUTS = {"check": ["page.html"]}  # positional arguments a command cannot do without


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No MASSAUDIT_ variable of the machine's, and a working folder without a config file."""
    for name in list(__import__("os").environ):
        if name.startswith(config.ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def command_parser(name: str) -> argparse.ArgumentParser:
    return build_parser().configured_commands()[name]


def refused(capsys, *argv: str) -> str:
    """The one line of a command refused with exit code 2."""
    with pytest.raises(SystemExit) as stopped:
        parse(*argv)
    assert stopped.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err.strip()


def env_text(action: argparse.Action) -> str:
    """A value the option accepts, written as in the environment."""
    if isinstance(action, argparse._StoreTrueAction | argparse._StoreFalseAction):
        return "true"
    if action.choices:
        return str(list(action.choices)[-1])
    if action.default not in (None, [], argparse.SUPPRESS):
        return str(action.default)
    return "1"


def every_option() -> list[tuple[str, str]]:
    return [
        (name, option.flag)
        for name in CONFIGURED_COMMANDS
        for option in config.options(command_parser(name))
    ]


@pytest.mark.parametrize(("command", "flag"), every_option())
def test_every_option_of_every_configured_command_comes_from_its_variable(
    monkeypatch, command, flag
):
    option = next(o for o in config.options(command_parser(command)) if o.flag == flag)
    for required in ("MASSAUDIT_DB", "MASSAUDIT_OUT"):  # report's, export's and rejudge's
        monkeypatch.setenv(required, "x")
    assert option.env == "MASSAUDIT_" + flag.lstrip("-").replace("-", "_").upper()
    monkeypatch.setenv(option.env, env_text(option.action))
    args = parse(command, *REQUIRED_INPUTS.get(command, []))
    assert args.origins[option.dest] == config.Origin("env", option.env, flag, option.key)


def test_variable_names_leave_the_other_massaudit_variables_alone():
    names = {config.options(command_parser(name))[0].env for name in CONFIGURED_COMMANDS}
    names |= {o.env for name in CONFIGURED_COMMANDS for o in config.options(command_parser(name))}
    others = {"MASSAUDIT_CHROMIUM", "MASSAUDIT_CONTACT_URL", "MASSAUDIT_FAULT"}
    others |= {"MASSAUDIT_TEST_POSTGRES", "MASSAUDIT_REQUIRE_POSTGRES"}
    assert not names & others


def test_flag_beats_environment_beats_file_beats_default(monkeypatch, tmp_path):
    (tmp_path / "massaudit.toml").write_text(
        'db = "shared.sqlite"\nout = "shared-out"\nconcurrency = 3\n\n'
        '[run]\nout = "run-out"\npage_timeout = 60\n'
    )
    monkeypatch.setenv("MASSAUDIT_CONCURRENCY", "5")
    monkeypatch.setenv("MASSAUDIT_PAGE_TIMEOUT", "90")
    args = parse("run", "--page-timeout", "120")
    assert args.page_timeout == 120.0 and args.origins["page_timeout"].kind == "flag"
    assert args.concurrency == 5 and str(args.origins["concurrency"]) == "env MASSAUDIT_CONCURRENCY"
    assert args.out == "run-out" and str(args.origins["out"]) == "file massaudit.toml [run]"
    assert args.db == "shared.sqlite" and str(args.origins["db"]) == "file massaudit.toml"
    assert args.checks == "all" and args.origins["checks"].kind == "default"


def test_massaudit_db_gives_report_the_database_it_requires(monkeypatch):
    monkeypatch.setenv("MASSAUDIT_DB", "postgresql+psycopg://audit:s3cret@db.example/massaudit")
    monkeypatch.setenv("MASSAUDIT_OUT", "out/x")
    args = parse("report")
    assert args.db == "postgresql+psycopg://audit:s3cret@db.example/massaudit"
    assert args.out == "out/x"


def test_repeatable_options_and_booleans(monkeypatch, tmp_path):
    monkeypatch.setenv("MASSAUDIT_SITE", "a, b")
    monkeypatch.setenv("MASSAUDIT_FULL", "yes")
    monkeypatch.setenv("MASSAUDIT_KEEP_ANALYTICS", "0")
    args = parse("run")
    assert args.site_ids == ["a", "b"] and args.full is True and args.keep_analytics is False
    (tmp_path / "massaudit.toml").write_text('[run]\nsite = "c"\n[check]\nrules = ["x", "y"]\n')
    monkeypatch.delenv("MASSAUDIT_SITE")
    assert parse("run").site_ids == ["c"]
    assert parse("check", "p.html").rules == ["x", "y"]


@pytest.mark.parametrize(
    ("value", "resumed"), [("true", -1), ("7", 7)]
)  # true: the newest incomplete run, as a bare --resume
def test_resume_from_the_environment(monkeypatch, value, resumed):
    monkeypatch.setenv("MASSAUDIT_RESUME", value)
    assert parse("run").resume == resumed


def test_an_empty_variable_is_unset(monkeypatch):
    monkeypatch.setenv("MASSAUDIT_CONCURRENCY", "")
    assert parse("run").origins["concurrency"].kind == "default"


def test_pyproject_tool_massaudit_is_read_when_there_is_no_massaudit_toml(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.massaudit]\nout = "o"\n[tool.massaudit.check]\n'
        'fail_on = "critical"\n'
    )
    args = parse("check", "p.html")
    assert args.fail_on == "critical"
    assert str(args.origins["fail_on"]) == "file pyproject.toml [tool.massaudit.check]"
    (tmp_path / "massaudit.toml").write_text('[check]\nfail_on = "minor"\n')
    assert parse("check", "p.html").fail_on == "minor"  # massaudit.toml first


def test_a_pyproject_without_the_table_is_no_config_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert config.find_config_file(tmp_path) is None


def test_check_reads_its_gate_from_massaudit_toml(tmp_path):
    (tmp_path / "massaudit.toml").write_text(
        '[check]\nfail_on = "moderate"\nmax_failures = ["plain-language=3"]\n'
        'baseline = "a11y-baseline.json"\n\n'
        '[[check.suppress]]\nrule = "color-contrast"\nreason = "design system"\n'
    )
    args = parse("check", "page.html")
    assert args.fail_on == "moderate"
    assert args.max_failures == ["plain-language=3"]
    assert args.baseline == "a11y-baseline.json"
    assert args.suppress_entries == [{"rule": "color-contrast", "reason": "design system"}]
    assert args.suppress_from == "massaudit.toml [check]"


def test_a_bad_suppression_in_massaudit_toml_is_one_line_naming_it(capsys, tmp_path):
    (tmp_path / "page.html").write_text("<html></html>")
    (tmp_path / "massaudit.toml").write_text('[[check.suppress]]\nrule = "no-such-rule"\n')
    assert main(["check", "page.html"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.strip() == (
        "massaudit check: massaudit.toml [check]: suppress[0].rule: 'no-such-rule' is not a "
        "rule in the catalogue"
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MASSAUDIT_CONCURRENCY", "abc", "MASSAUDIT_CONCURRENCY=abc: not a whole number: 'abc'"),
        ("MASSAUDIT_CONCURRENCY", "0", "MASSAUDIT_CONCURRENCY=0: must be from 1 to 32, got 0"),
        ("MASSAUDIT_PAGE_TIMEOUT", "nan", "MASSAUDIT_PAGE_TIMEOUT=nan: must be a finite number"),
        ("MASSAUDIT_CHECKS", "some", "MASSAUDIT_CHECKS=some: invalid choice: 'some'"),
        ("MASSAUDIT_FULL", "maybe", "MASSAUDIT_FULL=maybe: not true or false"),
        ("MASSAUDIT_RESUME", "last", "MASSAUDIT_RESUME=last: invalid int value: 'last'"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(capsys, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    assert refused(capsys, "run").startswith(f"massaudit: {message}")


def test_a_bad_variable_of_another_command_does_not_matter(monkeypatch):
    monkeypatch.setenv("MASSAUDIT_CHECKS", "some")  # only run and demo have --checks
    assert parse("validate").sites == "sites.toml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[run]\nconcurrency = "abc"\n', "massaudit.toml [run] concurrency: not a whole number"),
        ("[run]\nfull = 1\n", "massaudit.toml [run] full: must be true or false, not 1"),
        ("[run]\nsite = 3.5\n", "massaudit.toml [run] site: must be a list of strings"),
        ("[run]\nsite = [{a = 1}]\n", "massaudit.toml [run] site: must be a string or a number"),
        ("[run]\nout = [1]\n", "massaudit.toml [run] out: must be a string or a number"),
        (
            "concurency = 3\n",
            "massaudit.toml: unknown key 'concurency'; did you mean 'concurrency'",
        ),
        ("[run]\nfail_on = 'minor'\n", "massaudit.toml [run]: unknown key 'fail_on'"),
        ("run = 3\n", "massaudit.toml: run must be a table ([run])"),
        ("[run\n", "massaudit.toml: not valid TOML"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_table_and_key(capsys, tmp_path, text, message):
    (tmp_path / "massaudit.toml").write_text(text)
    assert refused(capsys, "run").startswith(f"massaudit: {message}")


def test_a_path_problem_names_the_variable_it_came_from(capsys, monkeypatch, tmp_path):
    a_file = tmp_path / "report"
    a_file.write_text("not a folder")
    monkeypatch.setenv("MASSAUDIT_OUT", str(a_file))
    assert main(["report", "--db", str(tmp_path / "x.sqlite")]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith("massaudit: --db"), err  # checked first: no such database
    (tmp_path / "x.sqlite").write_bytes(b"")
    assert main(["report", "--db", str(tmp_path / "x.sqlite")]) == EXIT_USAGE
    assert (
        capsys.readouterr().err.strip()
        == f"massaudit: MASSAUDIT_OUT={a_file}: is a file, not a folder; give a folder"
    )


def test_relabel_names_the_file_key():
    origin = config.Origin("file", "massaudit.toml [check]", "--report", "report")
    found = {"report": origin}
    assert (
        config.relabel("--report pdf: unknown format 'pdf'", found)
        == "massaudit.toml [check] report = pdf: unknown format 'pdf'"
    )
    rules = config.Origin("env", "MASSAUDIT_RULES", "--rules", "rules")
    assert config.relabel("--rules: unknown rule 'x'", {"rules": rules}) == (
        "MASSAUDIT_RULES: unknown rule 'x'"
    )
    assert config.relabel("--reports y", found) == "--reports y"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("postgresql+psycopg://audit:s3cret@db/massaudit", "postgresql+psycopg://audit:***@db/massaudit"),
        ("postgresql://audit@db/massaudit?password=s3cret&x=1", "postgresql://audit@db/massaudit?password=***&x=1"),
        ("out/massaudit.sqlite", "out/massaudit.sqlite"),
        ("https://www.mass.gov/a:b@c", "https://www.mass.gov/a:b@c"),
    ],
)  # fmt: skip
def test_mask_hides_passwords_in_urls(text, masked):
    assert config.mask(text) == masked


def test_a_secret_from_the_environment_is_named_for_removal(monkeypatch):
    monkeypatch.setenv("MASSAUDIT_OUT", "out/report")
    monkeypatch.setenv("MASSAUDIT_DB", "postgresql+psycopg://audit:s3cret@db/massaudit")
    args = parse("report")
    assert config.secret_variables(args.origins, args) == ["MASSAUDIT_DB"]
    monkeypatch.setenv("MASSAUDIT_DB", "out/massaudit.sqlite")
    args = parse("report")
    assert config.secret_variables(args.origins, args) == []


@pytest.mark.parametrize("given_by", ["flag", "env"])
def test_a_database_password_is_never_printed(capsys, monkeypatch, tmp_path, given_by):
    url = "postgresql+nosuchdriver://audit:s3cret@127.0.0.1/massaudit"
    argv = ["report", "--out", str(tmp_path / "out"), "-v"]
    if given_by == "flag":
        argv += ["--db", url]
    else:
        monkeypatch.setenv("MASSAUDIT_DB", url)
    assert main(argv) == EXIT_USAGE
    captured = capsys.readouterr()
    assert "s3cret" not in captured.out + captured.err
    assert "postgresql+nosuchdriver://audit:***@127.0.0.1/massaudit" in captured.err
