"""The `massaudit` command line's options: one subparser per command (`massaudit --help`)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from massaudit import __version__, arguments, config
from massaudit.audits.settle import SETTLE_RULES
from massaudit.reports.views import DEFAULT_REGRESSION_THRESHOLD
from massaudit.worker_command import add_distributed_options, add_worker_parser

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANNOT_RUN = 0, 1, 2, 3
DESCRIPTION = "The `massaudit` command: run, demo, rejudge, report, export, validate."
DEMO_SITES = Path(__file__).parent / "demo" / "sites.toml"
# Commands whose options the environment and the configuration file may set (massaudit.config).
CONFIGURED_COMMANDS = (
    "run",
    "report",
    "export",
    "rejudge",
    "check",
    "validate",
    "doctor",
    "worker",
)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The command's table in the configuration file ("" for the top parser: shared keys
        # only); None: neither the environment nor the file sets this parser's options.
        self.config_section: str | None = None
        self.built_defaults: dict[str, Any] = {}

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"massaudit: {message} (see `{self.prog} --help`)\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse after the environment and the configuration file have set the defaults;
        the namespace's `origins` say where each value came from."""
        if self.config_section is None:
            return super().parse_known_args(args, namespace)
        found = self.configure()
        parsed, extras = super().parse_known_args(args, namespace)
        mine = config.origins(self, parsed, found, self.built_defaults)
        parsed.origins = {**mine, **getattr(parsed, "origins", {})}  # a command's own win
        return parsed, extras

    def configure(self) -> dict[str, config.Setting]:
        """Set this parser's defaults from the environment and the file (exit 2 on a bad
        value); what they set, by dest."""
        assert self.config_section is not None
        if not self.built_defaults:
            self.built_defaults = {action.dest: action.default for action in self._actions}
        try:
            return config.configure(
                self, self.config_section, os.environ, Path.cwd(), self.configured_commands()
            )
        except config.ConfigError as exc:
            self.exit(EXIT_USAGE, f"massaudit: {exc}\n")

    def configured_commands(self) -> dict[str, _Parser] | None:
        """The top parser's configured commands by name (None for a command's parser)."""
        if self.config_section:
            return None
        (commands,) = (a for a in self._actions if isinstance(a, argparse._SubParsersAction))
        return {name: p for name, p in commands.choices.items() if p.config_section is not None}


def build_parser(add_check_parser: Callable[[Any], None]) -> argparse.ArgumentParser:
    """Every command's options; `add_check_parser` adds those of `check`, which has its own."""
    parser = _Parser(prog="massaudit", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"massaudit {__version__}")
    _add_output_options(parser, default=False)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="crawl and audit the sites of a sites file")
    run.add_argument("--sites", default="sites.toml", help="sites file (default: sites.toml)")
    run.add_argument(
        "--site", action="append", dest="site_ids", metavar="ID", help="only this site (repeatable)"
    )
    run.add_argument("--db", default="out/massaudit.sqlite", help="SQLAlchemy URL or SQLite path")
    run.add_argument("--out", default="out/report", help="folder for the scorecard site")
    run.add_argument(
        "--resume",
        nargs="?",
        const=-1,
        type=int,
        metavar="RUN",
        help="continue a run that stopped (default: the newest incomplete run)",
    )
    run.add_argument(
        "--full", action="store_true", help="audit every page again, even if it has not changed"
    )
    run.add_argument(
        "--json",
        action="store_true",
        help="print the run's summary as JSON on standard output, and nothing else there",
    )
    _add_audit_options(run)
    _add_report_options(run)
    add_distributed_options(run)

    add_worker_parser(commands)

    demo = commands.add_parser("demo", help="serve the bundled demo site and audit it")
    demo.add_argument(
        "--sites",
        default=str(DEMO_SITES),
        help="sites file with the demo = true sites (default: the demo's own, shipped with massaudit)",
    )
    demo.add_argument("--out", default="out/demo", help="folder for the scorecard and database")
    demo.add_argument(
        "--port",
        type=arguments.port_number,
        default=0,
        help="port for the demo site (0: any free)",
    )
    _add_audit_options(demo)
    _add_report_options(demo)

    serve = commands.add_parser("serve-demo", help="serve the demo site until interrupted")
    serve.add_argument(
        "--port",
        type=arguments.port_number,
        default=8765,
        help="port on 127.0.0.1, 0 to 65535 (default 8765)",
    )

    rejudge = commands.add_parser("rejudge", help="judge and score a stored run again")
    rejudge.add_argument("--db", required=True)
    rejudge.add_argument("--run", type=int, dest="run_id", help="run id (default: latest)")
    rejudge.add_argument("--sites", help="sites file whose agency and site names replace the run's")
    rejudge.add_argument("--out", help="also write the scorecard site to this folder")
    _add_report_options(rejudge)

    report = commands.add_parser("report", help="write the scorecard site of a stored run")
    report.add_argument("--db", required=True)
    report.add_argument("--run", type=int, dest="run_id")
    report.add_argument("--out", required=True)
    _add_report_options(report)

    export = commands.add_parser(
        "export", help="a stored run, or every complete run, as JSON, CSV or Parquet tables"
    )
    export.add_argument("--db", required=True)
    export.add_argument("--run", type=int, dest="run_id")
    export.add_argument(
        "--format",
        choices=["json", "csv", "parquet"],
        default="json",
        help="json: the run document; csv, parquet: one file per table (docs/export.md)",
    )
    export.add_argument(
        "--output",
        "-o",
        help="json: this file instead of standard output; csv, parquet: this folder (required)",
    )
    export.add_argument("--history", action="store_true", help="every complete run instead of one")

    add_check_parser(commands)
    from massaudit.doctor import add_doctor_parser  # its checks import every layer

    add_doctor_parser(commands)

    db = commands.add_parser("db", help="look after a store: `massaudit db upgrade --db URL`")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    upgrade = db_commands.add_parser("upgrade", help="upgrade a store to this massaudit's schema")
    upgrade.add_argument("--db", required=True, help="SQLAlchemy URL or SQLite path")
    # SUPPRESS: a command's default must not undo `massaudit --debug COMMAND`
    _add_output_options(upgrade, default=argparse.SUPPRESS)

    validate = commands.add_parser("validate", help="check a sites file and exit")
    validate.add_argument("--sites", default="sites.toml")
    from massaudit.plan_command import add_plan_parser

    add_plan_parser(commands)

    shown = commands.add_parser(
        "config",
        help="show each setting of a command and where it came from: flag, environment, "
        "configuration file or default (docs/configuration.md)",
    )
    shown.add_argument("shown_command", nargs="?", choices=CONFIGURED_COMMANDS, metavar="COMMAND")
    shown.add_argument(
        "command_args", nargs=argparse.REMAINDER, metavar="ARGS", help="the command's arguments"
    )
    for command in commands.choices.values():
        _add_output_options(command, default=argparse.SUPPRESS)
    parser.config_section = ""
    for name in CONFIGURED_COMMANDS:
        command = commands.choices[name]
        command.config_section = name
        for option in config.options(command):
            option.action.help = f"{option.action.help or ''} [{option.env}]".lstrip()
    return parser


