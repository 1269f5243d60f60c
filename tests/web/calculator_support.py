"""Driving the calculator page as an applicant would, and asking the API the same thing."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import SECRETS

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")

BEIJING = {
    "birth_date": "1988-03-15", "residence_permit": True, "gender": "female",
    "social_insurance_months": 123, "social_insurance_consecutive_months": 100,
    "housing": {"owned_months": 30, "rented_months": 61},
    "education": {"level": "master", "diploma": True, "degree": True},
    "tax_years_over_100k": 2,
    "criminal_record": [{"kind": "administrative_detention", "date": "2021-04-02"}],
}
XIAN = {
    "birth_date": "1991-07-09", "residence_permit_since": "2017-02-20",
    "criminal_record": [{"kind": "administrative_detention", "date": "2023-05-06"}],
    "local_knowledge_score": 83,
}
SHANGHAI = {
    "birth_date": "1990-06-01", "residence_permit": True, "social_insurance_months": 60,
    "education": {"level": "bachelor", "diploma": True, "degree": True},
}
SHENZHEN = {
    "birth_date": "1985-04-10", "gender": "male", "residence_permit": True,
    "housing": {"rented_months": 80, "rented_continuous_months": 70},
    "insurance": {"pension_months": 90, "medical_months": 90, "unemployment_months": 90,
                  "work_injury_months": 90, "maternity_months": 90, "currently_paying": True},
}
TIANJIN = {
    "birth_date": "1987-09-20", "gender": "female", "residence_permit": True,
    "social_insurance_months": 70, "social_insurance_consecutive_months": 40,
    "education": {"level": "bachelor"},
}
# The worker of issue 15: time alone does not reach Beijing's line within ten years, and
# no single change does either.
BEIJING_WORKER = {
    "birth_date": "1993-05-01", "residence_permit": True, "gender": "male",
    "social_insurance_months": 100, "social_insurance_consecutive_months": 100,
    "housing": {"owned_months": 0, "rented_months": 90},
    "education": {"level": "bachelor", "diploma": True, "degree": True},
}
APPLICANTS = {"beijing": BEIJING, "shanghai": SHANGHAI, "shenzhen": SHENZHEN,
              "tianjin": TIANJIN, "xian": XIAN}


def control_id(path: str) -> str:
    return "#f-" + re.sub(r"[^A-Za-z0-9_-]", "-", path)


def flat(applicant: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in applicant.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def fill(frame, applicant: dict) -> None:
    """Enter the application through the page's controls (mouse-free actions). A count
    asked only of those who tick its kind ("which of these apply") is ticked first; a
    question the page does not ask (it does not apply) is left as it is, its default
    sent."""
    for path, value in flat(applicant).items():
        target = control_id(path)
        applies = frame.query_selector(f"{target}-applies")
        if applies is not None and value not in (0, None):
            frame.set_checked(f"{target}-applies", True)
        if not frame.is_visible(target):
            continue
        if isinstance(value, bool):
            frame.set_checked(target, value)
        elif isinstance(value, list):
            for i, record in enumerate(value):
                frame.click(f"{target}-add")
                frame.select_option(f"{target}-{i}-kind", record["kind"])
                frame.fill(f"{target}-{i}-date", record["date"])
        elif frame.eval_on_selector(target, "e => e.tagName") == "SELECT":
            frame.select_option(target, value)
        else:
            frame.fill(target, str(value))


def settle(frame, state: str = "ready", timeout: int = 10_000) -> None:
    """Wait until the page has the answer to what was last typed."""
    frame.wait_for_function(
        "s => document.body.dataset.state === s", arg=state, timeout=timeout)


def call(url: str, payload: dict | None = None, key: str | None = None,
         lang: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {SECRETS[key][0]}"
    if lang:
        headers["Accept-Language"] = lang
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def visible_text(frame) -> str:
    return frame.eval_on_selector("body", "b => b.innerText")


def sent_applications(page) -> list[dict]:
    """Start recording the bodies of the what-if requests the page sends."""
    bodies: list[dict] = []

    def record(request):
        if request.url.endswith("/v1/what-if") and request.method == "POST":
            bodies.append(json.loads(request.post_data))

    page.on("request", record)
    return bodies


def open_calculator(page, server, city: str, lang: str = "zh", fragment: str = "") -> None:
    page.goto(f"{server.url}/calculator?city={city}&lang={lang}{fragment}")
    page.wait_for_selector("#form .field")


def scored(server, city: str, applicant: dict, lang: str = "zh") -> dict:
    status, body = call(server.url + "/v1/score", {"city": city, "applicant": applicant},
                        key="scorer", lang=lang)
    assert status == 200, body
    return body


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def day_words(day, lang: str) -> str:
    """A date as the page writes it: 31 December 2025, or 2025年12月31日."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def months_before(day, months: int):
    import datetime as dt

    year, month = divmod(day.month - 1 - months, 12)
    return dt.date(day.year + year, month + 1, min(day.day, 28))


def browser_page(browser, width: int = 1280, height: int = 900, locale: str = "en-US"):
    """A fresh page in its own context (for a fixture to yield from), keeping the page's
    script and console errors in `page.problems`."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    yield page
    context.close()


def shared_server(keys_file):
    """A live server for a whole test module (for a fixture to yield from). Anonymous
    calls are not limited here: a module's pages ask many times a minute from one address
    (tests/web/test_calculator.py holds the limit itself)."""
    from conftest import LiveServer, make_app

    server = LiveServer(make_app(keys_file, RATE_LIMIT_ANONYMOUS="100000/minute"))
    yield server
    server.stop()


class HostSite:
    """A bureau's own site on another port: pages set by the test, served as HTML."""

    def __init__(self):
        pages = self.pages = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the stdlib's name)
                body = pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
