"""deploy/ and docs/deploy.md: every `massaudit` command they run is one the command line
accepts, the systemd timer starts the service at 01:00 with its secrets from an environment file,
every variable they set is one massaudit reads, the image runs as a non-root user with Debian's
Chromium and `massaudit doctor` as its health check, and `make image` builds it only where a
Docker daemon answers (else one line saying why)."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess

import pytest
from repo_paths import REPO

from massaudit import config
from massaudit.audits.browser import CHROMIUM_ENV
from massaudit.cli import build_parser
from massaudit.crawler.settings import CONTACT_ENV
from massaudit.pipeline import notify

DEPLOY = REPO / "deploy"
DOC = REPO / "docs" / "deploy.md"
# The webhook variable docs/notifications.md's example names in webhook_url_env.
WEBHOOK_EXAMPLE = "MASSAUDIT_WEBHOOK_URL"


def commands() -> list[str]:
    parser = build_parser()
    (action,) = (a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def massaudit_invocations() -> list[tuple[str, list[str]]]:
    """(where, arguments) of each `massaudit COMMAND ...` in deploy/ (outside comments) and in
    docs/deploy.md's code."""
    names = "|".join(commands())
    pattern = re.compile(rf"(?:^|[\s/\"`(]|\[)massaudit\"?,? \"?({names})\b([^`\"'\n\\]*)")
    texts = [
        (
            path.name,
            "\n".join(line for line in path.read_text().splitlines() if "#" not in line[:1]),
        )
        for path in sorted(DEPLOY.iterdir())
    ]
    doc = DOC.read_text(encoding="utf-8")
    code = re.findall(r"```[^\n]*\n(.*?)```", doc, flags=re.S) + re.findall(r"`([^`\n]+)`", doc)
    texts.append((DOC.name, "\n".join(code)))
    found = []
    for where, text in texts:
        for match in pattern.finditer(text.replace('", "', " ")):
            found.append((where, [match.group(1), *shlex.split(match.group(2))]))
    return found


def test_every_massaudit_command_in_deploy_parses(monkeypatch):
    # In the environment the deploy files' environment files give (a worker's --db, say).
    for example in sorted(DEPLOY.glob("*.env.example")):
        for name, value in re.findall(r"^(MASSAUDIT_[A-Z_]+)=(.*)$", example.read_text(), re.M):
            monkeypatch.setenv(name, value)
    invocations = massaudit_invocations()
    where = {name for name, _args in invocations}
    assert {"Dockerfile", "massaudit.service", "github-actions-nightly.yml", "deploy.md"} <= where
    assert ("Dockerfile", ["doctor", "--quiet"]) in invocations  # the health check
    assert ("deploy.md", ["run"]) in invocations  # docker run ... massaudit run
    parser = build_parser()
    for name, args in invocations:
        try:
            parser.parse_args(args)
        except SystemExit:
            pytest.fail(f"{name}: `massaudit {' '.join(args)}` is not a valid command line")


def unit(name: str) -> configparser.ConfigParser:
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str  # systemd's keys are case-sensitive
    parsed.read_string((DEPLOY / name).read_text())
    return parsed


