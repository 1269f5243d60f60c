"""Hostile policy input: YAML alias bombs and deep nesting, special files in the policy
directory, and oversized drafts. Each is refused with a problem naming the file or the
field, quickly and with flat memory; the last good set keeps serving.

Whatever could hang or eat memory runs in a forked child (`bounded`) with a time limit
and an address-space cap, so a regression fails the test instead of the machine."""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import signal
import time
from pathlib import Path

import pytest
from conftest import POLICIES, bearer, make_app

from service.policy.errors import PolicyInvalid
from service.policy.loader import load_policy_dir
from service.policy.snapshot import Snapshots
from service.policy.yaml_io import StrictYAMLError, load_yaml

SECONDS = 10.0
HEADROOM = 512 * 1024 * 1024  # address space a child may add to what it inherits
FILE_CAP = 64 * 1024 * 1024  # the largest file a child may write
XIAN = "cities/xian/2024.1.yaml"
APPLICANT = {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
             "criminal_record": [], "local_knowledge_score": 86}


def alias_bomb() -> str:
    """Nine levels of nine aliases each: 9**9 strings once expanded, in under 600 bytes."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


def bomb_policy() -> str:
    """A city file that reaches the merge step, with the bomb under `notes`."""
    return ('city: xian\ntier: mega\nversion: "2025.1"\n' + alias_bomb() + "notes: *l8\n")


def bounded(call, seconds: float = SECONDS):
    """call() in a forked child with an address-space cap and a file-size cap (copying
    /dev/zero must not fill the disk): ("ok", value), or ("raised", repr) for an
    exception; the test fails if the child dies or gives no answer in time."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)

    def child():
        size = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGESIZE")
        resource.setrlimit(resource.RLIMIT_AS, (size + HEADROOM, size + HEADROOM))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_CAP, FILE_CAP))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails instead
        try:
            writer.send(("ok", call()))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            writer.send(("raised", repr(exc)[:2000]))

    process = context.Process(target=child, daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + seconds
        while not reader.poll(0.1):
            if not process.is_alive() and not reader.poll(0.1):
                pytest.fail(f"the child died (exit code {process.exitcode})")
            if time.monotonic() > deadline:
                pytest.fail(f"no answer within {seconds} s (a hang, or memory blowing up)")
        return reader.recv()
    finally:
        process.kill()
        process.join(5)


def problems_of(root: Path) -> list[tuple[str, str]]:
    """(file, message) of each problem load_policy_dir raises; a plain list crosses the
    process boundary."""
    try:
        load_policy_dir(root, check_published=False)
    except PolicyInvalid as exc:
        return [(p.file, p.message) for p in exc.problems]
    return []


def policy_copy(tmp_path: Path) -> Path:
    root = tmp_path / "policies"
    shutil.copytree(POLICIES, root)
    return root


# ---- YAML ------------------------------------------------------------------------

def test_alias_bomb_file_is_refused_at_once(tmp_path):
    root = policy_copy(tmp_path)

    def load():
        start = time.perf_counter()
        return problems_of(root), time.perf_counter() - start

    def load_in_child():
        kind, value = bounded(load)
        assert kind == "ok", value
        return value

    # Both sides timed alike, each the quicker of two runs in a forked child (a child's
    # first touches of its parent's memory, or a busy moment of the machine, fall on one
    # run; a bomb that expanded would slow every run).
    plain = min(load_in_child()[1] for _ in range(2))  # the same directory without it
    (root / "cities" / "xian" / "2025.1.yaml").write_text(bomb_policy())
    problems, seconds = min((load_in_child() for _ in range(2)), key=lambda run: run[1])
    # refused before anything expands: about as long as loading the set without it
    assert seconds < 2 * plain + 0.5, (seconds, plain)
    [(file, message)] = problems
    assert file == "cities/xian/2025.1.yaml"
    assert "anchor &l0 at line 4" in message and "not allowed" in message


@pytest.mark.parametrize("text, line", [
    ("a: &x 1\nb: 2\n", 1), ("a: 1\nb: *x\n", 2), ("a: [1, &y {b: 2}]\n", 1),
    ("a: {<<: *base, b: 1}\n", 1)])
def test_anchors_and_aliases_are_refused_with_their_line(text, line):
    with pytest.raises(StrictYAMLError, match=f"at line {line}: anchors and aliases"):
        load_yaml(text)


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    "{a: " * 100_000 + "1" + "}" * 100_000,
    "- " * 100_000 + "x\n",
    "".join(" " * i + f"k{i}:\n" for i in range(40)) + " " * 40 + "x\n",
], ids=["flow-sequences", "flow-mappings", "block-sequences", "block-mappings"])
def test_deep_nesting_is_refused_fast(text):
    start = time.perf_counter()
    with pytest.raises(StrictYAMLError, match="nesting deeper than 32 levels at line"):
        load_yaml(text)
    assert time.perf_counter() - start < 0.5


