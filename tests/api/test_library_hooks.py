"""The two places the service reaches into a library's internals for speed, held to what
they rely on, so that an upgrade that moves those internals fails here rather than
silently undoing the speed-up (or the limits).

1. service/api/__init__.py `_limiter` finds flask-limiter's request hooks by identity and
   wraps them so that unlimited routes skip them.
2. service/flask_app.py `ServiceFlask.ensure_sync` remembers Flask's answer per function.
"""

from __future__ import annotations

from conftest import bearer, make_app

XIAN = {"city": "xian", "as_of": "2024-06-30", "applicant": {
    "birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
    "criminal_record": [], "local_knowledge_score": 86}}


def test_flask_limiters_hooks_are_found_and_wrapped(keys_file):
    app = make_app(keys_file)
    limiter = app.extensions["limiter"]
    before = app.before_request_funcs[None]
    assert limiter._check_request_limit not in before  # replaced by the wrapper
    assert not [h for h in app.after_request_funcs[None]
                if getattr(h, "args", None) == (limiter,)]  # each one wrapped
    assert not [h for h in app.teardown_request_funcs.get(None, [])
                if getattr(h, "__self__", None) is limiter]


def test_unlimited_routes_never_reach_the_limiter_and_limited_ones_do(keys_file, monkeypatch):
    app = make_app(keys_file, RATE_LIMIT_ANONYMOUS="1/minute")
    limiter = app.extensions["limiter"]
    calls = []
    original = limiter.limiter.hit

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(limiter.limiter, "hit", counting)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/v1/policies").status_code == 200
        assert client.post("/v1/score", json=XIAN, headers=bearer("bureau")).status_code == 200
    assert calls == []  # policy reads and keyed scores (no per-key limit) are unlimited
    assert client.post("/v1/score", json=XIAN).status_code == 200
    assert client.post("/v1/score", json=XIAN).status_code == 429
    assert calls  # the anonymous scores went through flask-limiter


def test_ensure_sync_is_remembered_and_is_flasks_answer(keys_file):
    from flask import Flask

    app = make_app(keys_file)

    def view():
        return "ok"

    first = app.ensure_sync(view)
    assert app.ensure_sync(view) is first and view in app._sync_memo
    assert first is Flask.ensure_sync(app, view)  # a plain function: itself
    # Every hook and view of the app is answered from the memo after one request.
    app.test_client().get("/healthz")
    hooks = [*app.before_request_funcs[None], *app.after_request_funcs[None]]
    assert all(h in app._sync_memo for h in hooks)
