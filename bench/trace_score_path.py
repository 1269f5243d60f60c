"""How many of the service's modules one `POST /v1/score` walks through.

Runs one warmed-up bureau score in process (Flask's test client) under a profiler hook
and records every call that enters a function of the service from a function of another
module of the service (or from outside it). Prints the steps (module changes), the
distinct modules, and how often the view's own module is entered again.

    .venv/bin/python bench/trace_score_path.py [--list]

Run it on two checkouts (say `git worktree add /tmp/before <commit>`) to compare.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BODY = {"city": "beijing", "as_of": "2024-06-30", "applicant": {
    "birth_date": "1988-03-01", "residence_permit": True, "gender": "male",
    "social_insurance_months": 96, "social_insurance_consecutive_months": 96,
    "housing": {"owned_months": 60, "rented_months": 36},
    "education": {"level": "bachelor", "diploma": True, "degree": True},
    "criminal_record": []}}


def main() -> int:
    import tempfile

    import yaml

    from service import create_app
    from service.api.auth import hash_secret

    keys = Path(tempfile.mkdtemp()) / "keys.yaml"
    keys.write_text(yaml.safe_dump([{"name": "b", "sha256": hash_secret("k"),
                                     "scopes": ["score"]}]))
    app = create_app({"API_KEYS_FILE": str(keys), "TESTING": True,
                      "DECISION_KEY": "trace-decision-key-0123456789"})
    client = app.test_client()
    headers = {"Authorization": "Bearer k"}
    first = client.post("/v1/score", json=BODY, headers=headers)
    if first.status_code != 200:
        print(first.get_json())
        return 1

    steps: list[str] = []

    def module_of(frame) -> str | None:
        name = frame.f_globals.get("__name__", "")
        return name if name == "service" or name.startswith("service.") else None

    def profile(frame, event, arg):
        if event != "call":
            return
        here = module_of(frame)
        if here is None:
            return
        caller = frame.f_back
        while caller is not None and module_of(caller) is None and \
                caller.f_globals.get("__name__", "").startswith(("flask", "werkzeug")):
            caller = caller.f_back
        if (None if caller is None else module_of(caller)) != here:
            steps.append(here)

    sys.setprofile(profile)
    try:
        client.post("/v1/score", json=BODY, headers=headers)
    finally:
        sys.setprofile(None)
    view = "service.api.scoring"
    print(f"POST /v1/score: {len(steps)} steps through {len(set(steps))} modules; "
          f"the view's module ({view}) entered {steps.count(view)} times")
    if "--list" in sys.argv:
        for step in steps:
            print("  ", step)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