def _add_output_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """-q, -v and --debug: how much goes to standard error (logging levels)."""
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="only warnings and errors; no progress display",
    )
    loudness.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="also what massaudit does"
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="everything, and the traceback of an unexpected error (otherwise one line)",
    )


def _add_audit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        type=arguments.concurrency,
        default=None,
        help="pages rendered at once, 1 to 32, fixed (default: adaptive, starting at one per "
        "core, 2 to 8; docs/pages-in-flight.md)",
    )
    parser.add_argument(
        "--max-concurrency",
        type=arguments.concurrency,
        default=None,
        help="the most pages rendered at once when they adapt, 1 to 32 (default: four per core, "
        "8 to 32)",
    )
    parser.add_argument(
        "--settle",
        choices=SETTLE_RULES,
        default=SETTLE_RULES[0],
        help="when a page is ready to audit: quiet (default: DOM content loaded, then the load "
        "event or the network quiet, at most 10 s; docs/settling.md) or load (the load event)",
    )
    parser.add_argument(
        "--page-timeout",
        type=arguments.page_timeout,
        default=30.0,
        help="seconds to load one page, 1 to 300 (default 30)",
    )
    parser.add_argument(
        "--checks",
        choices=["all", "axe"],
        default="all",
        help="all checks (default), or only axe-core's accessibility rules",
    )
    parser.add_argument("--log", help="structured log (JSON lines); default OUT/logs/run-N.jsonl")
    parser.add_argument(
        "--keep-analytics",
        action="store_true",
        help="let pages reach analytics hosts (blocked by default: beacons cannot change results)",
    )
    parser.add_argument(
        "--screenshots",
        type=arguments.bounded_int(0, 100),
        default=10,
        metavar="N",
        help="a screenshot of at most N failing elements a page, and a thumbnail of each page "
        "(0: none; default 10)",
    )
    parser.add_argument(
        "--screenshot-budget",
        type=arguments.bounded_float(0, 100_000),
        default=50.0,
        metavar="MB",
        help="megabytes of screenshots a run keeps at most (default 50)",
    )


def default_concurrency() -> int:
    return max(2, min(8, os.cpu_count() or 2))


def default_max_concurrency() -> int:
    return max(8, min(32, 4 * (os.cpu_count() or 2)))


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--traffic",
        metavar="FILE",
        help="analytics CSV with columns url,views: ranks the fix-first list by page views",
    )
    parser.add_argument(
        "--regression-threshold",
        type=arguments.bounded_float(0, 100),
        default=DEFAULT_REGRESSION_THRESHOLD,
        metavar="POINTS",
        help="show a regression banner when a score drops by more than this many points "
        f"since the previous run (default {DEFAULT_REGRESSION_THRESHOLD:g})",
    )
