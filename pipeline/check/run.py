"""`massaudit check` from decided options to an exit code: read the inputs, serve the local
ones, audit and judge every page, apply the gate, write the reports and the baseline."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from massaudit.pipeline.check.audit import audit_all, judge_targets
from massaudit.pipeline.check.baseline import write_baseline
from massaudit.pipeline.check.exit_codes import EXIT_CANNOT_RUN
from massaudit.pipeline.check.gate import apply_gate, exit_code
from massaudit.pipeline.check.inputs import read_inputs, serve_targets, url_host_headers
from massaudit.pipeline.check.options import CheckOptions, ReportTarget
from massaudit.reports.ci import CheckReport, render
from massaudit.rules.catalogue import Catalogue


def run_check(options: CheckOptions, catalogue: Catalogue, started: float | None = None) -> int:
    """Check the pages and write the reports; the exit code. `started`: when the command began
    (time.monotonic()), for the reported duration."""
    started = time.monotonic() if started is None else started
    inputs = read_inputs(options.inputs, options.template)

    from massaudit.audits.browser import check_chromium

    check_chromium()
    with ExitStack() as stack:
        targets = serve_targets(inputs, stack)
        artifacts, axe_version = asyncio.run(
            audit_all(
                [t.url for t in targets],
                options.concurrency,
                options.page_timeout,
                url_host_headers(inputs.urls, options.request_headers),
                options.tool_version,
            )
        )
    pages = judge_targets(targets, artifacts, catalogue, options.chosen)
    apply_gate(
        pages, catalogue, options.config, options.baseline, options.fail_on, options.max_failures
    )
    code = exit_code(pages, writing_baseline=bool(options.write_baseline))
    baseline_written = bool(options.write_baseline) and code != EXIT_CANNOT_RUN
    if baseline_written:
        write_baseline(options.write_baseline, pages, catalogue.version, options.tool_version)
    named = {i.finding.rule_id for p in pages for i in p.findings} | {
        r for p in pages for r in p.rule_outcomes
    }
    report = CheckReport(
        pages=pages,
        rules={r: catalogue.rules[r] for r in sorted(named) if r in catalogue.rules},
        exit_code=code,
        fail_on=options.fail_on,
        max_failures=options.max_failures,
        baseline=options.baseline_path,
        tool_version=options.tool_version,
        axe_version=axe_version,
        catalogue_version=catalogue.version,
        seconds=time.monotonic() - started,
    )
    write_reports(report, options.reports)
    if baseline_written:
        print(f"Baseline written: {options.write_baseline}", file=sys.stderr)
    return code


def write_reports(report: CheckReport, targets: list[ReportTarget]) -> None:
    """Each report to its file or standard output; when none goes to standard output, the
    summary line goes to standard error."""
    for target in targets:
        text = render(report, target.fmt)
        if target.path is None:
            sys.stdout.write(text)
        else:
            path = Path(target.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            # $GITHUB_STEP_SUMMARY is shared by the job's steps: add to it, never replace it.
            mode = "a" if target.path == os.environ.get("GITHUB_STEP_SUMMARY") else "w"
            with path.open(mode, encoding="utf-8") as out:
                out.write(text)
    if all(t.path is not None for t in targets):
        print(render(report, "text").splitlines()[-1], file=sys.stderr)
