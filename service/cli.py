"""hukou-points: serve; policies validate|diff|hash; score FILE; simulate; rounds rank;
population generate; keys add."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import stat
import sys
import time
from pathlib import Path

from .config import BUNDLED_POLICIES


def _policy_dir(args) -> str:
    return args.dir or os.environ.get("HUKOU_POLICY_DIR") or BUNDLED_POLICIES


def _as_of(text: str | None) -> dt.date:
    """--as-of as a strict YYYY-MM-DD within the service's date window (today if unset)."""
    from .rules.dates import OUTSIDE_WINDOW, in_window, iso_date

    if not text:
        return dt.date.today()
    day = iso_date(text)
    if day is None:
        raise SystemExit(f"--as-of {text!r}: not a date in the form YYYY-MM-DD.")
    if not in_window(day):
        raise SystemExit(f"--as-of {text}: {OUTSIDE_WINDOW}")
    return day


def cmd_validate(args) -> int:
    from .policy.errors import PolicyInvalid
    from .policy.loader import load_policy_dir

    root = _policy_dir(args)
    try:
        found = load_policy_dir(root)
    except PolicyInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {root}", file=sys.stderr)
        return 1
    for policy in found.all():
        print(f"ok  {policy.file}  {policy.sha256}")
    return 0


def _registry(args):
    from .policy.registry import PolicyRegistry

    return PolicyRegistry(_policy_dir(args), check_published=False)


def cmd_diff(args) -> int:
    from .policy.diff import diff_policies

    registry = _registry(args)
    today = dt.date.today()
    old = registry.resolve(args.city, today, args.old)
    new = registry.resolve(args.city, today, args.new)
    print(json.dumps(diff_policies(old, new), ensure_ascii=False, indent=2))
    return 0


def cmd_hash(args) -> int:
    import yaml

    from .policy.loader import PUBLISHED, load_policy_dir

    root = Path(_policy_dir(args))
    found = load_policy_dir(root, check_published=False)
    table: dict = {}
    for policy in found.all():
        table.setdefault(policy.city, {})[policy.version] = policy.sha256
        print(f"{policy.city} {policy.version} {policy.sha256}")
    if args.write:
        header = ("# SHA-256 of each published policy version's resolved content.\n"
                  "# A published version is immutable: tests fail if its content changes.\n")
        text = yaml.safe_dump(table, sort_keys=True, allow_unicode=True)
        (root / PUBLISHED).write_text(header + text, encoding="utf-8")
        print(f"wrote {root / PUBLISHED}")
    return 0


def _read_items(path: str) -> list:
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        return json.loads(text)
    if stripped.startswith("{") and "\n{" not in stripped.strip():
        return [json.loads(text)]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def cmd_score(args) -> int:
    from marshmallow import ValidationError

    from .api.schemas import ScoreRequest
    from .policy.errors import ApplicantInvalid, PolicyNotFound
    from .scoring.application import score_application
    from .scoring.decision import DecisionKey

    if _not_a_file(args.file):
        return 1
    registry = _registry(args)
    schema = ScoreRequest()
    key = DecisionKey.from_setting(os.environ.get("HUKOU_DECISION_KEY"))
    failed = 0
    try:
        items = _read_items(args.file)
    except ValueError as exc:  # not UTF-8 (UnicodeDecodeError), not JSON (JSONDecodeError)
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    for index, item in enumerate(items):
        try:
            body = schema.load(item)
            out = score_application(registry, body["city"], body["as_of"], body["applicant"],
                                    key, version=body["policy_version"]).result.to_dict()
        except ValidationError as exc:
            out, failed = {"index": index, "errors": exc.messages}, failed + 1
        except ApplicantInvalid as exc:
            out, failed = {"index": index, "errors": exc.errors}, failed + 1
        except PolicyNotFound as exc:
            out, failed = {"index": index, "error": str(exc)}, failed + 1
        print(json.dumps(out, ensure_ascii=False, default=str))
    return 1 if failed else 0


