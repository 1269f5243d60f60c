"""The published lines of a quota city's past rounds, as a chart for the calculator.

The line an applicant is scored against in a quota city is a past round's cutoff until
the current round's is published. The chart shows every published line by round, and
the current round with its line marked as not known yet, so nobody reads an old line
as this year's.
"""

from __future__ import annotations

from markupsafe import Markup

from .charts import Chart, number_text

WORDS = {
    "zh": {"x": "年度", "y": "落户分值（分）",
           "unknown": "{year}年度：尚未公布", "series": "公布的落户分值",
           "desc": "往年公布的落户分值：{values}。{year}年度的分值尚未公布。",
           "desc_known": "往年公布的落户分值：{values}。", "pair": "{year}年度{value}分",
           "sep": "；"},
    "en": {"x": "Round", "y": "Line (points)",
           "unknown": "{year}: not published yet", "series": "Published line",
           "desc": "Published lines: {values}. The {year} line is not published yet.",
           "desc_known": "Published lines: {values}.", "pair": "{year}: {value}",
           "sep": "; "},
}


def cutoffs_of(threshold: dict) -> dict[int, float]:
    return {int(year): float(value) for year, value in (threshold.get("cutoffs") or {}).items()}


def past_lines_chart(threshold: dict, round_year: int | None, lang: str) -> Markup | None:
    """A figure of the published cutoffs by round, the current round's marked unknown when
    it is not published; None for a fixed threshold or a city with no published line."""
    cutoffs = cutoffs_of(threshold)
    if threshold.get("kind") != "quota" or not cutoffs:
        return None
    words = WORDS[lang]
    years = sorted(cutoffs)
    last = max(years[-1], round_year or years[-1])
    values = [cutoffs[y] for y in years]
    low, high = min(values), max(values)
    pad = max((high - low) * 0.25, 2.0)
    step = 1 if last - years[0] <= 10 else 2
    ticks = [(y, str(y)) for y in range(years[0], last + 1, step)]
    pairs = words["sep"].join(words["pair"].format(year=y, value=number_text(cutoffs[y]))
                              for y in years)
    unknown = round_year is not None and round_year not in cutoffs
    description = (words["desc"] if unknown else words["desc_known"]).format(
        values=pairs, year=round_year)
    # No caption of its own: the calculator shows it under a heading that names it.
    chart = Chart(caption="", description=description,
                  x_domain=(years[0] - 0.6, last + 0.6), y_domain=(low - pad, high + pad),
                  x_label=words["x"], y_label=words["y"], x_ticks=ticks,
                  css_class="chart lines-chart", element_id=f"past-lines-{lang}",
                  height=220)
    chart.line([(y, cutoffs[y]) for y in years], "line-cutoff", words["series"], labels=True)
    if unknown:
        chart.vline(round_year, "line-unknown", words["unknown"].format(year=round_year),
                    label="?")
    return chart.figure()
