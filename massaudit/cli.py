"""The `massaudit` command: run, demo, rejudge, report, export, validate."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from massaudit import __version__, arguments
from massaudit.arguments import PathProblem
from massaudit.audits.browser import ANALYTICS_HOSTS, BrowserNotFound, check_chromium
from massaudit.audits.collector import AuditSettings
from massaudit.check_command import add_check_parser, cmd_check
from massaudit.crawler.scope import ScopeOwners
from massaudit.crawler.sites import SitesConfig, SitesConfigError, load_sites
from massaudit.documents import finalise_documents, rejudge_documents
from massaudit.judging import check_disabled_rules, check_settings, judge_site_level
from massaudit.reports.export import export_json
from massaudit.reports.safe_output import dumps_json
from massaudit.reports.scoring import SCORING_VERSION
from massaudit.reports.site import render_scorecard, scorecard_run
from massaudit.reports.traffic import TrafficError, load_traffic
from massaudit.reports.views import DEFAULT_REGRESSION_THRESHOLD, build_scorecard
from massaudit.rules.catalogue import CatalogueError, load_catalogue
from massaudit.rules.judge import judge
from massaudit.run import RunError, RunSummary, run_audit
from massaudit.store.db import Store, StoreError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANNOT_RUN = 0, 1, 2, 3
DEMO_SITES = Path(__file__).parent / "demo" / "sites.toml"
DEBUG_HINT = "run again with --debug (or MASSAUDIT_DEBUG=1) to see the traceback"


class UsageError(Exception):
    """Bad command-line input; exit code 2 with one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"massaudit: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="massaudit", description=__doc__)
    parser.add_argument("--version", action="version", version=f"massaudit {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
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
    _add_audit_options(run)
    _add_report_options(run)

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

    export = commands.add_parser("export", help="print a stored run as JSON (docs/export.md)")
    export.add_argument("--db", required=True)
    export.add_argument("--run", type=int, dest="run_id")
    export.add_argument("--format", choices=["json"], default="json")
    export.add_argument("--output", "-o", help="write to this file instead of standard output")

    add_check_parser(commands)

    validate = commands.add_parser("validate", help="check a sites file and exit")
    validate.add_argument("--sites", default="sites.toml")
    for command in commands.choices.values():
        # SUPPRESS: a command's default must not undo `massaudit --debug COMMAND`
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    return parser


_DEBUG_HELP = "show the traceback of an unexpected error (also MASSAUDIT_DEBUG=1)"


def _add_audit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--concurrency",
        type=arguments.concurrency,
        default=default_concurrency(),
        help="pages rendered at once, 1 to 32 (default: one per core, 2 to 8)",
    )
    parser.add_argument(
        "--page-timeout",
        type=arguments.page_timeout,
        default=30.0,
        help="seconds to load one page, 1 to 300 (default 30)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")
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


def default_concurrency() -> int:
    return max(2, min(8, os.cpu_count() or 2))


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


def _traffic(args: argparse.Namespace) -> dict[str, int] | None:
    """The --traffic file's page views; a bad file is a usage error (checked before a run)."""
    if not getattr(args, "traffic", None):
        return None
    try:
        return load_traffic(args.traffic)
    except TrafficError as exc:
        raise UsageError(str(exc)) from None


