"""What the command line decided for `massaudit check`, checked against the catalogue before
any page is loaded: reports, the gate, the chosen rules, suppressions and the baseline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from massaudit.crawler.credentials import cookie_problem, header_problem, value_problem
from massaudit.pipeline.check.baseline import load_baseline
from massaudit.pipeline.check.exit_codes import CheckUsageError
from massaudit.pipeline.check.suppressions import CheckConfig, load_check_config
from massaudit.reports.ci import FORMATS
from massaudit.rules.catalogue import Catalogue


@dataclass(frozen=True)
class ReportTarget:
    fmt: str
    path: str | None  # None: standard output


@dataclass
class CheckOptions:
    inputs: list[str]  # URLs, HTML files, folders, or "-" (a fragment on standard input)
    reports: list[ReportTarget]
    fail_on: str = "serious"
    max_failures: dict[str, int] = field(default_factory=dict)  # category -> allowed new
    chosen: set[str] | None = None  # rule ids to keep; None: every rule
    config: CheckConfig = field(default_factory=CheckConfig)
    baseline_path: str | None = None
    baseline: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    write_baseline: str | None = None
    template: str | None = None  # page template for a fragment; None: the built-in one
    concurrency: int = 4
    page_timeout: float = 30.0
    tool_version: str = ""
    # --header and --cookie, for the hosts of the URLs checked only; never shown.
    request_headers: dict[str, str] = field(default_factory=dict, repr=False)

    def output_files(self) -> Iterator[tuple[str, str]]:
        """(flag, path) of every file the check will write."""
        for target in self.reports:
            if target.path is not None:
                yield "--report", target.path
        if self.write_baseline:
            yield "--write-baseline", self.write_baseline


def check_options(
    catalogue: Catalogue,
    *,
    inputs: list[str],
    reports: list[str],
    fail_on: str,
    max_failures: list[str],
    rules: list[str],
    categories: list[str],
    config: str | None,
    baseline: str | None,
    write_baseline: str | None,
    template: str | None,
    concurrency: int,
    page_timeout: float,
    tool_version: str,
    headers: list[str] = (),  # type: ignore[assignment]
    cookies: list[str] = (),  # type: ignore[assignment]
) -> CheckOptions:
    """The command line's values, parsed and validated (CheckUsageError, CheckConfigError)."""
    targets = parse_reports(reports)
    limits = parse_max_failures(max_failures, catalogue)
    chosen = selected_rules(rules, categories, catalogue)
    return CheckOptions(
        inputs=inputs,
        reports=targets,
        fail_on=fail_on,
        max_failures=limits,
        chosen=chosen,
        config=load_check_config(config, catalogue.rules) if config else CheckConfig(),
        baseline_path=baseline,
        baseline=load_baseline(baseline) if baseline else Counter(),
        write_baseline=write_baseline,
        template=template,
        concurrency=concurrency,
        page_timeout=page_timeout,
        tool_version=tool_version,
        request_headers=request_headers(headers, cookies),
    )


def request_headers(headers: list[str], cookies: list[str]) -> dict[str, str]:
    """`--header "Name: value"` and `--cookie "name=value"` as the headers the browser adds
    (cookies as one Cookie header). A problem names the flag and the name, never the value."""
    found: dict[str, str] = {}
    for text in headers:
        name, sep, value = text.partition(":")
        name, value = name.strip(), value.strip()
        if not sep:  # the whole text may be the secret: not repeated
            raise CheckUsageError('--header: expected "Name: value"')
        problem = header_problem(name) or value_problem(value)
        if problem:
            raise CheckUsageError(f"--header {name}: {problem}")
        found[name] = value
    pairs = []
    for text in cookies:
        name, sep, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not sep:
            raise CheckUsageError("--cookie: expected name=value")
        problem = cookie_problem(name, value)
        if problem:
            raise CheckUsageError(f"--cookie {name}: {problem}")
        pairs.append(f"{name}={value}")
    if pairs:
        found["Cookie"] = "; ".join(pairs)
    return found


def parse_reports(values: list[str]) -> list[ReportTarget]:
    targets = []
    for value in values or ["text"]:
        fmt, _, path = value.partition(":")
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise CheckUsageError(
                f"--report {value}: unknown format {fmt!r}; known: {', '.join(FORMATS)}"
            )
        targets.append(ReportTarget(fmt, path or None))
    to_stdout = [t.fmt for t in targets if t.path is None]
    if len(to_stdout) > 1:
        raise CheckUsageError(
            f"--report: {' and '.join(to_stdout)} both go to standard output; give one a :PATH"
        )
    return targets


def parse_max_failures(values: list[str], catalogue: Catalogue) -> dict[str, int]:
    out = {}
    for value in values:
        name, sep, number = value.partition("=")
        name = name.strip()
        if not sep or not number.strip().isdigit():
            raise CheckUsageError(
                f"--max-failures {value}: expected CATEGORY=N, e.g. plain-language=3"
            )
        if name not in catalogue.categories:
            raise CheckUsageError(
                f"--max-failures {value}: unknown category {name!r}; known: "
                f"{', '.join(sorted(catalogue.categories))}"
            )
        out[name] = int(number)
    return out


def selected_rules(
    rules: list[str], categories: list[str], catalogue: Catalogue
) -> set[str] | None:
    """Rule ids chosen by --rules and --categories (their union); None: every rule."""
    rule_ids = _split(rules)
    category_ids = _split(categories)
    for rule_id in rule_ids:
        if rule_id not in catalogue.rules:
            raise CheckUsageError(f"--rules: unknown rule {rule_id!r} (see rules/data/)")
    for category in category_ids:
        if category not in catalogue.categories:
            raise CheckUsageError(
                f"--categories: unknown category {category!r}; known: "
                f"{', '.join(sorted(catalogue.categories))}"
            )
    if not rule_ids and not category_ids:
        return None
    chosen = set(rule_ids)
    chosen |= {r.id for r in catalogue.rules.values() if r.category in category_ids}
    return chosen


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
