"""schemathesis against /openapi.json on 127.0.0.1, every operation: no 5xx, and every
response valid against its documented schema, status and content type (a bounded run;
the number of cases is printed). Runs with a key that has every scope, so the fuzzing reaches
past authentication."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SECRETS


def test_no_server_errors_and_every_response_as_documented(live_server):
    cli = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    out = subprocess.run(
        [cli, "run", live_server.url + "/openapi.json", "--checks",
         "not_a_server_error,response_schema_conformance,content_type_conformance,"
         "status_code_conformance",
         "--max-examples", "25", "--workers", "1", "--seed", "1",
         "-H", f"Authorization: Bearer {SECRETS['everything'][0]}"],
        capture_output=True, text=True, timeout=240)
    report = out.stdout + out.stderr
    cases = re.search(r"(\d+) generated", report)
    print(f"schemathesis: {cases.group(1) if cases else '?'} cases")
    assert out.returncode == 0, report[-4000:]
    assert cases and int(cases.group(1)) > 100
