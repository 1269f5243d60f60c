"""`hukou-points simulate` over CSV and Parquet files, spread over worker processes: the
same report as one process and as the scalar engine reading the csv module's rows;
bad files get a message naming what is wrong, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import POLICIES
from support import cli, scalar_simulation

from service.policy.loader import load_policy_dir

AS_OF = dt.date(2024, 6, 30)
SHIPPED = load_policy_dir(POLICIES)
BEIJING = {p.version: p for p in SHIPPED.cities["beijing"]}
ARGS = ("--city", "beijing", "--candidate-version", "2018.1", "--as-of", AS_OF.isoformat())


def reference(text: str) -> dict:
    """The csv module's rows through the scalar engine, in this process, as JSON reads."""
    return json.loads(json.dumps(scalar_simulation(BEIJING["2020.1"], BEIJING["2018.1"],
                                                   AS_OF, text), default=str))


@pytest.fixture(scope="module")
def population(tmp_path_factory) -> tuple:
    """(CSV path, Parquet path, CSV text): 4,000 generated rows, a few broken by hand."""
    root = tmp_path_factory.mktemp("people")
    csv_path, parquet_path = root / "people.csv", root / "people.parquet"
    for path in (csv_path, parquet_path):
        done = cli("population", "generate", "--city", "beijing", "--n", "4000", "--seed",
                   "5", "--as-of", AS_OF.isoformat(), "--out", str(path))
        assert done.returncode == 0, done.stderr
    lines = csv_path.read_bytes().decode("utf-8").split("\r\n")
    for k in range(7, len(lines) - 1, 97):  # a broken cell, a short row, a blank line
        lines[k] = ("maybe" + lines[k][lines[k].index(","):] if k % 3 else
                    "1,2" if k % 2 else "")
    text = "\r\n".join(lines)
    csv_path.write_text(text, encoding="utf-8", newline="")
    return csv_path, parquet_path, text