def cmd_keys_add(args) -> int:
    import yaml

    from .api.auth import SCOPES, hash_secret

    path = args.file or os.environ.get("HUKOU_API_KEYS_FILE")
    if not path:
        print("Give --file or set HUKOU_API_KEYS_FILE.", file=sys.stderr)
        return 2
    bad = [s for s in args.scope if s not in SCOPES]
    if bad:
        print(f"Unknown scope(s) {bad}; choose from {', '.join(SCOPES)}.", file=sys.stderr)
        return 2
    target = Path(path)
    entries = (yaml.safe_load(target.read_text(encoding="utf-8")) or []) if target.exists() else []
    if any(e.get("name") == args.name for e in entries):
        print(f"A key named {args.name!r} exists already.", file=sys.stderr)
        return 2
    secret = "hk_" + secrets.token_urlsafe(32)
    entries.append({"name": args.name, "sha256": hash_secret(secret), "scopes": list(args.scope)})
    target.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    os.chmod(target, 0o600)
    print(secret)
    return 0


def _quota(text: str) -> int:
    try:
        quota = int(text)
    except ValueError:
        quota = 0
    if not 1 <= quota <= 10**9:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number from 1 to 1000000000")
    return quota


def _workers(text: str) -> int:
    try:
        workers = int(text)
    except ValueError:
        workers = 0
    if not 1 <= workers <= 256:
        raise argparse.ArgumentTypeError(f"{text!r}: a whole number from 1 to 256")
    return workers


def _not_a_file(*paths: str | None) -> bool:
    """Say so (and True) when an input path names a directory, a device, a pipe or a
    socket: /dev/zero would be read for ever, a pipe blocks until something writes to it.
    A path that cannot be looked at is left to the reading, which says why."""
    for path in paths:
        if path is None or path == "-":
            continue
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            continue
        if not stat.S_ISREG(mode):
            what = "a directory" if stat.S_ISDIR(mode) else "a device, a pipe or a socket"
            print(f"{path}: this is {what}, not a file; give the path of a file",
                  file=sys.stderr)
            return True
    return False


def _population_kind(path: str, given: str | None) -> str:
    if given:
        return given
    for suffix, kind in ((".csv", "csv"), (".ndjson", "ndjson"), (".jsonl", "ndjson"),
                         (".json", "json"), (".parquet", "parquet"), (".pq", "parquet")):
        if path.endswith(suffix):
            return kind
    return "ndjson"


def _one_city(args):
    """The policies of one city (and the tiers): a one-off command about a city need not
    read every city's files."""
    from .policy.loader import load_policy_dir
    from .policy.registry import PolicyView

    return PolicyView(load_policy_dir(_policy_dir(args), check_published=False,
                                      city=args.city))


def cmd_simulate(args) -> int:
    from .policy.errors import PolicyInvalid, Problem
    from .policy.loader import load_inline_policy
    from .policy.yaml_io import read_capped
    from .scoring.simulate import Simulation

    if _not_a_file(args.population, args.candidate):
        return 1
    registry = _one_city(args)
    as_of = _as_of(args.as_of)
    current = registry.resolve(args.city, as_of, args.current_version)
    if args.candidate:
        try:  # read as the loader reads a policy file: a regular file, and capped
            text = read_capped(args.candidate).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyInvalid([Problem(args.candidate, "", f"Cannot read: {exc}")]) from None
        candidate = load_inline_policy(text, registry.policies.tiers, name=args.candidate)
    else:
        candidate = registry.resolve(args.city, as_of, args.candidate_version)
    kind = _population_kind(args.population, args.format)

    def make():
        return Simulation(current, candidate, as_of)

    progress = _progress(time.monotonic()) if sys.stderr.isatty() else None
    try:
        if kind in ("csv", "parquet"):
            simulation = _simulate_file(make, kind, args.population, args.workers, progress)
        else:
            simulation = _simulate_rows(make(), kind, args.population, progress)
    except _file_errors() as exc:
        if progress is not None:
            print(file=sys.stderr)
        print(f"{args.population}: {exc}", file=sys.stderr)
        return 1
    if progress is not None:
        print(file=sys.stderr)
    print(json.dumps(simulation.report(), ensure_ascii=False, indent=2, default=str))
    return 0