def test_nesting_up_to_the_limit_is_read():
    value = load_yaml("a: " + "[" * 31 + "1" + "]" * 31)["a"]
    for _ in range(31):
        [value] = value
    assert value == 1


def test_deeply_nested_file_is_a_problem_of_the_set(tmp_path):
    root = policy_copy(tmp_path)
    (root / "tiers" / "deep.yaml").write_text("[" * 100_000 + "]" * 100_000)
    [(file, message)] = problems_of(root)
    assert file == "tiers/deep.yaml" and "nesting deeper than 32 levels" in message


# ---- the inline draft of POST /v1/simulate ------------------------------------------

def simulate(client, policy):
    return client.post("/v1/simulate", headers=bearer("admin"), json={
        "city": "xian", "as_of": "2024-06-30", "candidate": {"policy": policy},
        "population": [APPLICANT]})


def test_alias_bomb_draft_is_a_422_naming_the_draft(keys_file):
    client = make_app(keys_file).test_client()

    def post():
        start = time.perf_counter()
        resp = simulate(client, bomb_policy())
        return resp.status_code, resp.mimetype, resp.get_json(), time.perf_counter() - start

    kind, value = bounded(post)
    assert kind == "ok", value
    status, mimetype, problem, seconds = value
    assert (status, mimetype) == (422, "application/problem+json")
    assert seconds < 1.0
    [message] = problem["errors"]["candidate.policy"]
    assert "anchor &l0 at line 4" in message


def test_deeply_nested_draft_is_a_422(keys_file):
    client = make_app(keys_file).test_client()
    resp = simulate(client, "[" * 100_000 + "]" * 100_000)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert "nesting deeper" in resp.get_json()["errors"]["candidate.policy"][0]


def test_an_oversized_draft_is_a_413_naming_the_draft(keys_file):
    client = make_app(keys_file).test_client()
    draft = (POLICIES / XIAN).read_text() + "# " + "x" * (300 * 1024) + "\n"
    resp = simulate(client, draft)
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"
    assert "262144 bytes" in resp.get_json()["errors"]["candidate.policy"][0]


# ---- special files in the policy directory -------------------------------------------

def fifo(path: Path) -> None:
    os.mkfifo(path)


def link(target) -> callable:
    return lambda path: path.symlink_to(target)


def loop(path: Path) -> None:
    path.symlink_to(path.name)


def outside(path: Path) -> None:
    copy = path.parents[3] / "elsewhere.yaml"  # next to the policy directory, not in it
    shutil.copy(POLICIES / XIAN, copy)
    path.symlink_to(copy)


def outside_dir(path: Path) -> None:
    elsewhere = path.parents[2] / "elsewhere"
    (elsewhere).mkdir()
    shutil.copy(POLICIES / XIAN, elsewhere / "2024.1.yaml")
    path.symlink_to(elsewhere, target_is_directory=True)


def big(path: Path) -> None:
    path.write_text("notes: |\n" + ("  " + "x" * 1000 + "\n") * 1100)


KINDS = [
    ("cities/xian/2025.1.yaml", fifo, "Not a regular file (a FIFO)."),
    ("tiers/zero.yaml", link("/dev/zero"), "Not a regular file (a character device)."),
    ("published.yaml", link("/dev/urandom"), "Not a regular file (a character device)."),
    ("cities/xian/loop.yaml", loop, "Symbolic link loop."),
    ("cities/wuhan", loop, "Symbolic link loop."),
    ("tiers", loop, "Symbolic link loop."),
    ("cities/xian/2025.1.yaml", outside, "Symbolic link pointing outside the policy directory."),
    ("cities/xian/notes.txt", link("/etc/passwd"),
     "Symbolic link pointing outside the policy directory."),
    ("cities/wuhan", outside_dir, "Symbolic link pointing outside the policy directory."),
    ("cities/again", link(".."), "A directory reached twice, through a symbolic link."),
    ("cities/fifo", fifo, "Not a regular file (a FIFO)."),
    ("tiers/big.yaml", big, "Larger than 1048576 bytes."),
]
IDS = ["fifo", "dev-zero", "dev-urandom", "file-loop", "city-loop", "tiers-loop",
       "file-outside", "other-file-outside", "city-outside", "cycle", "fifo-in-cities", "big"]


