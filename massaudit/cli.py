"""The `massaudit` command: run, demo, rejudge, report, export, validate.

Each command reads its options (massaudit/parser.py; also from the environment and a
configuration file, massaudit/config.py), calls the pipeline and prints one summary on standard
output; messages are logged to standard error (massaudit/verbosity.py); errors become one line
and an exit code."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from massaudit import __version__, arguments, config
from massaudit.arguments import PathProblem
from massaudit.audits.browser import ANALYTICS_HOSTS, BrowserNotFound, check_chromium
from massaudit.audits.collector import AuditSettings
from massaudit.check_command import add_check_parser, cmd_check
from massaudit.config_command import cmd_config
from massaudit.crawler.scope import ScopeOwners
from massaudit.crawler.sites import SitesConfig, SitesConfigError, load_sites
from massaudit.db_command import cmd_db, open_store
from massaudit.doctor import cmd_doctor
from massaudit.parser import (
    EXIT_CANNOT_RUN,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    default_concurrency,
    default_max_concurrency,
)
from massaudit.parser import build_parser as _build_parser
from massaudit.pipeline.nightly import RunError, run_audit
from massaudit.pipeline.notify import NotifyOptions
from massaudit.pipeline.rejudge import rejudge_run
from massaudit.pipeline.resume import run_to_resume
from massaudit.pipeline.scorecard import write_scorecard
from massaudit.pipeline.site_level import check_disabled_rules
from massaudit.pipeline.summary import not_audited_lines, summary_lines
from massaudit.plan_command import cmd_plan
from massaudit.progress import Progress
from massaudit.reports.export_files import (
    ExportError,
    check_format,
    export_runs,
    write_json,
    write_json_file,
    write_tables,
)
from massaudit.reports.safe_output import dumps_json
from massaudit.reports.traffic import TrafficError, load_traffic
from massaudit.reports.views import DEFAULT_REGRESSION_THRESHOLD
from massaudit.rules.catalogue import CatalogueError, load_catalogue
from massaudit.rules.scoring import SCORING_VERSION
from massaudit.store.db import Store, StoreError
from massaudit.verbosity import LOGGER, logging_to_stderr
from massaudit.worker_command import DistributedUsageError, cmd_worker, distributed_crawl_of

DEBUG_HINT = "run again with --debug (or MASSAUDIT_DEBUG=1) to see the traceback"
log = logging.getLogger(LOGGER)  # not __name__: `python -m massaudit.cli` runs as __main__


class UsageError(Exception):
    """Bad command-line input; exit code 2 with one line."""


def build_parser() -> argparse.ArgumentParser:
    return _build_parser(add_check_parser)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    origins = getattr(args, "origins", {})
    for name in config.secret_variables(origins, args):
        os.environ.pop(name, None)  # no process this one starts inherits the secret
    with logging_to_stderr(args.quiet, args.verbose, args.debug):
        for dest, origin in sorted(origins.items()):
            if origin.kind in ("env", "file"):
                shown = config.shown(origin.key, getattr(args, dest))
                log.debug("%s = %s (%s)", origin.flag, shown, origin)
        return _main(args, origins)


def _main(args: argparse.Namespace, origins: dict[str, config.Origin]) -> int:
    handlers = {
        "run": cmd_run,
        "demo": cmd_demo,
        "serve-demo": cmd_serve_demo,
        "rejudge": cmd_rejudge,
        "report": cmd_report,
        "export": cmd_export,
        "validate": cmd_validate,
        "plan": cmd_plan,
        "check": cmd_check,
        "db": cmd_db,
        "doctor": cmd_doctor,
        "worker": cmd_worker,
        "config": lambda args: cmd_config(args, build_parser),
    }
    try:
        check_paths(args)
        return handlers[args.command](args)
    except (
        SitesConfigError,
        UsageError,
        StoreError,
        CatalogueError,
        PathProblem,
        ExportError,
        DistributedUsageError,
    ) as exc:
        say(config.relabel(str(exc), origins))
        return EXIT_USAGE
    except BrowserNotFound as exc:
        say(str(exc))
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print("massaudit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the operator unless asked for
        if args.debug:
            sys.stderr.write(config.mask(traceback.format_exc()))
        say(fault_line(args.command, exc))
        return EXIT_CANNOT_RUN


def say(line: str) -> None:
    """One error line on standard error; a URL's password in it (a --db URL) shown as ***."""
    print(f"massaudit: {config.mask(line)}", file=sys.stderr)


_OS_FAULTS = {
    errno.ENOSPC: ("disk full", "free some space or write to another disk"),
    errno.EDQUOT: ("disk quota exceeded", "free some space or write to another disk"),
    errno.EROFS: ("read-only file system", "choose a writable place"),
    errno.EACCES: ("permission denied", "choose a place this user may write"),
    errno.EPERM: ("operation not permitted", "choose a place this user may write"),
}


