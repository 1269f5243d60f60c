"""The operators' drift panel: for each city and version, why its level was given (which
figure crossed which line), what is missing when the figures are insufficient and how to
fix it, and charts with real axes (distributions against the threshold, pass rate and PSI
over time, empty windows as gaps). Built from the same drift report as
GET /v1/monitoring/drift."""

from __future__ import annotations

import datetime as dt
import math

from markupsafe import Markup

from service.monitoring.drift import MIN_COUNT

from .charts import Chart, number_text
from .ops_strings import OPS_STRINGS

LEVEL_ORDER = ("act", "watch", "insufficient", "stable")
COARSE_WIDTHS = (0.5, 1, 2, 5, 10, 20, 50, 100)
MAX_BARS = 60


def city_name(title: dict, lang: str) -> str:
    """A city's name from its policy title: the Chinese up to 市, the English before the
    scheme's name ("Xi'an residence-permit points…" -> "Xi'an"); else the whole title."""
    text = title.get(lang) or title.get("zh") or ""
    if lang == "zh":
        return text[:text.index("市") + 1] if "市" in text else text
    for marker in (" residence", " points", " hukou"):
        if marker in text:
            return text[:text.index(marker)]
    return text


def _number(value, places: int = 2) -> str:
    return "—" if value is None else number_text(float(value), places)


def _percent(share) -> str:
    return "—" if share is None else f"{number_text(100 * share, 1)}%"


def _signed(value, places: int = 2) -> str:
    if value is None:
        return "—"
    text = number_text(float(value), places)
    return text if text.startswith("\u2212") or text == "0" else f"+{text}"


class Words:
    def __init__(self, lang: str):
        self.lang, self.table = lang, OPS_STRINGS[lang]

    def __call__(self, key: str, **params) -> str:
        return self.table[key].format(**params)


def reasons(series: dict, say: Words) -> list[tuple[str, str]]:
    """(state, sentence) for each figure that decides or alarms: bad, warn, ok or info."""
    out = []
    level = series["level"]
    if level == "insufficient":
        reason = series.get("reason") or "no_reference"
        out.append(("bad", say(f"reason.{reason}", ref=series["reference_count"],
                               count=series["count"], min=MIN_COUNT)))
        out.append(("info", say(f"fix.{reason}")))
    else:
        psi = _number(series["psi"], 3)
        watch, act = _number(series["psi_watch"], 3), _number(series["psi_act"], 3)
        state = {"act": "bad", "watch": "warn", "stable": "ok"}[level]
        out.append((state, say(f"psi_{level}", psi=psi, watch=watch, act=act)))
    change, limit = series.get("pass_rate_change"), series.get("pass_rate_limit")
    if change is not None and limit is not None:
        beyond = abs(change) > limit
        out.append(("bad" if beyond else "ok", say(
            "pass_beyond" if beyond else "pass_within", rate=_percent(series["pass_rate"]),
            reference=_percent(series["reference_pass_rate"]),
            change=_signed(100 * change, 1), limit=number_text(100 * limit, 1))))
    if "implied_cutoff" in series:
        drift, bound = series.get("threshold_drift"), series.get("threshold_drift_limit")
        if drift is None or bound is None:
            out.append(("info", say("drift_none", min=MIN_COUNT)))
        else:
            beyond = abs(drift) > bound
            method = series.get("threshold_line_method") or "published"
            out.append(("bad" if beyond else "ok", say(
                "drift_beyond" if beyond else "drift_within",
                implied=_number(series["implied_cutoff"]), line=_number(series["threshold_line"]),
                method=say(f"method.{method}"), drift=_signed(drift), limit=_number(bound))))
    return out


