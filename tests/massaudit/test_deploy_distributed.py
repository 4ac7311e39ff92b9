"""deploy/'s distributed files and docs/distributed.md: the worker template runs `massaudit
worker` for ever from the environment file, the coordinator's timer starts `run --distributed`
at 01:00, every variable the distributed environment file sets is one massaudit reads, the
compose file gives coordinator and workers the three services' URLs, and every deploy file the
doc names exists."""

from __future__ import annotations

import configparser
import re

from repo_paths import REPO

from massaudit import config
from massaudit.cli import build_parser

DEPLOY = REPO / "deploy"
DOC = REPO / "docs" / "distributed.md"
ENV_FILE = "/etc/massaudit/massaudit.env"


def unit(name: str) -> configparser.ConfigParser:
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str  # systemd's keys are case-sensitive
    parsed.read_string((DEPLOY / name).read_text())
    return parsed


def test_the_worker_template_runs_a_worker_for_ever_from_the_environment_file():
    worker = unit("massaudit-worker@.service")
    service = worker["Service"]
    assert service["ExecStart"].split() == ["/opt/massaudit/bin/massaudit", "worker"]
    assert service["EnvironmentFile"] == ENV_FILE
    assert service["User"] not in ("", "root")
    assert service["Restart"] == "always"
    # SIGTERM to the worker alone first, so it finishes its pages; then the whole group.
    assert service["KillMode"] == "mixed"
    assert "%i" in service["Environment"]  # each instance its own Chromium profile
    assert worker["Install"]["WantedBy"] == "multi-user.target"


def test_the_coordinator_runs_distributed_every_night_at_one():
    service = unit("massaudit-coordinator.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["EnvironmentFile"] == ENV_FILE
    assert service["ExecStart"].split() == [
        "/opt/massaudit/bin/massaudit",
        "run",
        "--distributed",
    ]
    timer = unit("massaudit-coordinator.timer")["Timer"]
    assert timer["OnCalendar"] == "*-*-* 01:00:00"
    assert timer["Unit"] == "massaudit-coordinator.service"


def test_every_variable_the_distributed_environment_file_sets_is_one_massaudit_reads():
    text = (DEPLOY / "massaudit-distributed.env.example").read_text()
    set_there = set(re.findall(r"^#? ?(MASSAUDIT_[A-Z_]+)=", text, flags=re.M))
    assert {"MASSAUDIT_DB", "MASSAUDIT_BROKER", "MASSAUDIT_REDIS"} <= set_there
    commands = build_parser().configured_commands()
    read = {option.env for name in ("run", "worker") for option in config.options(commands[name])}
    assert set_there - read == set()


def test_the_compose_file_gives_both_roles_the_three_services():
    text = (DEPLOY / "compose.distributed.yml").read_text()
    assert 'command: ["massaudit", "worker"]' in text
    assert 'command: ["massaudit", "run", "--distributed"]' in text
    urls = dict(re.findall(r"^    (MASSAUDIT_(?:DB|BROKER|REDIS)): (.+)$", text, flags=re.M))
    assert urls["MASSAUDIT_DB"].startswith("postgresql+psycopg://")
    assert "@postgres:5432/" in urls["MASSAUDIT_DB"]
    assert urls["MASSAUDIT_BROKER"].startswith("amqp://")
    assert "@rabbitmq:5672/" in urls["MASSAUDIT_BROKER"]
    assert urls["MASSAUDIT_REDIS"].startswith("redis://")
    assert "@redis:6379/" in urls["MASSAUDIT_REDIS"]
    # Passwords come from the caller's env file, never written here.
    assert "${DB_PASSWORD:?" in urls["MASSAUDIT_DB"]
    for service in ("postgres", "rabbitmq", "redis"):
        assert f"\n  {service}:\n" in text


def test_every_deploy_file_the_doc_names_exists():
    named = set(re.findall(r"`deploy/([^`\s]+)`", DOC.read_text(encoding="utf-8")))
    assert {"massaudit-worker@.service", "compose.distributed.yml"} <= named
    assert sorted(name for name in named if not (DEPLOY / name).exists()) == []