def fault_line(command: str, exc: BaseException) -> str:
    """`<what failed>: <short reason>; <hint>`, one line, for an error nothing else handled."""
    if isinstance(exc, OSError):
        where = f"{command}: cannot write {exc.filename}" if exc.filename else f"{command}"
        if exc.errno in _OS_FAULTS:
            reason, hint = _OS_FAULTS[exc.errno]
            return f"{where}: {reason}; {hint}"
        return f"{where}: {exc.strerror or _first_line(exc)}; {DEBUG_HINT}"
    return f"{command} failed: {type(exc).__name__}: {_first_line(exc)}; {DEBUG_HINT}"


def _first_line(exc: BaseException, limit: int = 200) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    first = lines[0] if lines else "no details"
    return first if len(first) <= limit else first[: limit - 1] + "…"


def check_paths(args: argparse.Namespace) -> None:
    """Every path argument of the command, checked before any work starts (PathProblem)."""
    command = args.command
    if command == "run":
        arguments.database("--db", args.db, must_exist=args.resume is not None)
    elif command in ("rejudge", "report", "export", "db") or (command == "plan" and args.db):
        arguments.database("--db", args.db, must_exist=True)
    if getattr(args, "out", None) and command not in ("serve-demo", "doctor"):
        arguments.output_dir("--out", args.out)
    if getattr(args, "log", None):
        arguments.output_file("--log", args.log)
    if getattr(args, "traffic", None):
        arguments.input_file("--traffic", args.traffic)
    if command == "export" and args.output:
        check = arguments.output_file if args.format == "json" else arguments.output_dir
        check("--output", args.output)


def cmd_validate(args: argparse.Namespace) -> int:
    sites = load_sites(args.sites)
    check_disabled_rules(sites, load_catalogue())
    print(f"{args.sites}: {len(sites.agencies)} agencies, {len(sites.sites)} sites, valid")
    for host, site_ids in ScopeOwners(sites.sites).overlaps():
        print(
            f"note: sites {', '.join(site_ids)} share {host}: a URL in several of their scopes "
            "is audited once, under the most specific (docs/crawling.md, Scope)"
        )
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if args.resume is None:
        sites = load_sites(args.sites).select(args.site_ids)
        check_disabled_rules(sites, load_catalogue())
        if not args.distributed:  # the workers audit a distributed run
            check_chromium()
        return _audit_and_report(sites, open_store(args.db, create=True), out, args)
    store = open_store(args.db)
    try:
        run = run_to_resume(store, args.resume, args.db, out)
    except RunError as exc:
        raise UsageError(str(exc)) from None
    if run.status == "complete":  # only its scorecard is missing (e.g. killed while rendering)
        index = _write_scorecard(store, run, load_catalogue(), out, args)
        if args.json:
            print(run_json(run, index))
            return EXIT_OK
        print(f"Run {run.id} is complete; its scorecard was not in {out} and is written now.")
        print(f"Scorecard: {index}")
        return EXIT_OK
    if not args.distributed:
        check_chromium()
    return _audit_and_report(None, store, out, args, resume_run=run.id)


def cmd_demo(args: argparse.Namespace) -> int:
    from massaudit.demo.site import build_site
    from massaudit.pipeline.static_server import serve_directory

    config = load_sites(args.sites)
    check_chromium()
    out = Path(args.out)
    db_path = out / "massaudit.sqlite"
    with tempfile.TemporaryDirectory(prefix="massaudit-demo-") as tmp:
        build_site(Path(tmp))
        with serve_directory(Path(tmp), port=args.port) as base_url:
            log.info("Demo site served at %s/", base_url)
            sites = config.demo_only(urlsplit(base_url).netloc)
            code = _audit_and_report(sites, open_store(str(db_path), create=True), out, args)
    print(f"Database:  {db_path}")
    return code


def cmd_serve_demo(args: argparse.Namespace) -> int:
    from massaudit.demo.site import build_site
    from massaudit.pipeline.static_server import serve_directory

    with tempfile.TemporaryDirectory(prefix="massaudit-demo-") as tmp:
        build_site(Path(tmp))
        try:
            server = serve_directory(Path(tmp), port=args.port)
            base_url = server.__enter__()
        except OSError as exc:
            raise UsageError(f"--port {args.port}: cannot listen on it ({exc.strerror})") from None
        print(f"Demo site at {base_url}/ (Ctrl-C stops it)")
        try:
            while True:
                time.sleep(3600)
        finally:
            server.__exit__(None, None, None)


