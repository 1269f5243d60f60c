"""Body limits per endpoint, on the production gunicorn config: one application may send
64 KiB, a batch or a population 32 MiB; a body declared larger is refused with 413 from
its headers, before the service waits for (or parses) the rest."""

from __future__ import annotations

import json
import socket
import time

import pytest
from conftest import SECRETS
from gunicorn_process import Gunicorn

KEY = SECRETS["everything"][0]
APPLICANT = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
             "criminal_record": [], "local_knowledge_score": 86}


@pytest.fixture(scope="module")
def server(tmp_path_factory, keys_file):
    workdir = tmp_path_factory.mktemp("body-limits")
    running = Gunicorn(workdir, {"HUKOU_API_KEYS_FILE": keys_file,
                                 "HUKOU_RATE_LIMIT_ENABLED": "0"}, workers=2).start()
    yield running
    running.stop()


def send(server, path: str, head: dict, body: bytes, timeout: float = 10.0) -> tuple[int, str]:
    """Send the request line, headers and `body` (which may be only part of what the
    headers declare); return (status, answer text) as soon as the server answers."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
             f"Authorization: Bearer {KEY}", "Content-Type: application/json",
             *(f"{k}: {v}" for k, v in head.items()), "", ""]
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall("\r\n".join(lines).encode() + body)
        answer, deadline = b"", time.monotonic() + timeout
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.") else 0
    return status, answer.decode("utf-8", "replace")


@pytest.mark.parametrize("path", ["/v1/score", "/v1/what-if"])
def test_a_12_mb_single_application_is_refused_from_its_headers(server, path):
    started = time.monotonic()
    status, answer = send(server, path, {"Content-Length": str(12 * 1024 * 1024)}, b'{"city"')
    assert status == 413, answer
    assert "application/problem+json" in answer and time.monotonic() - started < 5


def test_one_byte_over_64_kib_is_refused_and_the_limit_itself_is_read(server):
    item = {"city": "xian", "as_of": "2024-06-30", "applicant": APPLICANT}
    text = json.dumps(item)
    padded = text[:-1] + " " * (64 * 1024 - len(text)) + "}"  # whitespace JSON allows
    assert len(padded) == 64 * 1024
    assert send(server, "/v1/score", {"Content-Length": str(len(padded))},
                padded.encode())[0] == 200
    over = padded[:-1] + " }"
    assert send(server, "/v1/score", {"Content-Length": str(len(over))},
                over.encode())[0] == 413


def test_a_chunked_single_application_is_cut_off_at_the_limit(server):
    chunk = b"[" + b" " * 70_000
    body = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n"
    status, answer = send(server, "/v1/score", {"Transfer-Encoding": "chunked"}, body)
    assert status == 413, answer


def test_a_batch_may_be_larger_than_one_application(server):
    items = [{"city": "xian", "as_of": "2024-06-30", "applicant": APPLICANT}] * 2000
    raw = json.dumps(items).encode()
    assert len(raw) > 200_000
    status, answer = send(server, "/v1/score/batch", {"Content-Length": str(len(raw))}, raw)
    assert status == 200, answer[:500]
    assert send(server, "/v1/score/batch", {"Content-Length": str(33 * 1024 * 1024)},
                b"[")[0] == 413


@pytest.mark.parametrize("framing", [b"zz\r\nabc\r\n0\r\n\r\n", b"-1\r\nabc\r\n0\r\n\r\n",
                                     b"3\r\nabcdef\r\n0\r\n\r\n"])
def test_a_badly_framed_chunked_body_is_a_400(server, framing):
    for path in ("/v1/score", "/v1/score/batch", "/v1/simulate"):
        status, answer = send(server, path, {"Transfer-Encoding": "chunked"}, framing)
        assert status == 400, (path, answer)
        assert "application/problem+json" in answer
