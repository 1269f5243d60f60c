"""Driving the calculator page as an applicant would, and asking the API the same thing."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

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
    """Enter the application through the page's controls (mouse-free actions)."""
    for path, value in flat(applicant).items():
        target = control_id(path)
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
