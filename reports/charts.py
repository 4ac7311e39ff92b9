"""Charts of the scorecard as inline SVG, with no script: score bars per dimension, score trends
with dates on the axis, a sparkline per agency and issues by impact.

Every chart is an `<svg role="img">` named by its <title> and summarised by its <desc> (a
sparkline: by its aria-label); the page shows the same numbers next to it as a table or text.
Horizontal positions are percentages of the chart's width and vertical ones pixels, so a chart
fills the width it is given, a phone's or a laptop's, and its text keeps its size. Names come
from stored data and are escaped here. Pure functions: data in, markup out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from massaudit.reports.history import HistoryPoint
    from massaudit.reports.issues import IssueView
    from massaudit.reports.scoring import GroupScores

BAR_ROW = 46  # px per bar: its label line, then the bar
BAR_HEIGHT = 14
TREND_HEIGHT = 240
PLOT_TOP, PLOT_BOTTOM = 12, 186  # px: 100 and 0 of the trend's scale
PLOT_LEFT, PLOT_RIGHT = 11.0, 97.0  # % of the width: room for the scale's numbers on the left
GRID = (0, 25, 50, 75, 100)
NARROW_LABELS, WIDE_LABELS = 3, 7  # date labels that fit a phone's width, a laptop's
SPARK_WIDTH, SPARK_HEIGHT = 100, 28
IMPACTS = ("critical", "serious", "moderate", "minor")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to draw (an empty track)
    text: str  # the value in words, shown at the right of the label
    style: str = "bar"  # CSS class of the filled part


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # one per date, 0 to 100; None: no value that run
    style: str  # CSS class suffix: colour and dashes (scorecard.css)
    marker: str = "circle"  # circle, square or ring: told apart without colour


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg(css: str, chart_id: str, title: str, description: str, height: int, body: str) -> Markup:
    cid = escape(chart_id)
    return Markup(
        f'<svg class="chart {css}" width="100%" height="{height}" role="img" '
        f'aria-labelledby="{cid}-title" aria-describedby="{cid}-desc">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(description)}</desc>{body}</svg>'
    )


def bar_chart(
    bars: Sequence[Bar], *, chart_id: str, title: str, description: str, maximum: float = 100
) -> Markup:
    """Horizontal bars, one per row under its label, the value in words on the label's line."""
    if not bars:
        return Markup("")
    parts = []
    for row, bar in enumerate(bars):
        top = row * BAR_ROW
        parts.append(
            f'<text class="bar-label" x="0" y="{top + 15}">{escape(bar.label)}</text>'
            f'<text class="bar-value" x="100%" y="{top + 15}" text-anchor="end">'
            f"{escape(bar.text)}</text>"
            f'<rect class="bar-track" x="0" y="{top + 22}" width="100%" height="{BAR_HEIGHT}"/>'
        )
        width = bar_width(bar.value, maximum)
        if width > 0:
            parts.append(
                f'<rect class="{escape(bar.style)}" x="0" y="{top + 22}" width="{_n(width)}%" '
                f'height="{BAR_HEIGHT}"/>'
            )
    height = len(bars) * BAR_ROW
    return _svg("bar-chart", chart_id, title, description, height, "".join(parts))


def bar_width(value: float | None, maximum: float) -> float:
    """A bar's length in % of the chart's width, 0 to 100."""
    if value is None or maximum <= 0:
        return 0.0
    return max(0.0, min(100.0, 100 * value / maximum))


def x_positions(count: int) -> list[float]:
    """Where each run of a trend is across the plot, in % of the width: evenly spaced."""
    if count == 1:
        return [(PLOT_LEFT + PLOT_RIGHT) / 2]
    return [PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * i / (count - 1) for i in range(count)]


def y_position(value: float) -> float:
    """Where a value of 0 to 100 is on the plot, in px from the top."""
    value = max(0.0, min(100.0, value))
    return PLOT_TOP + (PLOT_BOTTOM - PLOT_TOP) * (1 - value / 100)


def date_labels(dates: Sequence[datetime | None]) -> list[tuple[str, str | None]]:
    """Each run's date (YYYY-MM-DD) and, when two runs share a date, its time (HH:MM) as well."""
    days = [d.strftime("%Y-%m-%d") if d else "no date" for d in dates]
    repeated = len(set(days)) < len(days)
    return [
        (day, d.strftime("%H:%M") if d and repeated else None)
        for day, d in zip(days, dates, strict=True)
    ]


def labelled(count: int, most: int) -> list[int]:
    """The indices of at most `most` evenly spaced points, first and last included."""
    if count <= most:
        return list(range(count))
    if most < 2:
        return [0]
    return sorted({round(k * (count - 1) / (most - 1)) for k in range(most)})