def _scorecard(store: Store, run: Any, catalogue: Any, args: argparse.Namespace) -> Any:
    """The scorecard of a run with the report options of the command line."""
    return build_scorecard(
        store,
        run,
        catalogue,
        traffic=_traffic(args),
        regression_threshold=getattr(args, "regression_threshold", DEFAULT_REGRESSION_THRESHOLD),
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False) or os.environ.get("MASSAUDIT_DEBUG") == "1"
    handlers = {
        "run": cmd_run,
        "demo": cmd_demo,
        "serve-demo": cmd_serve_demo,
        "rejudge": cmd_rejudge,
        "report": cmd_report,
        "export": cmd_export,
        "validate": cmd_validate,
        "check": cmd_check,
    }
    try:
        check_paths(args)
        return handlers[args.command](args)
    except (SitesConfigError, UsageError, StoreError, CatalogueError, PathProblem) as exc:
        print(f"massaudit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrowserNotFound as exc:
        print(f"massaudit: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print("massaudit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the operator unless asked for
        if debug:
            traceback.print_exc()
        print(f"massaudit: {fault_line(args.command, exc)}", file=sys.stderr)
        return EXIT_CANNOT_RUN


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
        arguments.database("--db", args.db)
    elif command in ("rejudge", "report", "export"):
        arguments.database("--db", args.db, must_exist=True)
    if getattr(args, "out", None) and command != "serve-demo":
        arguments.output_dir("--out", args.out)
    if getattr(args, "log", None):
        arguments.output_file("--log", args.log)
    if getattr(args, "traffic", None):
        arguments.input_file("--traffic", args.traffic)
    if command == "export" and args.output:
        arguments.output_file("--output", args.output)


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
        check_chromium()
        return _audit_and_report(sites, Store(args.db), out, args)
    store = Store(args.db)
    store.mark_abandoned_runs()
    run = _run_to_resume(store, args)
    if run.status == "complete":
        if scorecard_run(out) == run.id:
            raise UsageError(
                f"--resume: run {run.id} is complete and {out} shows its scorecard; "
                "nothing to resume"
            )
        return _render_missing_scorecard(store, run, out, args)
    check_chromium()
    return _audit_and_report(None, store, out, args, resume_run=run.id)


def _run_to_resume(store: Store, args: argparse.Namespace) -> Any:
    """`--resume RUN`'s run; without RUN the newest incomplete run, else the newest run."""
    if args.resume > 0:
        run = store.get_run(args.resume)
        if run is None:
            raise UsageError(f"--resume {args.resume}: no run {args.resume} in {args.db}")
        return run
    run_id = store.latest_incomplete_run_id()
    if run_id is not None:
        return store.get_run(run_id)
    runs = store.runs()
    if not runs or runs[-1].status != "complete":
        newest = f" (the newest, run {runs[-1].id}, is {runs[-1].status})" if runs else ""
        raise UsageError(f"--resume: no incomplete run in {args.db}{newest}")
    return runs[-1]


def _render_missing_scorecard(store: Store, run: Any, out: Path, args: argparse.Namespace) -> int:
    """A complete run whose scorecard never reached `out` (e.g. killed while rendering)."""
    catalogue = load_catalogue()
    index = render_scorecard(_scorecard(store, run, catalogue, args), catalogue, out)
    print(f"Run {run.id} is complete; its scorecard was not in {out} and is written now.")
    print(f"Scorecard: {index}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    import tempfile

    from massaudit.demo.site import build_site
    from massaudit.pipeline.static_server import serve_directory

    config = load_sites(args.sites)
    check_chromium()
    out = Path(args.out)
    db_path = out / "massaudit.sqlite"
    with tempfile.TemporaryDirectory(prefix="massaudit-demo-") as tmp:
        build_site(Path(tmp))
        with serve_directory(Path(tmp), port=args.port) as base_url:
            print(f"Demo site served at {base_url}/", file=sys.stderr)
            sites = config.demo_only(urlsplit(base_url).netloc)
            code = _audit_and_report(sites, Store(str(db_path)), out, args)
    print(f"Database:  {db_path}")
    return code


def cmd_serve_demo(args: argparse.Namespace) -> int:
    import tempfile

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
    settings = AuditSettings(
        concurrency=args.concurrency,
        navigation_timeout_s=args.page_timeout,
        collect_facts=args.checks == "all",
        blocked_hosts=() if args.keep_analytics else ANALYTICS_HOSTS,
    )
    progress = None if args.quiet else _Progress()
    log_path = Path(args.log) if args.log else None
    try:
        summary = run_audit(
            sites,
            store,
            audit_settings=settings,
            progress=progress,
            resume_run=resume_run,
            full=getattr(args, "full", False),
            log_path=log_path or out / "logs" / f"run-{time.strftime('%Y%m%d-%H%M%S')}.jsonl",
        )
    except RunError as exc:
        raise UsageError(str(exc)) from None
    except StoreError as exc:  # the store went away mid-run, after its retries
        print(
            f"massaudit: the run stopped: {exc}; what was stored is kept, and "
            "`massaudit run --resume` continues once the database is back",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        if progress is not None:
            progress.finish()
    catalogue = load_catalogue()
    run = store.get_run(summary.run_id)
    index = render_scorecard(_scorecard(store, run, catalogue, args), catalogue, out)
    _print_summary(summary, run)
    print(f"Scorecard: {index}")
    return EXIT_OK if summary.status == "complete" else EXIT_FAILED


def _print_summary(summary: RunSummary, run: Any) -> None:
    states = (run.summary or {}).get("states", {})
    skipped = {k.split(":", 1)[1]: v for k, v in states.items() if k.startswith("skipped:")}
    print(
        f"Run {summary.run_id} {summary.status} in {summary.seconds:.0f} s: "
        f"{states.get('audited', 0)} pages audited, {states.get('unchanged', 0)} unchanged "
        f"(reused), {sum(skipped.values())} URLs skipped; "
        f"{summary.findings.get('fail', 0)} failures and "
        f"{summary.findings.get('needs-review', 0)} items to review on the pages audited now"
    )
    if summary.status != "complete" and run.error:
        print(f"  stopped: {run.error}")
    for reason, count in sorted(skipped.items(), key=lambda item: -item[1]):
        print(f"  skipped, {reason}: {count}")
    for site in (run.config or {}).get("sites", []):
        count = summary.per_site.get(site["id"], 0)
        print(f"  {site['id']}: {count} {'page' if count == 1 else 'pages'} this time")


class _Progress:
    """One status line on a terminal; a line every 25 pages otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()

    def __call__(self, summary: RunSummary, url: str) -> None:
        line = (
            f"[{summary.discovered} found, {summary.pages_audited} audited, "
            f"{summary.pages_reused} reused, {sum(summary.skipped.values())} skipped, "
            f"{summary.pages_failed} errors, {summary.pages_per_minute:.0f}/min] {url}"
        )
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line[:150])
            sys.stderr.flush()
        elif (summary.pages_audited + summary.pages_reused) % 25 == 0:
            print(line, file=sys.stderr)

    def finish(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def _open_run(args: argparse.Namespace) -> tuple[Store, object]:
    store = Store(args.db)
    store.mark_abandoned_runs()
    run = store.get_run(args.run_id) if args.run_id else store.latest_run()
    if run is None:
        which = f"run {args.run_id}" if args.run_id else "any run"
        raise UsageError(f"--db {args.db}: no {which} in this database; run `massaudit run` first")
    return store, run


def cmd_rejudge(args: argparse.Namespace) -> int:
    store, run = _open_run(args)
    catalogue = load_catalogue()
    if args.sites:
        new_sites = load_sites(args.sites)
        check_disabled_rules(new_sites, catalogue)
        store.replace_config(run.id, new_sites.to_dict())
        run = store.get_run(run.id)
    counts = {"pages": 0, "fail": 0, "needs-review": 0}
    settings = check_settings(run.config)
    page_sites = store.page_sites(run.id)
    for page_id, artifacts in store.iter_artifacts(run.id):
        judgement = judge(artifacts, catalogue, settings.get(page_sites[page_id]))
        store.replace_judgement(run.id, page_id, judgement)
        counts["pages"] += 1
        for finding in judgement.findings:
            counts[finding.outcome] += 1
    for outcome, count in judge_site_level(store, run.id, catalogue).items():
        counts[outcome] += count
    rejudge_documents(store, run.id, catalogue, settings)
    finalise_documents(store, run.id, SitesConfig.from_dict(run.config))
    store.mark_rejudged(run.id, catalogue.version, SCORING_VERSION)
    print(
        f"Run {run.id} judged again: {counts['pages']} pages, {counts['fail']} failures, "
        f"{counts['needs-review']} items need review (catalogue {catalogue.version}, "
        f"scoring v{SCORING_VERSION})"
    )
    if args.out:
        run = store.get_run(run.id)
        index = render_scorecard(_scorecard(store, run, catalogue, args), catalogue, Path(args.out))
        print(f"Scorecard: {index}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    store, run = _open_run(args)
    catalogue = load_catalogue()
    index = render_scorecard(_scorecard(store, run, catalogue, args), catalogue, Path(args.out))
    print(f"Scorecard: {index}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    store, run = _open_run(args)
    catalogue = load_catalogue()
    data = export_json(build_scorecard(store, run, catalogue), catalogue)
    text = dumps_json(data)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