def _simulate_file(make, kind: str, path: str, workers: int | None, progress):
    """CSV or Parquet: read by pyarrow in blocks, over `workers` processes."""
    from .simulate_files import default_workers, simulate_csv, simulate_parquet

    workers = workers or default_workers()
    if kind == "csv":
        return simulate_csv(make, path, workers, progress=progress)
    return simulate_parquet(make, path, workers, progress=progress)


def _simulate_rows(simulation, kind: str, path: str, progress):
    """NDJSON or a JSON array, row by row through the scalar engine."""
    from .population import RowError, rows_of

    with open(path, encoding="utf-8", newline="") as handle:
        source = handle.read() if kind == "json" else handle
        fields = simulation.fields
        for number, row in rows_of(source, kind, fields):
            if isinstance(row, RowError):
                simulation.unreadable(number, str(row))
            else:
                simulation.add(number, row)
            if progress is not None and number % 20000 == 0:
                progress(number)
    return simulation


def _progress(started: float):
    def show(rows: int) -> None:
        rate = rows / max(time.monotonic() - started, 1e-9)
        print(f"\r{rows:>10,} rows  {rate:>9,.0f} rows/s", end="", file=sys.stderr)

    return show


def _file_errors() -> tuple:
    """What reading a population file may raise that is the file's fault, not ours."""
    from concurrent.futures.process import BrokenProcessPool

    from .population import CsvUnreadable
    from .population_arrow import ParquetColumnUnreadable, ParquetTooLarge
    from .simulate_files import PartFailed

    errors = (CsvUnreadable, ParquetColumnUnreadable, ParquetTooLarge, PartFailed,
              BrokenProcessPool,
              UnicodeDecodeError, OSError)
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - a dependency
        return errors
    return errors + (pa.ArrowException,)


def cmd_rounds_rank(args) -> int:
    """Rank a population under the policy in force: the ranking as CSV or NDJSON (by the
    --out file's extension; NDJSON on standard output without --out). NDJSON's first line
    is the summary (the answer without its ranking), each further line one place; with
    --out the summary is also printed on standard output."""
    import time

    import orjson

    from .population import CsvUnreadable, rows_of
    from .scoring.cohort import Cohort, CohortRefused
    from .scoring.rounds import rank_round

    if _not_a_file(args.population):
        return 1
    registry = _one_city(args)
    as_of = _as_of(args.as_of)
    policy = registry.resolve(args.city, as_of, args.policy_version)
    kind = _population_kind(args.population, args.format)
    if kind == "parquet":
        print(f"{args.population}: rounds rank reads CSV, NDJSON or JSON; a Parquet "
              "population is read by simulate", file=sys.stderr)
        return 2
    cohort = Cohort(policy, as_of)
    tty, started = sys.stderr.isatty(), time.monotonic()

    def progress(done: int) -> None:
        if tty:
            rate = done / max(time.monotonic() - started, 1e-9)
            print(f"\r{done:>10,} rows  {rate:>9,.0f} rows/s", end="", file=sys.stderr)

    try:
        if kind == "csv":
            cohort = _rank_csv(lambda: Cohort(policy, as_of), args.population, progress)
        else:
            with open(args.population, encoding="utf-8-sig", newline="") as handle:
                source = handle.read() if kind == "json" else handle
                for number, row in rows_of(source, kind, policy.fields):
                    cohort.add_item(number, row)
                    if number % 20000 == 0:
                        progress(number)
        ranked = rank_round(cohort, args.quota)
    except (CohortRefused, CsvUnreadable, UnicodeDecodeError, ValueError) as exc:
        if tty:
            print(file=sys.stderr)
        print(f"{args.population}: {exc}", file=sys.stderr)
        return 1
    if tty:
        progress(cohort.rows)
        print(file=sys.stderr)
    summary = ranked.summary
    try:
        if args.out and args.out.endswith(".csv"):
            _write_ranking_csv(args.out, ranked)
        else:
            out = open(args.out, "wb") if args.out else sys.stdout.buffer
            try:
                out.write(orjson.dumps(summary) + b"\n")
                for chunk in ranked.entries():
                    out.write(b"".join(orjson.dumps(e) + b"\n" for e in chunk))
            finally:
                if args.out:
                    out.close()
                else:
                    out.flush()
        if args.out:
            print(json.dumps(summary, ensure_ascii=False, indent=2))
    except BrokenPipeError:  # the reader stopped early (| head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _rank_csv(make, path: str, progress):
    """A cohort (from `make()`) of a CSV file: read by pyarrow in blocks where the csv
    module would read the same cells (service/csv_blocks.py), by the csv module when a
    quoted field spans lines or the header is not one plain line."""
    from .csv_blocks import csv_header, feed_blocks
    from .population_arrow import QuotedNewlines
    from .scoring.cohort import ID_COLUMN

    cohort = make()
    with open(path, "rb") as handle:
        header, start, one_line = csv_header(handle, "population")
        if one_line and header.count(ID_COLUMN) == 1:
            def on_table(table, first, blank):
                cohort.add_table(header, table, first, blank)
                progress(cohort.rows)

            try:
                feed_blocks(handle, header, start, os.fstat(handle.fileno()).st_size,
                            "population", True, on_table,
                            lambda rows, first: cohort.add_csv_chunk(header, rows, first))
                return cohort
            except QuotedNewlines:
                cohort = make()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        cohort.feed_csv(handle, progress=progress)  # says what is wrong with the header
    return cohort