def figures(series: dict, say: Words) -> list[tuple[str, str]]:
    rows = [
        (say("fig.count"), str(series["count"])),
        (say("fig.reference_count"), str(series["reference_count"])),
        (say("fig.psi"), f"{_number(series['psi'], 3)} ({_number(series['psi_watch'], 3)} / "
                         f"{_number(series['psi_act'], 3)})"),
        (say("fig.ks"), _number(series["ks"], 3)),
        (say("fig.pass_rate"), f"{_percent(series['pass_rate'])} "
                               f"({_percent(series['reference_pass_rate'])})"),
        (say("fig.mean"), f"{_number(series['mean'])} ({_number(series['reference_mean'])})"),
        (say("fig.near"), _percent(series["near_threshold"])),
    ]
    source = series.get("reference") or "none"
    key = f"reference.{source}"
    rows.append((say("fig.reference"), say(key) if key in say.table else source))
    if "implied_cutoff" in series:
        rows.append((say("fig.implied"), _number(series["implied_cutoff"])))
    if say.lang == "zh":  # full-width brackets in Chinese
        rows = [(k, v.replace(" (", "（").replace(")", "）")) for k, v in rows]
    return rows


# ---- charts ---------------------------------------------------------------------------

def _coarse(histograms: list[dict], threshold) -> tuple[float, float, float]:
    """(low, high, bin width) covering every score and the threshold in at most MAX_BARS."""
    width = histograms[0]["bin_width"]
    keys = [int(k) for h in histograms for k in h["bins"]]
    low = min(keys) * width if keys else 0.0
    high = (max(keys) + 1) * width if keys else 1.0
    if threshold is not None:
        low, high = min(low, threshold), max(high, threshold)
    coarse = next((w for w in COARSE_WIDTHS if w >= width and (high - low) / w <= MAX_BARS),
                  COARSE_WIDTHS[-1])
    return math.floor(low / coarse) * coarse, math.ceil(high / coarse) * coarse or coarse, coarse


def _shares(histogram: dict, low: float, width: float) -> dict[int, float]:
    out: dict[int, float] = {}
    count = histogram["count"] or 0
    if not count:
        return out
    for key, n in histogram["bins"].items():
        score = int(key) * histogram["bin_width"]
        slot = math.floor((score - low) / width + 1e-9)
        out[slot] = out.get(slot, 0.0) + 100 * n / count
    return out


def distribution_chart(series: dict, name: str, say: Words, element_id: str) -> Markup:
    current, reference = series["histogram"], series["reference_histogram"]
    threshold = series.get("threshold")
    low, high, width = _coarse([current, reference], threshold)
    ref, cur = _shares(reference, low, width), _shares(current, low, width)
    top = max([*ref.values(), *cur.values(), 1.0])
    chart = Chart(
        caption=say("chart.dist"),
        description=say("chart.dist_desc", city=name, version=series["policy_version"],
                        ref_count=reference["count"], count=current["count"],
                        threshold=_number(threshold)),
        x_domain=(low, high), y_domain=(0, top * 1.1), x_label=say("chart.dist_x"),
        y_label=say("chart.dist_y"), element_id=element_id,
        y_format=lambda v: number_text(v, 1))
    chart.bars([(low + k * width, low + (k + 1) * width, v) for k, v in sorted(ref.items())],
               "bar-reference", say("chart.reference", n=reference["count"]))
    chart.steps([(low + k * width, low + (k + 1) * width, v) for k, v in sorted(cur.items())],
                "step-current", say("chart.current", n=current["count"]))
    if not current["count"]:
        chart.note((low + high) / 2, top * 0.6, say("chart.no_current"))
    if threshold is not None:
        chart.vline(threshold, "threshold", say("chart.threshold", threshold=_number(threshold)),
                    label=_number(threshold))
    return chart.figure()


def _date_ticks(history: list[dict], window: dt.timedelta) -> list[tuple[float, str]]:
    n = len(history)
    step = max(1, math.ceil(n / 7))
    out = []
    for i in range(n - 1, -1, -step):  # the newest window always labelled
        end = dt.datetime.fromisoformat(history[i]["to"])
        out.append((i, end.strftime("%m-%d %H:%M" if window < dt.timedelta(days=1)
                                    else "%m-%d")))
    return sorted(out)


