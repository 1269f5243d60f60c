"""/readyz tells an anonymous caller only whether the process is ready and why not, in one
word; the details (policy set, last reload's problems, store) need a key with the ops
scope, and neither they nor the logs quote anything of a policy file."""

from __future__ import annotations

import logging

import pytest
from conftest import bearer, make_app
from policy_edits import XIAN, policy_copy

SECRET = "sk_live_HUNTER2_7f3a9c0d"
OUTSIDE_SECRET = "db_password_OUTSIDE_51e2b7"


def spoil(root, outside_dir) -> None:
    """Three bad files, each carrying a secret-looking string where a problem's message
    would quote it: a YAML error on the secret's line, a value the checks quote, and a
    link to a file outside the directory whose broken line holds another secret."""
    xian = root / XIAN
    xian.write_text(xian.read_text() + f"notes: [unclosed, {SECRET}\n")
    shanghai = root / "cities" / "shanghai" / "2018.1.yaml"
    shanghai.write_text(shanghai.read_text().replace("tier: super_large",
                                                     f'tier: "{SECRET}"', 1))
    outside = outside_dir / "elsewhere.yaml"
    outside.write_text(f"city: zz\nversion: {{{OUTSIDE_SECRET}: [\n")
    (root / "cities" / "zz").mkdir()
    (root / "cities" / "zz" / "2024.1.yaml").symlink_to(outside)


def assert_quiet(text: str) -> None:
    assert SECRET not in text and OUTSIDE_SECRET not in text
    assert "HUNTER2" not in text and "OUTSIDE_51e2b7" not in text


def test_after_a_bad_reload_anonymous_readyz_says_only_status_and_reason(tmp_path, keys_file,
                                                                         caplog):
    root = policy_copy(tmp_path / "policies")
    outside = tmp_path / "outside"
    outside.mkdir()
    app = make_app(keys_file, POLICY_DIR=str(root), CHECK_PUBLISHED=False)
    client = app.test_client()
    try:
        spoil(root, outside)
        with caplog.at_level(logging.INFO, logger="hukou"):
            refused = client.post("/v1/admin/policies/reload", headers=bearer("admin"))
        assert refused.status_code == 422  # an admin is told the problems: that is fine
        assert any("cities/xian/2024.1.yaml" in key for key in refused.get_json()["errors"])

        for headers in ({}, bearer("scorer")):  # no key, or a key without the ops scope
            resp = client.get("/readyz", headers=headers)
            assert resp.status_code == 200
            body = resp.get_json()
            assert set(body) == {"status", "reason", "process"}, body
            assert body["status"] == "ready" and body["reason"] is None
            text = resp.get_data(as_text=True)
            assert_quiet(text)
            assert "yaml" not in text and str(root) not in text and "problem" not in text

        # with the ops key: the details, naming file and field, quoting nothing
        resp = client.get("/readyz", headers=bearer("ops"))
        details = resp.get_json()["policies"]
        problems = details["last_reload_problems"]
        assert any(p.startswith("cities/xian/2024.1.yaml: ") and "line" in p for p in problems)
        assert any(p.startswith("cities/shanghai/2018.1.yaml: tier: ") for p in problems)
        assert any(p.startswith("cities/zz/2024.1.yaml") for p in problems)
        assert "store" in resp.get_json() and "revision" in details
        assert_quiet(resp.get_data(as_text=True))
        assert "notes: [unclosed" not in resp.get_data(as_text=True)

        assert client.get("/readyz", headers={"Authorization": "Bearer wrong"}).status_code \
            == 401

        logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
        assert "policy reload (request) refused" in logged
        assert "cities/" in logged
        assert_quiet(logged)
        assert "notes: [unclosed" not in logged
    finally:
        app.extensions["policy_sync"].stop()


def test_a_process_serving_the_last_good_copy_says_why_in_one_word(tmp_path, keys_file):
    root = policy_copy(tmp_path / "policies")
    outside = tmp_path / "outside"
    outside.mkdir()
    snapshots = tmp_path / "snapshots"
    first = make_app(keys_file, POLICY_DIR=str(root), CHECK_PUBLISHED=False,
                     POLICY_SNAPSHOT_DIR=str(snapshots))
    first.extensions["policy_sync"].stop()
    spoil(root, outside)
    # a process started now meets the bad directory and serves the kept copy
    app = make_app(keys_file, POLICY_DIR=str(root), CHECK_PUBLISHED=False,
                   POLICY_SNAPSHOT_DIR=str(snapshots))
    client = app.test_client()
    try:
        resp = client.get("/readyz")
        body = resp.get_json()
        assert set(body) == {"status", "reason", "process"}, body
        assert body["status"] == "degraded" and body["reason"] == "policies_fallback"
        assert_quiet(resp.get_data(as_text=True))

        resp = client.get("/readyz", headers=bearer("ops"))
        details = resp.get_json()["policies"]
        assert details["serving_last_good_copy"] is True
        assert details["last_reload_problems"]
        assert_quiet(resp.get_data(as_text=True))
    finally:
        app.extensions["policy_sync"].stop()


def break_yaml(root) -> str:
    xian = root / XIAN
    xian.write_text(xian.read_text() + f"notes: [unclosed, {SECRET}\n")
    return str(XIAN)


def quoted_value(root) -> str:
    shanghai = root / "cities" / "shanghai" / "2018.1.yaml"
    shanghai.write_text(shanghai.read_text().replace("tier: super_large",
                                                     f'tier: "{SECRET}"', 1))
    return "cities/shanghai/2018.1.yaml: tier"


@pytest.mark.parametrize("spoiler", [break_yaml, quoted_value])
def test_the_log_of_a_refused_reload_names_file_and_field_but_quotes_nothing(
        tmp_path, keys_file, caplog, spoiler):
    root = policy_copy(tmp_path / "policies")
    app = make_app(keys_file, POLICY_DIR=str(root), CHECK_PUBLISHED=False)
    try:
        where = spoiler(root)  # the only bad file: its problem is the one logged
        with caplog.at_level(logging.INFO, logger="hukou"):
            outcome = app.extensions["policy_sync"].reload_and_announce(tell_master=False)
        assert not outcome.ok
        refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refused) == 1 and where in refused[0], refused
        assert_quiet("\n".join(r.getMessage() for r in caplog.records) + caplog.text)
    finally:
        app.extensions["policy_sync"].stop()