def simulate(path, *extra) -> dict:
    done = cli("simulate", "--population", str(path), *ARGS, *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_workers_give_the_report_of_one_process_and_of_the_scalar_engine(population):
    csv_path, _, text = population
    expected = reference(text)
    assert expected["errors"]["count"] > 30
    assert simulate(csv_path, "--workers", "1") == expected
    assert simulate(csv_path, "--workers", "2") == expected
    assert simulate(csv_path, "--workers", "3") == expected


def test_a_parquet_file_reads_as_the_csv_it_was_written_from(population, tmp_path):
    _, parquet_path, _ = population
    clean = cli("population", "generate", "--city", "beijing", "--n", "4000", "--seed", "5",
                "--as-of", AS_OF.isoformat())
    expected = reference(clean.stdout)
    assert pq.read_schema(parquet_path).field("birth_date").type == pa.date32()
    assert simulate(parquet_path, "--workers", "1") == expected
    several = tmp_path / "groups.parquet"
    pq.write_table(pq.read_table(parquet_path), several, row_group_size=700)
    assert simulate(several, "--workers", "2") == expected


@pytest.mark.parametrize("workers", ["0", "-1", "many", "257"])
def test_workers_must_be_a_sensible_count(population, workers):
    done = cli("simulate", "--population", str(population[0]), *ARGS, "--workers", workers)
    assert done.returncode == 2
    assert "a whole number from 1 to 256" in done.stderr


def bad_files(root):
    text = (root / "people.csv").read_bytes().decode("utf-8")
    (root / "latin1.csv").write_bytes(text[:4000].encode() + b"\xe9t\xe9\r\n")
    (root / "noise.parquet").write_bytes(b"PAR1" + bytes(range(256)) * 4)
    table = pa.table({"birth_date": pa.array([dt.datetime(1990, 1, 1)]),
                      "gender": pa.array(["male"])})
    pq.write_table(table, root / "stamps.parquet")
    return [("latin1.csv", "row "), ("noise.parquet", "Parquet"),
            ("stamps.parquet", "'birth_date' is of Parquet type timestamp")]


def test_a_bad_file_gets_a_message_not_a_traceback(population):
    root = population[0].parent
    for name, said in bad_files(root):
        for workers in ("1", "2"):
            done = cli("simulate", "--population", str(root / name), *ARGS,
                       "--workers", workers)
            assert done.returncode == 1, (name, done.stdout[:200])
            assert "Traceback" not in done.stderr
            assert said in done.stderr, (name, done.stderr)


def test_rank_says_it_does_not_read_parquet(population):
    done = cli("rounds", "rank", "--city", "beijing", "--population", str(population[1]),
               "--as-of", AS_OF.isoformat(), "--quota", "100")
    assert done.returncode == 2 and "Parquet" in done.stderr


def test_a_device_a_pipe_or_a_directory_is_refused_at_once(tmp_path):
    """/dev/zero never ends and a pipe with no writer never starts: an input that is not
    a file is refused before it is opened, with a message, by each command that reads
    one (a hang or a worker's memory growing without end is the failure)."""
    pipe = tmp_path / "people.csv"
    os.mkfifo(pipe)
    rank = ("rounds", "rank", "--city", "beijing", "--as-of", AS_OF.isoformat(),
            "--quota", "10", "--population")
    runs = [(("simulate", *ARGS, "--population"), path)
            for path in ("/dev/zero", str(pipe), str(tmp_path))]
    people = tmp_path / "people-file.csv"
    people.write_text("birth_date\n1990-01-01\n")
    runs += [(rank, "/dev/zero"), (("score",), str(pipe)),
             (("simulate", "--city", "beijing", "--as-of", AS_OF.isoformat(),
               "--population", str(people), "--candidate"), "/dev/zero")]
    for command, path in runs:
        done = cli(*command, path)
        assert done.returncode == 1, (command, path, done.stdout[:200])
        assert f"{path}: this is" in done.stderr and "Traceback" not in done.stderr, \
            (command, path, done.stderr)


def test_a_first_line_of_megabytes_is_read_by_the_csv_module_and_refused(tmp_path):
    """The header is read one line at a time, up to a megabyte: a file that is one long
    line goes to the csv module, whose cell limit refuses it by name."""
    path = tmp_path / "one-line.csv"
    path.write_bytes(b"a" * (3 << 20))
    done = cli("simulate", "--population", str(path), *ARGS)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "the header" in done.stderr and "131072" in done.stderr


def test_an_answer_that_cannot_be_written_gets_a_message_not_a_traceback(population):
    """A full disk (Linux's /dev/full) under the answer, or under --out."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    commands = [("simulate", "--population", str(population[0]), *ARGS),
                ("population", "generate", "--city", "beijing", "--n", "10", "--out",
                 "/dev/full")]
    for command in commands:
        with open("/dev/full", "w") as full:
            done = subprocess.run([sys.executable, "-m", "service.cli", *command], cwd=root,
                                  stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
        assert done.returncode == 1, command
        assert "No space left on device" in done.stderr and "Traceback" not in done.stderr


def test_a_candidate_policy_file_is_read_as_the_loader_reads_one(tmp_path, population):
    """Not UTF-8 (a traceback before), or past the policy files' size limit: the file and
    what is wrong with it, as a policy file of the served set would be named."""
    from service.policy.yaml_io import MAX_FILE_BYTES

    odd, large = tmp_path / "odd.yaml", tmp_path / "large.yaml"
    odd.write_bytes(b"\xff\xfe version: x\n")
    large.write_bytes(b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    for path, said in ((odd, "codec can't decode"), (large, f"Larger than {MAX_FILE_BYTES}")):
        done = cli("simulate", "--city", "beijing", "--as-of", AS_OF.isoformat(),
                   "--population", str(population[0]), "--candidate", str(path))
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert f"{path}: Cannot read:" in done.stderr and said in done.stderr, done.stderr