def trend_chart(
    dates: Sequence[datetime | None],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    description: str,
) -> Markup:
    """Lines of values from 0 to 100 per run, with the runs' dates on the horizontal axis.

    A phone shows at most NARROW_LABELS dates; the others (up to WIDE_LABELS) carry the class
    `wide`, which the stylesheet shows on wider screens."""
    if not dates:
        return Markup("")
    xs = x_positions(len(dates))
    parts = []
    for tick in GRID:
        y = _n(y_position(tick))
        parts.append(
            f'<line class="grid" x1="{_n(PLOT_LEFT)}%" x2="{_n(PLOT_RIGHT)}%" y1="{y}" y2="{y}"/>'
            f'<text class="axis-y" x="{_n(PLOT_LEFT - 1.5)}%" y="{_n(float(y) + 4)}" '
            f'text-anchor="end">{tick}</text>'
        )
    wide = labelled(len(dates), WIDE_LABELS)
    middle = min(wide, key=lambda i: abs(i - (len(dates) - 1) / 2))
    narrow = {wide[0], wide[-1], middle}
    for i, (day, time) in enumerate(date_labels(dates)):
        x = _n(xs[i])
        parts.append(
            f'<line class="tick" x1="{x}%" x2="{x}%" y1="{PLOT_BOTTOM}" y2="{PLOT_BOTTOM + 5}"/>'
        )
        if i not in wide:
            continue
        anchor = "middle"
        if len(dates) > 1 and i == 0:
            anchor = "start"
        elif len(dates) > 1 and i == len(dates) - 1:
            anchor = "end"
        css = "axis-x" if i in narrow else "axis-x wide"
        second = f'<tspan x="{x}%" dy="15">{time}</tspan>' if time else ""
        parts.append(
            f'<text class="{css}" x="{x}%" y="{PLOT_BOTTOM + 20}" text-anchor="{anchor}">'
            f"<tspan>{day}</tspan>{second}</text>"
        )
    for line in series:
        parts.extend(_series(line, xs))
    return _svg("trend-chart", chart_id, title, description, TREND_HEIGHT, "".join(parts))


def _series(line: Series, xs: Sequence[float]) -> list[str]:
    css = escape(line.style)
    points = [
        (_n(x), _n(y_position(v))) for x, v in zip(xs, line.values, strict=False) if v is not None
    ]
    parts = []
    values = list(line.values)
    for i in range(len(xs) - 1):
        if i + 1 < len(values) and values[i] is not None and values[i + 1] is not None:
            parts.append(
                f'<line class="series series-{css}" x1="{_n(xs[i])}%" y1="{_n(y_position(values[i]))}" '
                f'x2="{_n(xs[i + 1])}%" y2="{_n(y_position(values[i + 1]))}"/>'
            )
    for x, y in points:
        parts.append(_marker(line.marker, css, x, y))
    return parts


def _marker(shape: str, css: str, x: str, y: str) -> str:
    if shape == "square":
        return (
            f'<rect class="marker marker-{css}" x="{x}%" y="{_n(float(y) - 4)}" width="8" '
            'height="8" transform="translate(-4 0)"/>'
        )
    ring = " ring" if shape == "ring" else ""
    return f'<circle class="marker marker-{css}{ring}" cx="{x}%" cy="{y}" r="4"/>'


def legend(series: Sequence[Series]) -> Markup:
    """The key of a trend chart as a list (it wraps on a phone); its samples are decorative."""
    items = []
    for line in series:
        css = escape(line.style)
        sample = _marker(line.marker, css, "50", "6")
        items.append(
            f'<li><svg class="legend-key" width="32" height="12" aria-hidden="true">'
            f'<line class="series series-{css}" x1="0" x2="100%" y1="6" y2="6"/>{sample}</svg>'
            f"{escape(line.label)}</li>"
        )
    return Markup(f'<ul class="chart-legend">{"".join(items)}</ul>')


def sparkline(values: Sequence[float | None], *, label: str) -> Markup:
    """A small line of a few runs' values, scaled to their own range (at least 10 points tall,
    so noise does not look like a cliff); the last run is marked. `label` says what it shows."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        return Markup("")
    low, high = spark_range([v for _i, v in known])
    count = len(values)

    def x(i: int) -> float:
        return 4 + (SPARK_WIDTH - 8) * i / (count - 1) if count > 1 else SPARK_WIDTH / 2

    def y(v: float) -> float:
        return 3 + (SPARK_HEIGHT - 6) * (1 - (v - low) / (high - low))

    coords = [(_n(x(i)), _n(y(v))) for i, v in known]
    line = ""
    if len(coords) > 1:
        line = f'<polyline class="spark-line" points="{" ".join(f"{a},{b}" for a, b in coords)}"/>'
    last_x, last_y = coords[-1]
    return Markup(
        f'<svg class="sparkline" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" '
        f'viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" role="img" aria-label="{escape(label)}">'
        f'{line}<circle class="spark-last" cx="{last_x}" cy="{last_y}" r="3"/></svg>'
    )


def spark_range(values: Sequence[float]) -> tuple[float, float]:
    """The low and high ends of a sparkline's scale: the values' range, at least 10 wide,
    within 0 to 100."""
    low, high = min(values), max(values)
    if high - low < 10:
        middle = (low + high) / 2
        low, high = middle - 5, middle + 5
        if low < 0:
            low, high = 0.0, 10.0
        elif high > 100:
            low, high = 90.0, 100.0
    return low, high


# --- the scorecard's charts, from its views -------------------------------------------------


def score_bars(
    scores: GroupScores,
    name: str,
    chart_id: str,
    *,
    keys: Sequence[str],
    titles: Mapping[str, str],
) -> Markup:
    """A group's scores as bars, the overall (equity) score first."""
    bars = []
    for n, key in enumerate(keys):
        score = scores.equity if key == "equity" else scores.dimensions.get(key)
        value = score.value if score else None
        text = "not scored" if value is None else f"{value:.1f}, grade {score.grade}"
        bars.append(Bar(titles.get(key, key), value, text, "bar bar-total" if n == 0 else "bar"))
    summary = "; ".join(f"{b.label}: {b.text}" for b in bars)
    return bar_chart(
        bars,
        chart_id=chart_id,
        title=f"Scores of {name}, from 0 to 100",
        description=f"{summary}. The table below has the same numbers.",
    )


