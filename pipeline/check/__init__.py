"""`massaudit check`: the CI gate for pages and HTML before they go live.

Inputs are URLs, local HTML files or folders, and `-`: an HTML fragment on standard input
(inputs.py, template.py). Pages are audited by one warm Chromium and judged by exactly the
nightly audit's judging, massaudit.rules.judge (audit.py); for a fragment only its own findings
count (fragment.py). Findings are filtered (`--rules`, `--categories`: options.py), matched
against suppressions (`--config`: suppressions.py) and the baseline (`--baseline`:
baseline.py), and gated (gate.py); the reports are massaudit.reports.ci. run.py ties it up.

Exit codes (exit_codes.py): 0 passed; 1 findings over the gate; 2 usage or configuration error;
3 could not check (a page failed to load, no browser) — never a silent pass.
"""

from massaudit.pipeline.check.exit_codes import (
    EXIT_CANNOT_RUN,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    CheckUsageError,
)
from massaudit.pipeline.check.options import CheckOptions, check_options
from massaudit.pipeline.check.run import run_check
from massaudit.pipeline.check.suppressions import CheckConfigError

__all__ = [
    "EXIT_CANNOT_RUN",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CheckConfigError",
    "CheckOptions",
    "CheckUsageError",
    "check_options",
    "run_check",
]
