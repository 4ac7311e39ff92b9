"""The scorecard's charts as pure functions: where marks go, labels escaped (a hostile site name
stays text), dates on the trend's axis, and empty or one-point series."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from massaudit.reports import charts
from massaudit.reports.charts import Bar, Series
from massaudit.reports.history import HistoryPoint
from massaudit.reports.issues import IssueView
from massaudit.reports.scoring import GroupScores, Score

HOSTILE = '</title><script>alert("x")</script><desc>&amp; \' " <b>'
DAYS = [datetime(2026, 3, d, 1, 0) for d in (1, 2, 3)]


def parsed(markup: str) -> ET.Element:
    """The chart as XML: it must be well formed whatever its labels are."""
    return ET.fromstring(str(markup))


def point(run: int, started: datetime, equity: float | None, compliance: float | None):
    values = {"equity": equity, "accessibility": equity}
    return HistoryPoint(run, started, "3", 10, values, compliance)


def issue(impact: str | None, occurrences: int) -> IssueView:
    return IssueView(
        "fp", "rule", "Rule", "accessibility", impact, 1, [], "", "p", "<p>", "", [1], occurrences
    )


def test_bar_widths_are_percent_of_the_maximum_and_clamped():
    assert charts.bar_width(50, 100) == 50
    assert charts.bar_width(3, 4) == 75
    assert charts.bar_width(120, 100) == 100
    assert charts.bar_width(-5, 100) == 0
    assert charts.bar_width(None, 100) == 0
    assert charts.bar_width(3, 0) == 0  # no issue at all: no bar, no division by zero


def test_bar_chart_rows_label_value_and_bar():
    svg = parsed(
        charts.bar_chart(
            [Bar("Equity", 80, "80.0, grade B"), Bar("Documents", None, "not scored")],
            chart_id="c",
            title="Scores",
            description="Equity 80",
        )
    )
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c-title"
    assert svg.get("height") == str(2 * charts.BAR_ROW)
    labels = [t.text for t in svg.iter("text")]
    assert labels == ["Equity", "80.0, grade B", "Documents", "not scored"]
    bars = [r for r in svg.iter("rect") if r.get("class") == "bar"]
    assert [(b.get("y"), b.get("width")) for b in bars] == [("22", "80%")]  # no bar for none
    tracks = [r for r in svg.iter("rect") if r.get("class") == "bar-track"]
    assert [t.get("y") for t in tracks] == ["22", str(charts.BAR_ROW + 22)]
    assert charts.bar_chart([], chart_id="c", title="t", description="d") == ""


def test_trend_positions():
    assert charts.x_positions(1) == [pytest.approx(54.0)]
    assert charts.x_positions(3) == [pytest.approx(v) for v in (11.0, 54.0, 97.0)]
    assert charts.y_position(100) == charts.PLOT_TOP
    assert charts.y_position(0) == charts.PLOT_BOTTOM
    assert charts.y_position(50) == (charts.PLOT_TOP + charts.PLOT_BOTTOM) / 2
    assert charts.y_position(140) == charts.PLOT_TOP  # out of range: on the edge


def test_date_labels_add_the_time_only_when_runs_share_a_date():
    assert charts.date_labels(DAYS) == [
        ("2026-03-01", None),
        ("2026-03-02", None),
        ("2026-03-03", None),
    ]
    same_day = [datetime(2026, 3, 1, 1, 5), datetime(2026, 3, 1, 23, 40)]
    assert charts.date_labels(same_day) == [("2026-03-01", "01:05"), ("2026-03-01", "23:40")]
    assert charts.date_labels([None]) == [("no date", None)]


def test_labelled_points_are_spread_with_first_and_last():
    assert charts.labelled(2, 3) == [0, 1]
    assert charts.labelled(12, 3) == [0, 6, 11]
    assert charts.labelled(12, 7) == [0, 2, 4, 6, 7, 9, 11]
    assert charts.labelled(5, 1) == [0]


def test_trend_chart_dates_on_the_axis_and_one_line_per_series():
    dates = [datetime(2026, 3, d) for d in range(1, 13)]
    equity = Series("Equity", [50 + d for d in range(12)], "equity")
    gap = Series("Compliance", [40, None, *range(60, 69), 90], "compliance", marker="ring")
    svg = parsed(charts.trend_chart(dates, [equity, gap], chart_id="t", title="T", description="D"))
    axis = [t for t in svg.iter("text") if "axis-x" in t.get("class")]
    days = [t.find("tspan").text for t in axis]
    assert days == [
        "2026-03-01",
        "2026-03-03",
        "2026-03-05",
        "2026-03-07",
        "2026-03-08",
        "2026-03-10",
        "2026-03-12",
    ]
    narrow = [t.find("tspan").text for t in axis if "wide" not in t.get("class")]
    assert narrow == ["2026-03-01", "2026-03-07", "2026-03-12"]  # what fits 320 px
    assert [t.get("text-anchor") for t in axis][:2] == ["start", "middle"]
    assert axis[-1].get("text-anchor") == "end" and axis[-1].get("x") == "97%"
    lines = [line for line in svg.iter("line") if "series-equity" in (line.get("class") or "")]
    assert len(lines) == 11
    assert (lines[0].get("x1"), lines[0].get("y1")) == (
        "11%",
        f"{charts.y_position(50):.2f}".rstrip("0").rstrip("."),
    )
    gaps = [line for line in svg.iter("line") if "series-compliance" in (line.get("class") or "")]
    assert len(gaps) == 9  # no line into or out of the run without a value
    rings = [c for c in svg.iter("circle") if "ring" in c.get("class")]
    assert len(rings) == 11
    assert [t.text for t in svg.iter("text") if t.get("class") == "axis-y"] == [
        "0",
        "25",
        "50",
        "75",
        "100",
    ]


def test_trend_chart_of_one_run_and_of_none():
    svg = parsed(
        charts.trend_chart(
            [DAYS[0]], [Series("E", [70], "equity")], chart_id="t", title="T", description="D"
        )
    )
    assert not [line for line in svg.iter("line") if "series" in (line.get("class") or "")]
    [dot] = list(svg.iter("circle"))
    assert dot.get("cx") == "54%" and float(dot.get("cy")) == pytest.approx(charts.y_position(70))
    [label] = [t for t in svg.iter("text") if "axis-x" in t.get("class")]
    assert label.get("text-anchor") == "middle" and label.find("tspan").text == "2026-03-01"
    assert charts.trend_chart([], [], chart_id="t", title="T", description="D") == ""
    empty = parsed(
        charts.trend_chart(
            DAYS, [Series("E", [None] * 3, "equity")], chart_id="t", title="T", description="D"
        )
    )
    assert not list(empty.iter("circle"))


def test_sparkline_scale_and_marks():
    assert charts.spark_range([70, 72]) == (66, 76)  # at least 10 points tall
    assert charts.spark_range([1, 2]) == (0, 10)
    assert charts.spark_range([99, 100]) == (90, 100)
    assert charts.spark_range([20, 90]) == (20, 90)
    svg = parsed(charts.sparkline([20, None, 90], label="Equity"))
    assert svg.get("role") == "img" and svg.get("aria-label") == "Equity"
    assert svg.find("polyline").get("points") == "4,25 96,3"  # the lowest at the bottom
    last = svg.find("circle")
    assert (last.get("cx"), last.get("cy")) == ("96", "3")
    one = parsed(charts.sparkline([50], label="one"))
    assert one.find("polyline") is None and one.find("circle").get("cx") == "50"
    assert charts.sparkline([], label="none") == "" and charts.sparkline([None], label="x") == ""


def test_hostile_names_stay_text_in_every_chart():
    points = [point(1, DAYS[0], 60, 40), point(2, DAYS[1], 70, 55)]
    scores = GroupScores(
        {"accessibility": Score(80.0, 1, 1)}, Score(75.0, 1, 1), Score(100.0, 1, 1), "compliant"
    )
    made = [
        charts.history_chart(points, ("compliance", "equity"), HOSTILE, "h"),
        charts.score_bars(
            scores, HOSTILE, "s", keys=("equity", "accessibility"), titles={"equity": HOSTILE}
        ),
        charts.history_sparkline(points, "equity", "Equity score", HOSTILE),
        charts.impact_bars([issue("critical", 2)], HOSTILE, "i"),
        charts.bar_chart(
            [Bar(HOSTILE, 1, HOSTILE, HOSTILE)], chart_id=HOSTILE, title="t", description="d"
        ),
        charts.legend([Series(HOSTILE, [1], HOSTILE, HOSTILE)]),
    ]
    for markup in made:
        root = parsed(markup)
        assert not list(root.iter("script")) and not list(root.iter("b"))
        assert HOSTILE in "".join(root.itertext()) + " ".join(
            value for element in root.iter() for value in element.attrib.values()
        )
    title = parsed(made[0]).find("title").text
    assert title == f"Trend of {HOSTILE} over 2 runs, from 0 to 100"
    assert parsed(made[2]).get("aria-label").startswith(f"Equity score of {HOSTILE} over 2 runs")


def test_history_chart_describes_each_series_by_date():
    points = [
        point(1, DAYS[0], 60, 40),
        point(2, DAYS[1], None, 55),
        point(3, DAYS[2], 70.25, None),
    ]
    svg = parsed(charts.history_chart(points, ("compliance", "equity"), "Parks", "h"))
    assert svg.find("title").text == "Trend of Parks over 3 runs, from 0 to 100"
    assert svg.find("desc").text == (
        "Pages with no critical or serious WCAG failure (%): 40.0 on 2026-03-01, 55.0 on 2026-03-02; "
        "Equity score: 60.0 on 2026-03-01, 70.2 on 2026-03-03. The table below lists every run."
    )
    assert [s.label for s in charts.history_series(points, ("accessibility",))] == [
        "Accessibility score"
    ]
    assert charts.history_sparkline([point(1, DAYS[0], None, None)], "equity", "E", "P") == ""
    one = parsed(charts.history_sparkline(points[:1], "equity", "Equity score", "Parks"))
    assert one.get("aria-label") == "Equity score of Parks: 60.0, one run so far"


def test_issues_by_impact():
    issues = [issue("critical", 3), issue("critical", 1), issue("minor", 2), issue(None, 1)]
    assert charts.impact_counts(issues) == [
        ("critical", 2, 4),
        ("serious", 0, 0),
        ("moderate", 0, 0),
        ("minor", 1, 2),
        ("unknown", 1, 1),
    ]
    assert [row[0] for row in charts.impact_counts([])] == [
        "critical",
        "serious",
        "moderate",
        "minor",
    ]
    svg = parsed(charts.impact_bars(issues, "Parks", "i"))
    widths = {
        r.get("class"): r.get("width") for r in svg.iter("rect") if r.get("class") != "bar-track"
    }
    assert widths == {"bar bar-critical": "100%", "bar bar-minor": "50%", "bar bar-unknown": "50%"}
    assert (
        svg.find("desc").text
        == "critical: 2 issues; serious: 0 issues; moderate: 0 issues; minor: 1 issue; unknown: 1 issue."
    )
    empty = parsed(charts.impact_bars([], "Parks", "i"))
    assert [r.get("class") for r in empty.iter("rect")] == ["bar-track"] * 4