def _write_ranking_csv(path: str, ranked) -> None:
    """The ranking as CSV: a column per field of a place (empty for null), written by
    arrow compute (service/ranking_csv.py) as the csv module writes `Round.rows`."""
    from .ranking_csv import write_ranking_csv

    write_ranking_csv(path, ranked)


def cmd_generate(args) -> int:
    import csv
    import random

    from .policy.paths import flatten
    from .population import synthetic_applicant

    registry = _registry(args)
    as_of = _as_of(args.as_of)
    policy = registry.resolve(args.city, as_of)
    rng = random.Random(args.seed)
    if args.format is None:
        kind = _population_kind(args.out or "", None) if args.out else "csv"
        args.format = kind if kind in ("csv", "ndjson", "parquet") else "csv"
    if args.format == "parquet":
        return _generate_parquet(args, policy, rng, as_of)
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        if args.format == "csv":
            columns = list(policy.fields)
            writer = csv.writer(out)
            writer.writerow(columns)
            for _ in range(args.n):
                flat = flatten(synthetic_applicant(rng, policy.fields, as_of,
                                                   city=policy.city))
                writer.writerow([json.dumps(flat[c]) if isinstance(flat.get(c), list)
                                 else _csv_text(flat.get(c)) for c in columns])
        else:
            for _ in range(args.n):
                out.write(json.dumps(synthetic_applicant(rng, policy.fields, as_of,
                                                           city=policy.city)) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _generate_parquet(args, policy, rng, as_of) -> int:
    from .policy.paths import flatten
    from .population import synthetic_applicant
    from .population_arrow import write_parquet

    if not args.out:
        print("population generate --format parquet needs --out", file=sys.stderr)
        return 2
    columns = list(policy.fields)

    def rows():
        for _ in range(args.n):
            flat = flatten(synthetic_applicant(rng, policy.fields, as_of, city=policy.city))
            yield [json.dumps(flat[c]) if isinstance(flat.get(c), list)
                   else _csv_text(flat.get(c)) for c in columns]

    write_parquet(args.out, policy.fields, rows())
    return 0


def _csv_text(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)


def cmd_serve(args) -> int:
    from gunicorn.app.base import Application

    from . import create_app

    settings = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"

    class Embedded(Application):
        def init(self, parser, opts, args):
            return {}

        def load_config(self):
            if settings.exists():  # the production log format and limits, one process here
                self.load_config_from_file(str(settings))
            self.cfg.set("bind", f"{args.host}:{args.port}")
            self.cfg.set("workers", 1)
            self.cfg.set("threads", args.threads)
            self.cfg.set("worker_class", "gthread")

        def load(self):
            return create_app()

    Embedded().run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hukou-points", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the service (one process, in-process store)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--threads", type=int, default=4)
    serve.set_defaults(run=cmd_serve)

    pol = sub.add_parser("policies", help="validate, diff and hash policy files")
    pol_sub = pol.add_subparsers(dest="policies_command", required=True)
    validate = pol_sub.add_parser("validate", help="print every problem; exit 1 if any")
    validate.add_argument("dir", nargs="?")
    validate.set_defaults(run=cmd_validate)
    diff = pol_sub.add_parser("diff", help="what changed between two versions of a city")
    diff.add_argument("city")
    diff.add_argument("old", metavar="FROM")
    diff.add_argument("new", metavar="TO")
    diff.add_argument("--dir")
    diff.set_defaults(run=cmd_diff)
    digest = pol_sub.add_parser("hash", help="print each version's sha256; --write publishes")
    digest.add_argument("dir", nargs="?")
    digest.add_argument("--write", action="store_true",
                        help="record the hashes in published.yaml (publishing every version)")
    digest.set_defaults(run=cmd_hash)

    score = sub.add_parser("score", help="score a JSON or NDJSON file offline")
    score.add_argument("file", help="path, or - for standard input")
    score.add_argument("--dir")
    score.set_defaults(run=cmd_score)

    simulate = sub.add_parser("simulate", help="a population under the policy in force and a "
                                               "candidate: pass rates, distributions, flips")
    simulate.add_argument("--city", required=True)
    simulate.add_argument("--population", required=True,
                          help="CSV, Parquet, NDJSON or JSON file")
    simulate.add_argument("--format", choices=["csv", "parquet", "ndjson", "json"])
    simulate.add_argument("--workers", type=_workers, default=None,
                          help="processes reading CSV or Parquet (default: the machine's "
                               "cores)")
    group = simulate.add_mutually_exclusive_group(required=True)
    group.add_argument("--candidate", help="a draft policy file (YAML or JSON)")
    group.add_argument("--candidate-version")
    simulate.add_argument("--current-version")
    simulate.add_argument("--as-of")
    simulate.add_argument("--dir")
    simulate.set_defaults(run=cmd_simulate)

    rounds = sub.add_parser("rounds", help="quota rounds")
    rounds_sub = rounds.add_subparsers(dest="rounds_command", required=True)
    rank = rounds_sub.add_parser(
        "rank", help="rank a population: the line at the quota, who is admitted and why",
        description=cmd_rounds_rank.__doc__)
    rank.add_argument("--city", required=True)
    rank.add_argument("--quota", type=_quota, required=True)
    rank.add_argument("--as-of", required=True)
    rank.add_argument("--population", required=True,
                      help="CSV (an id column, then a column per field path), NDJSON or JSON "
                           "of {id, applicant}")
    rank.add_argument("--format", choices=["csv", "ndjson", "json"],
                      help="of the population (default: by its extension)")
    rank.add_argument("--out", help="FILE.csv: the ranking as CSV; any other name: NDJSON")
    rank.add_argument("--policy-version")
    rank.add_argument("--dir")
    rank.set_defaults(run=cmd_rounds_rank)

    population = sub.add_parser("population", help="synthetic populations")
    pop_sub = population.add_subparsers(dest="population_command", required=True)
    generate = pop_sub.add_parser("generate", help="write N synthetic applicants; same seed, "
                                                   "same file")
    generate.add_argument("--city", required=True)
    generate.add_argument("--n", type=int, required=True)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--format", choices=["csv", "ndjson", "parquet"],
                          help="default: by the --out file's extension, else csv")
    generate.add_argument("--out")
    generate.add_argument("--as-of")
    generate.add_argument("--dir")
    generate.set_defaults(run=cmd_generate)

    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    add = keys_sub.add_parser("add", help="print a new secret and store its hash")
    add.add_argument("name")
    add.add_argument("--scope", action="append", required=True)
    add.add_argument("--file")
    add.set_defaults(run=cmd_keys_add)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except Exception as exc:  # a CLI answers with a message, not a traceback
        from .policy.errors import PolicyInvalid, PolicyNotFound

        if isinstance(exc, (PolicyInvalid, PolicyNotFound)):
            print(exc, file=sys.stderr)
            return 1
        if isinstance(exc, BrokenPipeError):  # `... | head` stopped reading: done
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        if isinstance(exc, OSError):  # writing the answer: a full disk, a closed output
            name = f"{exc.filename}: " if exc.filename else ""
            print(f"hukou-points: {name}{exc.strerror or exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