def test_the_timer_starts_the_service_every_night_at_one():
    timer = unit("massaudit.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 01:00:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "massaudit.service"
    assert timer["Install"]["WantedBy"] == "timers.target"
    analyze = shutil.which("systemd-analyze")
    if analyze:
        checked = subprocess.run(
            [analyze, "calendar", timer["Timer"]["OnCalendar"]], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr
        assert "Normalized form: *-*-* 01:00:00" in checked.stdout


def test_the_service_reads_its_secrets_from_an_environment_file():
    service = unit("massaudit.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] not in ("", "root")
    assert service["EnvironmentFile"] == "/etc/massaudit/massaudit.env"
    assert service["ExecStart"].split() == ["/opt/massaudit/bin/massaudit", "run"]


def variables_read() -> set[str]:
    """Every variable massaudit reads: options of configured commands, and the others."""
    commands = build_parser().configured_commands()
    options = {option.env for parser in commands.values() for option in config.options(parser)}
    smtp = {
        value
        for key, value in vars(notify).items()
        if key.startswith("SMTP_") and key.endswith("_ENV")
    }
    return options | smtp | {CHROMIUM_ENV, CONTACT_ENV, WEBHOOK_EXAMPLE}


def test_every_variable_deploy_sets_is_one_massaudit_reads():
    example = (DEPLOY / "massaudit.env.example").read_text()
    set_there = set(re.findall(r"^#? ?(MASSAUDIT_[A-Z_]+)=", example, flags=re.M))
    assert {"MASSAUDIT_DB", "MASSAUDIT_SITES", "MASSAUDIT_SMTP_PASSWORD"} <= set_there
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    workflow = (DEPLOY / "github-actions-nightly.yml").read_text()
    set_there |= set(re.findall(r"\b(MASSAUDIT_[A-Z_]+)=", dockerfile))
    set_there |= set(re.findall(r"^\s+(MASSAUDIT_[A-Z_]+):", workflow, flags=re.M))
    assert set_there - variables_read() == set()


def test_the_image_is_debian_with_its_chromium_a_wheel_and_no_root():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, flags=re.M)
    assert len(stages) == 2 and all(re.fullmatch(r"debian:\w+-slim", s) for s in stages)
    final = dockerfile.rsplit("\nFROM ", 1)[1]
    assert re.search(r"apt-get install [^&]*\bchromium\b", final)
    assert "COPY --from=wheel /wheels /wheels" in final
    assert "-c /tmp/constraints.txt /wheels/massaudit-*.whl" in final
    assert re.findall(r"^USER (\S+)", final, flags=re.M) == ["massaudit"]
    assert f"{CHROMIUM_ENV}=/usr/bin/chromium" in final
    assert (
        'HEALTHCHECK --interval=15m --timeout=2m --start-period=30s --retries=2 CMD ["massaudit", "doctor"'
        in final
    )
    assert final.rstrip().endswith('CMD ["massaudit", "run"]')


def test_the_workflow_runs_on_a_schedule_with_secrets_in_its_environment():
    workflow = (DEPLOY / "github-actions-nightly.yml").read_text()
    assert re.search(r'^  schedule:\n    - cron: "0 6 \* \* \*"', workflow, flags=re.M)
    assert "MASSAUDIT_DB: ${{ secrets.MASSAUDIT_DB }}" in workflow
    assert "--db" not in workflow


def fake_docker(tmp_path, answers: bool):
    """A `docker` that records its arguments; `info` fails unless `answers`."""
    tmp_path = tmp_path / ("up" if answers else "down")
    tmp_path.mkdir()
    log = tmp_path / "docker.log"
    script = tmp_path / "docker"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> {log}\n'
        f'if [ "$1" = info ]; then exit {0 if answers else 1}; fi\n'
        "exit 0\n"
    )
    script.chmod(0o755)
    return script, log


def make_image(*variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "image", *variables],
        cwd=REPO,
        capture_output=True,
        text=True,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_image_builds_only_where_a_docker_daemon_answers(tmp_path):
    docker, log = fake_docker(tmp_path, answers=False)
    result = make_image(f"DOCKER={docker}")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout == f"make image: not built: no Docker daemon answers ({docker} info failed)\n"
    )
    assert log.read_text() == "info\n"

    missing = make_image(f"DOCKER={tmp_path / 'none'}")
    assert missing.returncode == 0
    assert missing.stdout == f"make image: not built: no {tmp_path / 'none'} command here\n"

    docker, log = fake_docker(tmp_path, answers=True)
    result = make_image(f"DOCKER={docker}", "IMAGE=massaudit:test")
    assert result.returncode == 0, result.stderr
    sites = REPO / "massaudit" / "demo" / "sites.toml"
    assert log.read_text().splitlines() == [
        "info",
        "build -f deploy/Dockerfile -t massaudit:test .",
        f"run --rm -v {sites}:/data/sites.toml:ro massaudit:test massaudit doctor",
    ]


def test_ci_builds_the_image_then_runs_the_whole_test_suite():
    lines = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert lines[-2:] == ["make image", "make test"]