def hostile_copy(tmp_path: Path, rel: str, make) -> Path:
    root = policy_copy(tmp_path)
    target = root / rel
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    make(target)
    return root


@pytest.mark.parametrize("rel, make, message", KINDS, ids=IDS)
def test_a_special_file_is_a_problem_naming_it(tmp_path, rel, make, message):
    root = hostile_copy(tmp_path, rel, make)
    kind, problems = bounded(lambda: problems_of(root))
    assert kind == "ok", problems
    assert (rel, message) in problems, problems


@pytest.mark.parametrize("rel, make, message", KINDS, ids=IDS)
def test_staging_a_special_file_is_refused_and_copies_nothing(tmp_path, rel, make, message):
    root = hostile_copy(tmp_path, rel, make)
    base = tmp_path / "snapshots"

    def stage():
        try:
            Snapshots(base).stage(root)
        except PolicyInvalid as exc:
            return [(p.file, p.message) for p in exc.problems]
        return []

    kind, problems = bounded(stage)
    assert kind == "ok", problems
    assert (rel, message) in problems, problems
    assert list(base.iterdir()) == []


@pytest.mark.parametrize("snapshots", [False, True], ids=["plain", "snapshots"])
@pytest.mark.parametrize("rel, make, message", KINDS[:7], ids=IDS[:7])
def test_reload_refuses_a_special_file_and_the_old_set_serves(
        keys_file, tmp_path, rel, make, message, snapshots):
    root = policy_copy(tmp_path)
    config = {"POLICY_DIR": str(root), "CHECK_PUBLISHED": False}
    if snapshots:
        config["POLICY_SNAPSHOT_DIR"] = str(tmp_path / "snapshots")
    client = make_app(keys_file, **config).test_client()
    before = client.get("/v1/policies").get_json()["revision"]
    target = root / rel
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    make(target)

    def reload():
        resp = client.post("/v1/admin/policies/reload", headers=bearer("admin"))
        score = client.post("/v1/score", headers=bearer("bureau"),
                            json={"city": "xian", "as_of": "2026-11-22", "applicant": APPLICANT})
        return (resp.status_code, resp.mimetype, resp.get_json(),
                client.get("/v1/policies").get_json()["revision"],
                score.status_code, score.get_json().get("total"))

    kind, value = bounded(reload)
    assert kind == "ok", value
    status, mimetype, problem, after, score_status, total = value
    assert (status, mimetype) == (422, "application/problem+json")
    assert message in problem["errors"][rel]
    assert problem["revision"] == before == after
    assert (score_status, total) == (200, 80)


def test_a_starting_process_serves_the_last_good_snapshot(keys_file, tmp_path):
    root = policy_copy(tmp_path)
    config = {"POLICY_DIR": str(root), "CHECK_PUBLISHED": False,
              "POLICY_SNAPSHOT_DIR": str(tmp_path / "snapshots")}
    good = make_app(keys_file, **config).extensions["policies"].revision
    fifo(root / "cities" / "xian" / "2025.1.yaml")

    def start():
        registry = make_app(keys_file, **config).extensions["policies"]
        return registry.revision, registry.fallback, [str(p) for p in registry.last_problems]

    kind, value = bounded(start)
    assert kind == "ok", value
    revision, fallback, problems = value
    assert (revision, fallback) == (good, True)
    assert problems == ["cities/xian/2025.1.yaml: Not a regular file (a FIFO)."]


def test_symlinks_inside_the_directory_are_followed(tmp_path):
    """A Kubernetes ConfigMap volume: every entry a link into a hidden, dated directory."""
    root = tmp_path / "mounted"
    shutil.copytree(POLICIES, root / "..2026_01_01")
    (root / "..data").symlink_to("..2026_01_01")
    for name in ("tiers", "cities", "published.yaml"):
        (root / name).symlink_to(f"..data/{name}")
    assert load_policy_dir(root).cities.keys() == load_policy_dir(POLICIES).cities.keys()
    staged = Snapshots(tmp_path / "snapshots").stage(root)
    assert (staged / XIAN).read_bytes() == (POLICIES / XIAN).read_bytes()
    assert not (staged / "..data").exists()
