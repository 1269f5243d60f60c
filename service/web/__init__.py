"""Pages served by the service itself: the operators' /ops page and the applicants'
calculator with its embedding script. Everything they load comes from here: no CDN,
no external fonts or scripts, and a Content-Security-Policy that says so."""

from __future__ import annotations

import datetime as dt
import re

from flask import Blueprint, current_app, render_template, request, send_from_directory

from service.api.auth import require
from service.api.context import request_policies
from service.api.headers import page_policy
from service.api.monitoring import drift_series
from service.policy.errors import PolicyNotFound

from .calculator_strings import STRINGS
from .ops_panel import panel_context
from .ops_strings import OPS_STRINGS
from .past_lines import past_lines_chart

web = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/assets")

LANGUAGES = ("zh", "en")
OPS_WINDOWS = {"24h": dt.timedelta(hours=24), "7d": dt.timedelta(days=7),
               "30d": dt.timedelta(days=30)}
OPS_HISTORY = 14  # earlier windows drawn over time
# The calculator's script, in the order the browser runs it: words and formats, what to
# ask (derived from the policy), the form, the answer drawn, and the page tying them.
CALCULATOR_SCRIPTS = ("calc_words.js", "calc_model.js", "calc_form.js", "calc_result.js",
                      "calculator.js")
# 'self', 'none', or an origin such as https://bureau.example or https://*.example.
_SOURCE = re.compile(r"^('self'|'none'|https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?)$")


def frame_ancestors(value: str) -> str:
    """The configured sources, checked: a stray ';' must not add a CSP directive."""
    sources = value.split()
    bad = [s for s in sources if not _SOURCE.match(s)]
    if bad or not sources:
        raise ValueError(f"HUKOU_FRAME_ANCESTORS: not a CSP source: {' '.join(bad) or value!r}"
                         " (use 'self', 'none' or origins like https://bureau.example)")
    if "'none'" in sources and len(sources) > 1:
        raise ValueError("HUKOU_FRAME_ANCESTORS: 'none' cannot be combined with other sources")
    return " ".join(sources)


@web.record_once
def _check_settings(state) -> None:
    state.app.config["FRAME_ANCESTORS"] = frame_ancestors(state.app.config["FRAME_ANCESTORS"])


def _page(html: str, status: int = 200, framed_by: str = "'none'"):
    return html, status, {"Content-Security-Policy": page_policy(framed_by),
                          "Cache-Control": "no-cache"}


@web.get("/ops")
def ops():
    """The drift page. The page itself holds no data; its script asks for an ops key and
    reads the panel below with it, so the figures stay behind the ops scope."""
    lang = _language()
    return _page(render_template("ops.html", lang=lang, s=OPS_STRINGS[lang],
                                 windows=tuple(OPS_WINDOWS)))


@web.get("/ops/panel")
@require("ops")
def ops_panel():
    """The drift panel as HTML for the ops page: the summary, and per city and version the
    reasons for its level and the charts (SVG drawn here). The same report as
    GET /v1/monitoring/drift, whose figures it shows."""
    lang = _language()
    window_key = request.args.get("window", "24h")
    window_key = window_key if window_key in OPS_WINDOWS else "24h"
    window = OPS_WINDOWS[window_key]
    series = drift_series(current_app, window, OPS_HISTORY)
    registry = current_app.extensions["policies"]
    titles = {city: versions[-1].document["title"]
              for city, versions in registry.cities().items()}
    context = panel_context(series, current_app.extensions["store"].status(), titles, lang,
                            window_key, window, dt.datetime.now(dt.UTC))
    html = render_template("ops_panel.html", **context)
    return html, 200, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def _language() -> str:
    lang = request.args.get("lang", "zh")
    return lang if lang in LANGUAGES else "zh"


@web.get("/calculator")
def calculator():
    """The applicants' calculator for one city. The page carries no scoring of its own:
    its script builds the form from GET /v1/policies/{city} and asks POST /v1/what-if."""
    lang = _language()
    city = request.args.get("city", "")
    framed_by = current_app.config["FRAME_ANCESTORS"]
    registry = request_policies()
    today = dt.date.today()
    try:
        policy = registry.resolve(city, today, None)
    except PolicyNotFound:
        cities = sorted(registry.cities())
        titles = {c: registry.cities()[c][-1].document["title"] for c in cities}
        return _page(render_template("calculator_missing.html", lang=lang, city=city,
                                     cities=cities, titles=titles, s=STRINGS[lang]),
                     404, framed_by)
    threshold = policy.document["threshold"]
    round_year = today.year if threshold.get("kind") == "quota" else None
    past_lines = {code: past_lines_chart(threshold, round_year, code) for code in LANGUAGES}
    return _page(render_template("calculator.html", lang=lang, city=city,
                                 title=policy.document["title"], s=STRINGS[lang],
                                 strings=STRINGS, embedded=request.args.get("embed") == "1",
                                 past_lines=past_lines, scripts=CALCULATOR_SCRIPTS),
                 200, framed_by)


@web.get("/embed.js")
def embed_script():
    """The two-line embedding: this script defines <hukou-calculator>."""
    response = send_from_directory(web.static_folder, "embed.js", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"  # a script any page may load
    return response