def pass_rate_chart(series: dict, name: str, say: Words, element_id: str,
                    window: dt.timedelta) -> Markup:
    history = series.get("history") or []
    n = len(history)
    reference, limit = series.get("reference_pass_rate"), series.get("pass_rate_limit")
    empty = sum(1 for p in history if not p["count"])
    chart = Chart(
        caption=say("chart.pass"),
        description=say("chart.pass_desc", city=name, version=series["policy_version"], n=n,
                        empty=empty, reference=_percent(reference)),
        x_domain=(-0.5, max(n - 0.5, 0.5)), y_domain=(0, 100), x_label=say("chart.pass_x"),
        y_label=say("chart.pass_y"), x_ticks=_date_ticks(history, window),
        element_id=element_id, y_format=lambda v: number_text(v, 0))
    for i, point in enumerate(history):
        if not point["count"]:
            chart.strip(i - 0.5, i + 0.5, "empty-window", say("chart.empty"))
    if reference is not None and limit is not None:
        chart.band(100 * (reference - limit), 100 * (reference + limit), "band-reference",
                   say("chart.pass_band"))
    if reference is not None:
        chart.hline(100 * reference, "line-reference", say("chart.pass_reference"))
    chart.line([(i, None if p["pass_rate"] is None or not p["count"] else 100 * p["pass_rate"])
                for i, p in enumerate(history)], "line-pass", say("chart.pass_line"))
    return chart.figure()


def psi_chart(series: dict, name: str, say: Words, element_id: str,
              window: dt.timedelta) -> Markup:
    history = series.get("history") or []
    n = len(history)
    watch, act = series.get("psi_watch"), series.get("psi_act")
    values = [p["psi"] for p in history if p["psi"] is not None]
    top = max([*values, (act or 0.25) * 1.2, 0.3])
    chart = Chart(
        caption=say("chart.psi"),
        description=say("chart.psi_desc", city=name, version=series["policy_version"], n=n,
                        watch=_number(watch, 3), act=_number(act, 3)),
        x_domain=(-0.5, max(n - 0.5, 0.5)), y_domain=(0, top), x_label=say("chart.pass_x"),
        y_label=say("chart.psi_y"), x_ticks=_date_ticks(history, window),
        element_id=element_id, y_format=lambda v: number_text(v, 2), height=200)
    for i, point in enumerate(history):
        if not point["count"]:
            chart.strip(i - 0.5, i + 0.5, "empty-window", say("chart.empty"))
    if watch is not None:
        chart.hline(watch, "line-watch", say("chart.psi_watch"))
    if act is not None:
        chart.hline(act, "line-act", say("chart.psi_act"))
    chart.line([(i, p["psi"]) for i, p in enumerate(history)], "line-psi",
               say("chart.psi_line"))
    return chart.figure()


def panel_context(series: list[dict], store: dict, titles: dict, lang: str,
                  window_key: str, window: dt.timedelta, now: dt.datetime) -> dict:
    """What templates/ops_panel.html shows: the summary line and one card per series,
    the most urgent first."""
    say = Words(lang)
    cards = []
    for s in sorted(series, key=lambda s: (LEVEL_ORDER.index(s["level"]), s["city"],
                                           s["policy_version"])):
        name = city_name(titles.get(s["city"], {}), lang) or s["city"]
        slug = f"{s['city']}-{s['policy_version']}".replace(".", "-")
        cards.append({
            "series": s, "name": name, "slug": slug,
            "version": say("version", version=s["policy_version"]),
            "level_words": say(f"level.{s['level']}"),
            "reasons": reasons(s, say), "figures": figures(s, say),
            "charts": [distribution_chart(s, name, say, f"dist-{slug}"),
                       pass_rate_chart(s, name, say, f"pass-{slug}", window),
                       psi_chart(s, name, say, f"psi-{slug}", window)],
        })
    counts = {level: [c for c in cards if c["series"]["level"] == level] for level in
              LEVEL_ORDER}
    summary = [{"level": level, "words": say(f"level.{level}"), "count": len(found),
                "names": say("list_separator").join(dict.fromkeys(c["name"] for c in found))}
               for level, found in counts.items()]
    if store.get("backend") == "redis":
        store_words = say("store_redis") if store.get("reachable", True) else \
            say("store_degraded")
    else:
        store_words = say("store_memory")
    return {
        "say": say, "cards": cards, "summary": summary, "lang": lang,
        "cities": len({c["series"]["city"] for c in cards}), "store_words": store_words,
        "degraded": store.get("reachable") is False,
        "updated": say("updated", time=now.strftime("%Y-%m-%d %H:%M:%S"),
                       window=say(f"window.{window_key}")),
    }
