"""The charts drawn on the server and the operators' reasons, without a browser: real
axes (ticks and titles), gaps where there is no data, the current round's line marked
unknown, and a sentence for each level saying which figure crossed which line."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from service.web.charts import Chart, nice_ticks
from service.web.ops_panel import Words, city_name, reasons
from service.web.past_lines import past_lines_chart

SVG = "{http://www.w3.org/2000/svg}"
BEIJING_LINES = {"kind": "quota", "cutoffs": {"2018": 90.75, "2019": 93.58, "2020": 97.13,
                                              "2021": 100.88, "2022": 105.42}}


def svg_of(markup: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg.*</svg>", str(markup), re.S)[0])


def texts(svg: ET.Element, css: str) -> list[str]:
    return [t.text for t in svg.iter(f"{SVG}text") if css in t.get("class", "").split()]


@pytest.mark.parametrize(("low", "high"), [(0, 1), (85.3, 110.2), (-12, 250), (0, 0.27)])
def test_ticks_are_round_numbers_covering_the_range(low, high):
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high and 3 <= len(ticks) <= 12
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1


def test_a_line_breaks_where_there_is_no_value():
    chart = Chart(caption="c", description="d", x_domain=(0, 5), y_domain=(0, 10),
                  x_label="x", y_label="y")
    chart.line([(0, 1), (1, 2), (2, None), (3, 4), (4, 5)], "line-pass", "rate")
    svg = svg_of(chart.figure())
    paths = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "line-pass"]
    assert len(paths) == 2  # a gap, not a zero
    assert texts(svg, "axis-title") == ["y", "x"]
    assert texts(svg, "tick")


def test_past_lines_mark_the_current_round_unknown():
    figure = past_lines_chart(BEIJING_LINES, 2026, "en")
    svg = svg_of(figure)
    assert texts(svg, "value") == ["90.75", "93.58", "97.13", "100.88", "105.42"]
    years = [int(t) for t in texts(svg, "tick") if t.isdigit() and len(t) == 4]
    assert years == list(range(2018, 2027))
    assert any(line.get("class") == "line-unknown" for line in svg.iter(f"{SVG}line"))
    assert "2026: not published yet" in str(figure)
    assert "The 2026 line is not published yet" in svg.find(f"{SVG}title").text
    known = svg_of(past_lines_chart(BEIJING_LINES, 2022, "zh"))
    assert not any(line.get("class") == "line-unknown" for line in known.iter(f"{SVG}line"))
    assert past_lines_chart({"kind": "fixed", "points": 60}, None, "en") is None
    assert past_lines_chart({"kind": "quota", "cutoffs": {}}, 2026, "en") is None


def series(**figures) -> dict:
    base = {"level": "stable", "reason": None, "count": 500, "reference_count": 20000,
            "psi": 0.03, "psi_watch": 0.11, "psi_act": 0.25, "pass_rate": 0.4,
            "reference_pass_rate": 0.38, "pass_rate_change": 0.02, "pass_rate_limit": 0.07}
    return base | figures


@pytest.mark.parametrize(("figures", "state", "words"), [
    ({}, "ok", "PSI 0.03 is below the watch line 0.11."),
    ({"level": "watch", "psi": 0.15}, "warn",
     "PSI 0.15 has reached the watch line 0.11, not above the act line 0.25."),
    ({"level": "act", "psi": 0.4}, "bad", "PSI 0.4 is above the act line 0.25."),
    ({"level": "insufficient", "reason": "no_reference", "psi": None}, "bad",
     "No reference: no baseline was set and none is shipped for this version."),
])
def test_each_level_says_which_figure_crossed_which_line(figures, state, words):
    found = reasons(series(**figures), Words("en"))
    assert found[0] == (state, words)
    if figures.get("level") == "insufficient":
        assert found[1][0] == "info" and found[1][1].startswith("To fix: set a baseline")


def test_pass_rate_and_cutoff_drift_against_their_limits():
    found = reasons(series(pass_rate=0.6, pass_rate_change=0.22, implied_cutoff=108.1,
                           threshold_line=105.42, threshold_line_method="published",
                           threshold_drift=2.68, threshold_drift_limit=2.0), Words("en"))
    assert ("bad", "Pass rate 60% against 38%: a change of +22 points, beyond the limit of "
                   "±7.") in found
    assert ("bad", "Implied cutoff 108.1 against the line 105.42 (this round's published "
                   "cutoff): drift +2.68, beyond ±2.") in found


def test_city_names_come_from_the_titles():
    xian = {"zh": "西安市居住证积分落户（城镇化报告推荐模式）",
            "en": "Xi'an residence-permit points settlement (the urbanisation report's model)"}
    assert city_name(xian, "zh") == "西安市" and city_name(xian, "en") == "Xi'an"
    beijing = {"zh": "北京市积分落户（2020年度起）", "en": "Beijing points settlement"}
    assert city_name(beijing, "en") == "Beijing"