TREND_SERIES = (  # key (a history point's value, or its compliance), label, style, marker
    ("compliance", "Pages with no critical or serious WCAG failure (%)", "compliance", "ring"),
    ("equity", "Equity score", "equity", "circle"),
    ("accessibility", "Accessibility score", "accessibility", "square"),
)


def history_series(points: Sequence[HistoryPoint], keys: Sequence[str]) -> list[Series]:
    """The series of TREND_SERIES named by `keys`, over the points of a score history."""
    chosen = [entry for entry in TREND_SERIES if entry[0] in keys]
    return [
        Series(label, [_value(p, key) for p in points], style, marker)
        for key, label, style, marker in chosen
    ]


def _value(point: HistoryPoint, key: str) -> float | None:
    return point.compliance if key == "compliance" else point.values.get(key)


def history_chart(
    points: Sequence[HistoryPoint], keys: Sequence[str], name: str, chart_id: str
) -> Markup:
    """The trend of a group's scores over the runs of its score history, dated."""
    series = history_series(points, keys)
    labels = [
        f"{day} {time}" if time else day for day, time in date_labels([p.started for p in points])
    ]
    described = []
    for line in series:
        known = [(labels[i], v) for i, v in enumerate(line.values) if v is not None]
        if not known:
            described.append(f"{line.label}: no value")
        elif len(known) == 1:
            described.append(f"{line.label}: {known[0][1]:.1f} on {known[0][0]}")
        else:
            (first_day, first), (last_day, last) = known[0], known[-1]
            described.append(f"{line.label}: {first:.1f} on {first_day}, {last:.1f} on {last_day}")
    runs = f"{len(points)} run" + ("" if len(points) == 1 else "s")
    return trend_chart(
        [p.started for p in points],
        series,
        chart_id=chart_id,
        title=f"Trend of {name} over {runs}, from 0 to 100",
        description="; ".join(described) + ". The table below lists every run.",
    )


def history_sparkline(points: Sequence[HistoryPoint], key: str, what: str, name: str) -> Markup:
    """A sparkline of one score of a group's history, named by what it shows and its range."""
    values = [_value(p, key) for p in points]
    known = [v for v in values if v is not None]
    if not known:
        return Markup("")
    if len(known) == 1:
        label = f"{what} of {name}: {known[0]:.1f}, one run so far"
    else:
        label = (
            f"{what} of {name} over {len(known)} runs: from {known[0]:.1f} to {known[-1]:.1f}, "
            f"lowest {min(known):.1f}, highest {max(known):.1f}"
        )
    return sparkline(values, label=label)


def impact_counts(issues: Sequence[IssueView]) -> list[tuple[str, int, int]]:
    """(impact, issues, occurrences) for each impact, most severe first; "unknown" only when
    some issue has none."""
    counts = {impact: [0, 0] for impact in IMPACTS}
    for issue in issues:
        entry = counts.setdefault(issue.impact if issue.impact in IMPACTS else "unknown", [0, 0])
        entry[0] += 1
        entry[1] += issue.occurrences
    return [(impact, n, occurrences) for impact, (n, occurrences) in counts.items()]


def impact_bars(issues: Sequence[IssueView], name: str, chart_id: str) -> Markup:
    """The number of issues of each impact, as bars."""
    counts = impact_counts(issues)
    most = max((n for _impact, n, _o in counts), default=0)
    bars = [
        Bar(impact, n, f"{n} issue" + ("" if n == 1 else "s"), f"bar bar-{impact}")
        for impact, n, _occurrences in counts
    ]
    return bar_chart(
        bars,
        chart_id=chart_id,
        title=f"Issues by impact on {name}",
        description="; ".join(f"{b.label}: {b.text}" for b in bars) + ".",
        maximum=most,
    )
