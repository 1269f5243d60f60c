"""hukou-points rounds rank, run as a user runs it: the ranking as CSV or NDJSON, the
same round the API answers, and refusals as messages with a non-zero exit."""

from __future__ import annotations

import csv
import json

from conftest import bearer
from rounds_support import BEIJING_AS_OF, as_csv, as_ndjson, beijing
from support import cli

PEOPLE = [("a", beijing(230)), ("b", beijing(200)), ("c", beijing(200)),
          ("d", beijing(150)), ("e", beijing(260, residence_permit=False)), ("f", {"x": 1})]
ARGS = ["rounds", "rank", "--city", "beijing", "--quota", "2", "--as-of", BEIJING_AS_OF]


def api_answer(client) -> dict:
    response = client.post(f"/v1/rounds/rank?city=beijing&as_of={BEIJING_AS_OF}&quota=2",
                           data=as_csv(PEOPLE),
                           headers={**bearer("bureau"), "Content-Type": "text/csv"})
    assert response.status_code == 200
    return response.get_json()


def test_csv_out_and_the_summary_match_the_api(client, tmp_path):
    population, out = tmp_path / "cohort.csv", tmp_path / "round.csv"
    population.write_text(as_csv(PEOPLE))
    done = cli(*ARGS, "--population", str(population), "--out", str(out))
    assert done.returncode == 0, done.stderr
    answer = api_answer(client)
    ranking = answer.pop("ranking")
    assert json.loads(done.stdout) == answer
    # b and c tie at the 2nd place (90.00): both admitted, one over the quota.
    assert (answer["admitted"], answer["tied_at_cutoff"], answer["over_quota"]) == (3, 2, 1)
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["id", "rank", "total", "eligible", "admitted", "decided_by",
                       "margin_to_cutoff", "row"]
    assert rows[1:] == [
        ["a", "1", "97.5", "true", "true", "score", "7.5", ""],
        ["b", "2", "90.0", "true", "true", "tie_admitted", "0.0", ""],
        ["c", "2", "90.0", "true", "true", "tie_admitted", "0.0", ""],
        ["d", "4", "77.5", "true", "false", "score", "-12.5", ""],
        ["e", "", "105.0", "false", "false", "ineligible:residence_permit", "15.0", ""],
        ["f", "", "", "", "false", "invalid", "", "6"]]
    assert len(ranking) == len(rows) - 1


def test_ndjson_on_stdout_is_the_summary_then_one_place_a_line(client, tmp_path):
    population = tmp_path / "cohort.ndjson"
    population.write_text(as_ndjson(PEOPLE))
    done = cli(*ARGS, "--population", str(population))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    answer = api_answer(client)
    assert lines[1:] == answer.pop("ranking")
    assert lines[0] == answer
    out = tmp_path / "round.ndjson"
    again = cli(*ARGS, "--population", str(population), "--out", str(out))
    assert out.read_text() == done.stdout and json.loads(again.stdout) == answer


def test_refusals_are_messages_and_a_non_zero_exit(tmp_path):
    population = tmp_path / "cohort.csv"
    population.write_text(as_csv(PEOPLE).replace("id,", "who,", 1))
    done = cli(*ARGS, "--population", str(population))
    assert done.returncode == 1 and "column named 'id'" in done.stderr
    population.write_text(as_csv(PEOPLE + [("a", beijing())]))
    done = cli(*ARGS, "--population", str(population))
    assert done.returncode == 1 and "Ids given more than once: 'a'" in done.stderr
    done = cli(*ARGS[:4], "0", *ARGS[5:], "--population", str(population))
    assert done.returncode == 2 and "--quota" in done.stderr


def test_a_terminal_sees_a_progress_bar(tmp_path):
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    population = tmp_path / "cohort.csv"
    population.write_text(as_csv(PEOPLE))
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "service.cli", *ARGS, "--population", str(population),
             "--out", str(tmp_path / "round.csv")], stderr=follower, stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[2], timeout=120)
        os.close(follower)
        seen = b""
        for _ in range(100):  # what the terminal got; EOF (EIO) once the child is gone
            try:
                got = os.read(leader, 65536)
            except OSError:
                break
            if not got:
                break
            seen += got
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert b"\r" in seen and b"6 rows" in seen and b"rows/s" in seen


def test_a_large_odd_csv_ranks_as_the_csv_module_reads_it(client, tmp_path):
    """The CLI reads a CSV file with pyarrow in blocks; the API reads its body with the csv
    module. Broken cells, blank lines, bad ids, quoted cells and a byte-order mark: the
    same round, row numbers and problems included. (A row of another width sends its
    block to the csv module: tests/scoring/test_arrow_reader.py.)"""
    generated = cli("population", "generate", "--city", "beijing", "--n", "3000", "--seed",
                    "9", "--as-of", BEIJING_AS_OF)
    lines = generated.stdout.replace("\r\n", "\n").split("\n")
    body = ["id," + lines[0]]
    for k, line in enumerate(lines[1:-1]):
        ident = f"p{k}"
        if k % 97 == 5:
            line = "maybe" + line[line.index(","):]  # a broken date
        elif k % 263 == 9:
            ident = "x" * 200  # an id too long
        elif k % 389 == 11:
            ident = f'"quoted, {k}"'
        body.append(f"{ident},{line}")
        if k % 500 == 13:
            body.append("")
    text = "\ufeff" + "\n".join(body) + "\n"
    population = tmp_path / "cohort.csv"
    population.write_text(text, encoding="utf-8")
    args = ["rounds", "rank", "--city", "beijing", "--quota", "300", "--as-of",
            BEIJING_AS_OF]
    done = cli(*args, "--population", str(population))
    assert done.returncode == 0, done.stderr
    lines_out = done.stdout.splitlines()
    response = client.post(f"/v1/rounds/rank?city=beijing&as_of={BEIJING_AS_OF}&quota=300",
                           data=text.encode(),
                           headers={**bearer("bureau"), "Content-Type": "text/csv"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    answer = response.get_json()
    ranking = answer.pop("ranking")
    assert json.loads(lines_out[0]) == answer
    assert [json.loads(line) for line in lines_out[1:]] == ranking
    assert answer["invalid"]["count"] > 40
