"""SVG charts drawn on the server: real axes with ticks and labels, a legend, reference
lines and bands, and gaps where there is no data.

The pages' Content-Security-Policy allows no inline style, so a chart carries no style
attribute and no script: its colours come from classes in the page's own stylesheet.
Every chart is a <figure> whose caption names it, whose SVG has a text alternative, and
whose legend is HTML that wraps on a narrow screen.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 16, 50


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers covering [low, high], about `count` of them, steps of 1, 2 or 5 x 10^k."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def number_text(value: float, places: int = 2) -> str:
    """A number as a chart writes it: no trailing zeros, a true minus sign."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".") if places else f"{value:.0f}"
    if text in ("-0", ""):
        text = "0"
    return text.replace("-", "\u2212")


@dataclass
class Scale:
    domain: tuple[float, float]
    span: tuple[float, float]

    def __call__(self, value: float) -> float:
        (d0, d1), (r0, r1) = self.domain, self.span
        if d1 == d0:
            return (r0 + r1) / 2
        return r0 + (value - d0) / (d1 - d0) * (r1 - r0)


@dataclass
class LegendItem:
    text: str
    swatch: str  # a class: "swatch line-current", "swatch band-reference", ...


@dataclass
class Chart:
    """One chart: call the drawing methods, then `figure()`."""

    caption: str
    description: str  # the text alternative a screen reader gives for the picture
    x_domain: tuple[float, float]
    y_domain: tuple[float, float]
    x_label: str
    y_label: str
    x_ticks: Sequence[tuple[float, str]] | None = None
    y_format: Callable[[float], str] = number_text
    css_class: str = "chart"
    element_id: str = "chart"
    width: int = WIDTH
    height: int = HEIGHT
    legend: list[LegendItem] = field(default_factory=list)
    _marks: list[str] = field(default_factory=list)
    _under: list[str] = field(default_factory=list)  # strips and bands, drawn first

    def __post_init__(self):
        y_ticks = nice_ticks(*self.y_domain)
        self.y_domain = (min(y_ticks[0], self.y_domain[0]), max(y_ticks[-1], self.y_domain[1]))
        self._y_ticks = y_ticks
        self.x = Scale(self.x_domain, (LEFT, self.width - RIGHT))
        self.y = Scale(self.y_domain, (self.height - BOTTOM, TOP))

    # ---- marks ---------------------------------------------------------------------

    def line(self, points: Sequence[tuple[float, float | None]], css: str, legend: str = "",
             markers: bool = True, labels: bool = False) -> None:
        """A line through the points; a None value breaks it (a gap, not a zero)."""
        runs, run = [], []
        for x, y in points:
            if y is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((x, y))
        if run:
            runs.append(run)
        for part in runs:
            path = " ".join(f"{'M' if i == 0 else 'L'}{self.x(x):.1f},{self.y(y):.1f}"
                            for i, (x, y) in enumerate(part))
            self._marks.append(f'<path class="{css}" d="{path}"/>')
        for x, y in points:
            if y is None:
                continue
            if markers:
                self._marks.append(f'<circle class="{css} marker" cx="{self.x(x):.1f}" '
                                   f'cy="{self.y(y):.1f}" r="3.5"/>')
            if labels:
                self._marks.append(f'<text class="value" x="{self.x(x):.1f}" '
                                   f'y="{self.y(y) - 8:.1f}" text-anchor="middle">'
                                   f"{escape(self.y_format(y))}</text>")
        if legend:
            self.legend.append(LegendItem(legend, f"swatch {css}"))

    def bars(self, bins: Sequence[tuple[float, float, float]], css: str, legend: str = "") -> None:
        """Bars from x0 to x1 of height y (a histogram's bins, as shares)."""
        base = self.y(max(self.y_domain[0], 0))
        for x0, x1, y in bins:
            if y <= 0:
                continue
            left, right, top = self.x(x0), self.x(x1), self.y(y)
            self._marks.append(f'<rect class="{css}" x="{left:.1f}" y="{top:.1f}" '
                               f'width="{max(right - left, 0.8):.1f}" '
                               f'height="{max(base - top, 0):.1f}"/>')
        if legend:
            self.legend.append(LegendItem(legend, f"swatch {css}"))

    def steps(self, bins: Sequence[tuple[float, float, float]], css: str,
              legend: str = "") -> None:
        """A histogram's outline: across each bin at its height, down to zero between bins
        that do not touch."""
        base = max(self.y_domain[0], 0)
        path, last_x1 = [], None
        for x0, x1, y in sorted(bins):
            if last_x1 is None or abs(x0 - last_x1) > 1e-9:
                if last_x1 is not None:
                    path.append(f"L{self.x(last_x1):.1f},{self.y(base):.1f}")
                path.append(f"M{self.x(x0):.1f},{self.y(base):.1f}")
            path.append(f"L{self.x(x0):.1f},{self.y(y):.1f}L{self.x(x1):.1f},{self.y(y):.1f}")
            last_x1 = x1
        if last_x1 is not None:
            path.append(f"L{self.x(last_x1):.1f},{self.y(base):.1f}")
            self._marks.append(f'<path class="{css}" d="{"".join(path)}"/>')
        if legend:
            self.legend.append(LegendItem(legend, f"swatch {css}"))

    def strip(self, x0: float, x1: float, css: str, legend: str = "") -> None:
        """A vertical strip from x0 to x1 across the plot (a window with no data)."""
        left, right = self.x(x0), self.x(x1)
        self._under.append(f'<rect class="{css}" x="{left:.1f}" y="{TOP}" '
                              f'width="{max(right - left, 0.5):.1f}" '
                              f'height="{self.height - BOTTOM - TOP}"/>')
        if legend and not any(item.text == legend for item in self.legend):
            self.legend.append(LegendItem(legend, f"swatch {css}"))

    def band(self, y0: float, y1: float, css: str, legend: str = "") -> None:
        """A horizontal band between two values across the whole x range."""
        lo, hi = sorted((max(y0, self.y_domain[0]), min(y1, self.y_domain[1])))
        top, bottom = self.y(hi), self.y(lo)
        self._under.append(f'<rect class="{css}" x="{LEFT}" y="{top:.1f}" '
                              f'width="{self.width - LEFT - RIGHT}" '
                              f'height="{max(bottom - top, 0.5):.1f}"/>')
        if legend:
            self.legend.append(LegendItem(legend, f"swatch {css}"))

    def hline(self, y: float, css: str, legend: str = "") -> None:
        at = self.y(y)
        self._marks.append(f'<line class="{css}" x1="{LEFT}" x2="{self.width - RIGHT}" '
                           f'y1="{at:.1f}" y2="{at:.1f}"/>')
        if legend:
            self.legend.append(LegendItem(legend, f"swatch {css}"))

    def vline(self, x: float, css: str, legend: str = "", label: str = "") -> None:
        at = self.x(x)
        self._marks.append(f'<line class="{css}" x1="{at:.1f}" x2="{at:.1f}" y1="{TOP}" '
                           f'y2="{self.height - BOTTOM}"/>')
        if label:
            anchor = "end" if at > self.width * 0.7 else "start"
            shift = -4 if anchor == "end" else 4
            self._marks.append(f'<text class="mark-label" x="{at + shift:.1f}" y="{TOP + 12}" '
                               f'text-anchor="{anchor}">{escape(label)}</text>')
        if legend:
            self.legend.append(LegendItem(legend, f"swatch {css}"))

    def note(self, x: float, y: float, text: str, css: str = "mark-label") -> None:
        self._marks.append(f'<text class="{css}" x="{self.x(x):.1f}" y="{self.y(y):.1f}" '
                           f'text-anchor="middle">{escape(text)}</text>')

    # ---- axes and the figure -------------------------------------------------------

    def _axes(self) -> str:
        bottom, right = self.height - BOTTOM, self.width - RIGHT
        out = ['<g class="axis y-axis">']
        for tick in self._y_ticks:
            at = self.y(tick)
            out.append(f'<line class="grid" x1="{LEFT}" x2="{right}" y1="{at:.1f}" '
                       f'y2="{at:.1f}"/>')
            out.append(f'<text class="tick" x="{LEFT - 6}" y="{at + 4:.1f}" '
                       f'text-anchor="end">{escape(self.y_format(tick))}</text>')
        out.append(f'<line class="axis-line" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}"/>')
        middle = (TOP + bottom) / 2
        out.append(f'<text class="axis-title" x="14" y="{middle:.1f}" text-anchor="middle" '
                   f'transform="rotate(-90 14 {middle:.1f})">{escape(self.y_label)}</text>')
        out.append("</g>")
        ticks = self.x_ticks
        if ticks is None:
            ticks = [(t, number_text(t)) for t in nice_ticks(*self.x_domain, count=6)
                     if self.x_domain[0] <= t <= self.x_domain[1]]
        out.append('<g class="axis x-axis">')
        out.append(f'<line class="axis-line" x1="{LEFT}" x2="{right}" y1="{bottom}" '
                   f'y2="{bottom}"/>')
        for value, text in ticks:
            at = self.x(value)
            out.append(f'<line class="tick-mark" x1="{at:.1f}" x2="{at:.1f}" y1="{bottom}" '
                       f'y2="{bottom + 5}"/>')
            out.append(f'<text class="tick" x="{at:.1f}" y="{bottom + 18}" '
                       f'text-anchor="middle">{escape(text)}</text>')
        out.append(f'<text class="axis-title" x="{(LEFT + right) / 2:.1f}" '
                   f'y="{self.height - 6}" text-anchor="middle">{escape(self.x_label)}</text>')
        out.append("</g>")
        return "".join(out)

    def svg(self) -> Markup:
        desc_id = f"{self.element_id}-desc"
        return Markup(
            f'<svg class="{self.css_class}" viewBox="0 0 {self.width} {self.height}" '
            f'role="img" aria-labelledby="{desc_id}" preserveAspectRatio="xMidYMid meet" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{desc_id}">'
            f"{escape(self.description)}</title>{''.join(self._under)}{self._axes()}"
            f'<g class="marks">{"".join(self._marks)}</g></svg>')

    def figure(self, extra: Markup | str = "") -> Markup:
        legend = "".join(f'<li><span class="{escape(item.swatch)}" aria-hidden="true"></span>'
                         f"{escape(item.text)}</li>" for item in self.legend)
        legend_html = f'<ul class="legend">{legend}</ul>' if legend else ""
        caption = f"<figcaption>{escape(self.caption)}</figcaption>" if self.caption else ""
        return Markup(f'<figure class="chart-figure" id="{self.element_id}">'
                      f"{caption}{self.svg()}"
                      f"{legend_html}{extra}</figure>")