def _audit_and_report(
    sites: SitesConfig | None,
    store: Store,
    out: Path,
    args: argparse.Namespace,
    resume_run: int | None = None,
) -> int:
    _traffic(args)  # a bad --traffic file stops before the audit, not after it
    progress = None if args.quiet else Progress()
    log_path = Path(args.log) if args.log else None
    try:
        summary = run_audit(
            sites,
            store,
            tool_version=__version__,
            audit_settings=_audit_settings(args),
            progress=progress,
            resume_run=resume_run,
            full=getattr(args, "full", False),
            log_path=log_path or out / "logs" / f"run-{time.strftime('%Y%m%d-%H%M%S')}.jsonl",
            notify=NotifyOptions(out, args.regression_threshold),
            crawl=distributed_crawl_of(args),
        )
    except RunError as exc:
        raise UsageError(str(exc)) from None
    except StoreError as exc:  # the store went away mid-run, after its retries
        say(
            f"the run stopped: {exc}; what was stored is kept, and "
            "`massaudit run --resume` continues once the database is back"
        )
        return EXIT_FAILED
    finally:
        if progress is not None:
            progress.finish()
    run = store.get_run(summary.run_id)
    index = _write_scorecard(store, run, load_catalogue(), out, args)
    if getattr(args, "json", False):
        print(run_json(run, index))
    else:
        print("\n".join(summary_lines(summary, run)))
        print(f"Scorecard: {index}")
    for line in not_audited_lines(run):  # a site not audited fails the run, whatever else did
        print(f"massaudit: {line}", file=sys.stderr)
    complete = summary.status == "complete" and not summary.sites_not_audited
    return EXIT_OK if complete else EXIT_FAILED


def run_json(run: Any, index: Path) -> str:
    """`run --json`: the run's stored summary, its status and error, and its scorecard."""
    return dumps_json(
        {
            **(run.summary or {}),
            "run_id": run.id,
            "status": run.status,
            "error": run.error,
            "scorecard": str(index),
        }
    )


def _audit_settings(args: argparse.Namespace) -> AuditSettings:
    fixed, most = args.concurrency, args.max_concurrency
    if fixed is not None and most is not None:
        raise UsageError(
            f"--concurrency {fixed} fixes the pages rendered at once and --max-concurrency "
            f"{most} caps them when they adapt; give one of the two"
        )
    most = None if fixed is not None else most or default_max_concurrency()
    return AuditSettings(
        concurrency=fixed or min(default_concurrency(), most or default_concurrency()),
        max_concurrency=most,
        settle=args.settle,
        navigation_timeout_s=args.page_timeout,
        collect_facts=args.checks == "all",
        blocked_hosts=() if args.keep_analytics else ANALYTICS_HOSTS,
        screenshots_per_page=args.screenshots,
        screenshot_bytes=round(args.screenshot_budget * 1024 * 1024),
    )


def _traffic(args: argparse.Namespace) -> dict[str, int] | None:
    """The --traffic file's page views; a bad file is a usage error (checked before a run)."""
    if not getattr(args, "traffic", None):
        return None
    try:
        return load_traffic(args.traffic)
    except TrafficError as exc:
        raise UsageError(str(exc)) from None


def _write_scorecard(store: Store, run: Any, catalogue: Any, out: Path, args: Any) -> Path:
    """The scorecard of a run, written with the report options of the command line."""
    threshold = getattr(args, "regression_threshold", DEFAULT_REGRESSION_THRESHOLD)
    return write_scorecard(
        store, run, catalogue, out, traffic=_traffic(args), regression_threshold=threshold
    )


def _open_run(args: argparse.Namespace) -> tuple[Store, Any]:
    store = open_store(args.db)
    store.mark_abandoned_runs()
    run = store.get_run(args.run_id) if args.run_id else store.latest_run()
    if run is None:
        which = f"run {args.run_id}" if args.run_id else "run"
        raise UsageError(f"--db {args.db}: no {which} in this database; run `massaudit run` first")
    return store, run


def cmd_rejudge(args: argparse.Namespace) -> int:
    store, run = _open_run(args)
    catalogue = load_catalogue()
    new_sites = load_sites(args.sites) if args.sites else None
    run, counts = rejudge_run(store, run, catalogue, new_sites)
    print(
        f"Run {run.id} judged again: {counts['pages']} pages, {counts['fail']} failures, "
        f"{counts['needs-review']} items need review (catalogue {catalogue.version}, "
        f"scoring v{SCORING_VERSION})"
    )
    if args.out:
        print(f"Scorecard: {_write_scorecard(store, run, catalogue, Path(args.out), args)}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    store, run = _open_run(args)
    index = _write_scorecard(store, run, load_catalogue(), Path(args.out), args)
    print(f"Scorecard: {index}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    check_format(args.format, args.output)
    store, run = _open_run(args)
    catalogue = load_catalogue()
    runs = export_runs(store, run, args.history, run_given=args.run_id is not None)
    if args.format != "json":
        paths = write_tables(store, runs, catalogue, args.format, Path(args.output))
        print(f"Exported {len(runs)} run(s) as {len(paths)} {args.format} tables in {args.output}")
    elif args.output:
        write_json_file(store, runs, catalogue, args.history, Path(args.output))
    else:
        write_json(store, runs, catalogue, args.history, sys.stdout)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
