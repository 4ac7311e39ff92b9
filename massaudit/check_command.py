"""The `massaudit check` command line: its flags, and the few lines that turn them into
CheckOptions and run the check workflow (massaudit.pipeline.check)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from massaudit import __version__, arguments
from massaudit.config import mask, relabel
from massaudit.pipeline.check import (
    EXIT_CANNOT_RUN,
    EXIT_USAGE,
    CheckConfigError,
    CheckUsageError,
    check_options,
    run_check,
)
from massaudit.pipeline.check.suppressions import parse_check_config
from massaudit.reports.ci import FORMATS
from massaudit.rules.catalogue import CatalogueError, load_catalogue
from massaudit.rules.model import IMPACTS


def add_check_parser(commands: Any) -> argparse.ArgumentParser:
    check = commands.add_parser(
        "check",
        help="check pages, HTML files or a fragment before they go live (CI gate)",
        description=(
            "Check URLs, local HTML files or folders, or an HTML fragment on standard input (-) "
            "with the nightly audit's rules. Exit codes: 0 passed, 1 findings over the gate, "
            "2 usage or configuration error, 3 could not check (page failed to load, no browser)."
        ),
    )
    check.add_argument("inputs", nargs="+", metavar="INPUT", help="URL, HTML file, folder, or -")
    check.add_argument(
        "--fail-on",
        choices=IMPACTS,
        default="serious",
        help="fail on findings of this impact or worse (default: serious)",
    )
    check.add_argument(
        "--max-failures",
        action="append",
        default=[],
        metavar="CATEGORY=N",
        help="allow at most N new failures of a category, of any impact; replaces --fail-on "
        "for that category (repeatable)",
    )
    check.add_argument("--baseline", metavar="FILE", help="findings in this baseline do not fail")
    check.add_argument(
        "--write-baseline", metavar="FILE", help="record the current failures as a baseline"
    )
    check.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="IDS",
        help="only these rule ids (comma-separated, repeatable)",
    )
    check.add_argument(
        "--categories",
        action="append",
        default=[],
        metavar="NAMES",
        help="only rules of these categories (comma-separated, repeatable)",
    )
    check.add_argument("--config", metavar="FILE", help="check config file (suppressions, TOML)")
    check.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FORMAT[:PATH]",
        help=f"report format ({', '.join(FORMATS)}) and file; repeatable; default text to stdout",
    )
    check.add_argument(
        "--template", metavar="FILE", help="page template for a fragment on stdin ({{ content }})"
    )
    check.add_argument(
        "--concurrency",
        type=arguments.concurrency,
        default=min(4, os.cpu_count() or 1),
        help="pages checked at once, 1 to 32 (default: min(4, CPUs))",
    )
    check.add_argument(
        "--page-timeout",
        type=arguments.page_timeout,
        default=30.0,
        help="seconds to load and audit one page, 1 to 300 (default 30)",
    )
    check.add_argument(
        "--header",
        action="append",
        default=[],
        metavar='"NAME: VALUE"',
        help="a request header for the URLs' hosts only, e.g. a staging wall's Authorization "
        "(repeatable; never printed)",
    )
    check.add_argument(
        "--cookie",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a cookie for the URLs' hosts only, e.g. a login session (repeatable; never printed)",
    )
    return check


def cmd_check(args: argparse.Namespace) -> int:
    from massaudit.audits.browser import BrowserNotFound

    started = time.monotonic()
    try:
        catalogue = load_catalogue()
        options = check_options(
            catalogue,
            inputs=args.inputs,
            reports=args.report,
            fail_on=args.fail_on,
            max_failures=args.max_failures,
            rules=args.rules,
            categories=args.categories,
            config=args.config,
            baseline=args.baseline,
            write_baseline=args.write_baseline,
            template=args.template,
            concurrency=args.concurrency,
            page_timeout=args.page_timeout,
            tool_version=__version__,
            headers=args.header,
            cookies=args.cookie,
        )
        entries = getattr(args, "suppress_entries", [])
        if args.config is None and entries:  # [[check.suppress]] of the configuration file
            data = {"suppress": entries}
            options.config = parse_check_config(data, set(catalogue.rules), args.suppress_from)
        for flag, path in options.output_files():
            arguments.output_file(flag, path)
        return run_check(options, catalogue, started)
    except (CheckUsageError, CheckConfigError, CatalogueError, arguments.PathProblem) as exc:
        print(f"massaudit check: {mask(relabel(str(exc), args.origins))}", file=sys.stderr)
        return EXIT_USAGE
    except BrowserNotFound as exc:
        print(f"massaudit check: could not check: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
