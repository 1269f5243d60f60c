"""Write the declared reference of every shipped policy version
(service/monitoring/references/<city>/<version>.yaml): the histogram of N synthetic
applicants as the service scores them, drawn from the city's distributions declared in
service/populations/<city>.yaml (service.synthetic, through service.population's
generator with the city).

    .venv/bin/python bench/make_references.py [--n 20000] [--seed 2026]

Run it again when a policy version is added or the generator or a city's declared
distributions change; a reference made
for other rules (another SHA-256) is ignored by the service.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.drift_common import applicants, histogram, policies, score, scoring_app  # noqa: E402
from service.monitoring import reference  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    app = scoring_app()
    for policy in policies(app):
        hist = histogram(score(app, policy, applicants(policy, args.n, args.seed)))
        path = reference.write(policy, hist, f"synthetic: {args.n} applicants drawn from "
                                             f"service/populations/{policy.city}.yaml, "
                                             f"seed {args.seed}")
        print(f"{policy.city} {policy.version}: {hist.count} scores, pass rate "
              f"{hist.pass_rate:.3f}, mean {hist.mean:.2f} -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
