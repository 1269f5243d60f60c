"""The API as an integrator's generated client sees it: openapi-python-client (a test
extra; nothing is installed here) generates a client from the live /openapi.json of a
service on a loopback port, the client is imported, and every operation is called
through it. Each success parses into its typed model (not None, not a raw dict), and a
401, 404, 413, 422 and 429 each parse into the generated `Problem`. Every answer the
client received is also checked against the document by schemathesis (a test extra)."""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from conftest import SECRETS, LiveServer, make_app

PACKAGE = "hukou_generated_client"
XIAN = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
        "criminal_record": [], "local_knowledge_score": 86}
ANONYMOUS_LIMIT = 2  # a minute: the 429 is reached quickly


@pytest.fixture(scope="module")
def server(keys_file):
    live = LiveServer(make_app(keys_file, RATE_LIMIT_ANONYMOUS=f"{ANONYMOUS_LIMIT}/minute"))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def api(server, tmp_path_factory):
    """The generated package, imported (its modules by name: api.<tag>.<operation>)."""
    out = tmp_path_factory.mktemp("client")
    config = out / "config.yaml"
    config.write_text("post_hooks: []\n")  # no ruff or black run over the generated code
    cli = shutil.which("openapi-python-client") or str(
        Path(sys.executable).parent / "openapi-python-client")
    done = subprocess.run(
        [cli, "generate", "--url", f"{server.url}/openapi.json", "--meta", "none",
         "--config", str(config), "--output-path", str(out / PACKAGE)],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    warnings = done.stdout.split("Warning(s) encountered", 1)[-1]
    assert "WARNING" not in done.stdout or warnings.count("WARNING") == 1 \
        and "application/x-ndjson" in warnings, done.stdout  # the NDJSON body alone
    sys.path.insert(0, str(out))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def received(server):
    """Every answer a test's clients receive; afterwards each is held to the document."""
    answers: list = []
    yield answers
    document = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    for answer in answers:
        operation = document.find_operation_by_path(answer.request.method,
                                                    answer.request.url.path)
        operation.validate_response(answer)  # raises naming what does not conform
    assert answers


def client(api, server, received: list, key: str | None = "everything"):
    module = api("client")
    hooks = {"event_hooks": {"response": [lambda answer: received.append(answer) or
                                          answer.read()]}}
    if key is None:
        return module.Client(base_url=server.url, timeout=30.0, httpx_args=hooks)
    token = SECRETS[key][0] if key in SECRETS else key
    return module.AuthenticatedClient(base_url=server.url, token=token, timeout=30.0,
                                      httpx_args=hooks)


def parsed(response, model):
    assert response.status_code == 200, (response.status_code, response.content[:500])
    assert isinstance(response.parsed, model), type(response.parsed)
    return response.parsed


def test_every_operation_answers_a_typed_model(api, server, received):
    models, call = api("models"), lambda op: api(f"api.{op}")
    keyed = client(api, server, received)
    score_request = models.ScoreRequest(
        city="xian", as_of=dt.date(2024, 6, 30),
        applicant=models.ScoreRequestApplicant.from_dict(XIAN))

    score = parsed(call("score.score_application").sync_detailed(
        client=keyed, body=score_request), models.ScoreResult)
    assert isinstance(score.policy, models.PolicyRef) and score.as_of == dt.date(2024, 6, 30)
    assert isinstance(score.breakdown[0], models.Criterion) and score.passes in (True, False)
    assert isinstance(score.threshold_kind, models.ScoreResultThresholdKind)

    bad = models.ScoreRequest(city="xian", applicant=models.ScoreRequestApplicant.from_dict(
        {**XIAN, "local_knowledge_score": "high"}))
    batch = parsed(call("batch.score_batch").sync_detailed(
        client=keyed, body=[score_request, bad]), models.BatchResponse)
    assert isinstance(batch.results[0], models.ScoreResult)
    assert isinstance(batch.results[1], models.Problem) and batch.results[1].index == 1
    assert batch.results[1].code == models.ProblemCode.INVALID_APPLICATION

    scenario = models.Scenario(name="retake", set_=models.ScenarioSet.from_dict(
        {"local_knowledge_score": 95}))
    whatif = parsed(call("whatif.what_if").sync_detailed(client=keyed, body=models.WhatIfRequest(
        city="xian", as_of=dt.date(2024, 6, 30), scenarios=[scenario],
        applicant=models.WhatIfRequestApplicant.from_dict(XIAN))), models.WhatIfAnswer)
    assert isinstance(whatif.scenarios[0].delta, models.Delta)
    assert isinstance(whatif.path_to_threshold.earliest_pass, models.EarliestPass)

    population = [models.Applicant.from_dict(XIAN),
                  models.Applicant.from_dict({**XIAN, "local_knowledge_score": 101})]
    report = parsed(call("simulate.simulate_policy").sync_detailed(
        client=keyed, body=models.SimulateRequest(
            city="xian", as_of=dt.date(2024, 6, 30), population=population,
            candidate=models.Candidate(version="2024.1"))), models.SimulationReport)
    assert isinstance(report.current, models.SideReport) and report.errors.count == 1
    assert not isinstance(report.errors.rows[0].reason, (str, dict))  # the typed refusal

    listed = parsed(call("policies.list_policies").sync_detailed(client=keyed), models.PolicyList)
    assert isinstance(listed.cities[0].versions[0], models.PolicyVersion)
    detail = parsed(call("policies.get_policy").sync_detailed("xian", client=keyed),
                    models.PolicyDetail)
    assert all(isinstance(f, models.FormField) for f in detail.form)
    parsed(call("policies.diff_policies").sync_detailed(
        "beijing", client=keyed, from_="2018.1", to="2020.1"), models.PolicyDiff)
    schema = parsed(call("policies.get_applicant_schema").sync_detailed(
        "xian", client=keyed, version="2024.1"), models.ApplicantSchemaAnswer)
    assert set(schema.required) == set(detail.required)

    drift = parsed(call("monitoring.get_drift").sync_detailed(client=keyed, history=2),
                   models.DriftAnswer)
    assert isinstance(drift.series[0], models.DriftSeries)  # the keyed scores above
    assert isinstance(drift.series[0].history[0], models.HistoryPoint)
    baseline = parsed(call("monitoring.set_baseline").sync_detailed(
        client=keyed, body=models.BaselineRequest(
            city="xian", histogram=models.BaselineRequestHistogramType0.from_dict(
                {"bins": {"150": 120}}))), models.BaselineAnswer)
    assert baseline.count == 120 and isinstance(baseline.histogram, models.Histogram)

    ranked = parsed(call("rounds.rank_round").sync_detailed(
        client=keyed, body=models.RoundRequest.from_dict({
            "city": "xian", "as_of": "2024-06-30", "quota": 1,
            "population": [{"id": "a", "applicant": XIAN}, {"id": "b", "applicant": XIAN}]})),
        models.RoundAnswer)
    assert ranked.admitted == 2 and ranked.ranking[0].rank == 1  # a fixed line: both pass

    parsed(call("admin.reload_policies").sync_detailed(client=keyed), models.ReloadAnswer)
    parsed(call("health.healthz").sync_detailed(client=keyed), models.Health)
    ready = parsed(call("health.readyz").sync_detailed(client=keyed), models.Readiness)
    assert isinstance(ready.policies, models.PoliciesState)
    metrics = call("health.metrics").sync_detailed(client=keyed)
    assert metrics.status_code == 200 and "hukou_" in metrics.parsed  # text/plain: a str


def test_every_refusal_answers_the_typed_problem(api, server, received):
    models, call = api("models"), lambda op: api(f"api.{op}")
    score = call("score.score_application").sync_detailed

    def problem(response, status: int, code: str):
        assert response.status_code == status, response.content[:500]
        assert isinstance(response.parsed, models.Problem), type(response.parsed)
        assert response.parsed.code == models.ProblemCode(code)
        assert response.parsed.request_id == response.headers["X-Request-ID"]
        return response.parsed

    def request(**applicant):
        return models.ScoreRequest(city="xian", as_of=dt.date(2024, 6, 30),
                                   applicant=models.ScoreRequestApplicant.from_dict(
                                       {**XIAN, **applicant}))

    keyed = client(api, server, received)
    problem(score(client=client(api, server, received, "not-a-key"), body=request()), 401,
            "bad_credentials")
    problem(call("policies.get_policy").sync_detailed("atlantis", client=keyed), 404,
            "unknown_city")
    problem(score(client=keyed, body=request(note="x" * 70_000)), 413, "body_too_large")
    refused = problem(score(client=keyed, body=request(birth_date="1990-02-30")), 422,
                      "invalid_application")
    assert "applicant.birth_date" in refused.errors.additional_properties
    anonymous = client(api, server, received, None)
    answers = [score(client=anonymous, body=request()) for _ in range(ANONYMOUS_LIMIT + 1)]
    assert [a.status_code for a in answers[:-1]] == [200] * ANONYMOUS_LIMIT
    limited = answers[-1]
    problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
