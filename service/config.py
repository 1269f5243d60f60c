"""Settings from HUKOU_* environment variables, with defaults for the embedded mode."""

from __future__ import annotations

import os
from pathlib import Path

BUNDLED_POLICIES = str(Path(__file__).resolve().parent.parent / "policies")


def from_environment(environ=None) -> dict:
    """The app's settings; every key can also be passed to create_app(config)."""
    env = os.environ if environ is None else environ
    return {
        "POLICY_DIR": env.get("HUKOU_POLICY_DIR", BUNDLED_POLICIES),
        "CHECK_PUBLISHED": env.get("HUKOU_CHECK_PUBLISHED", "1") != "0",
        "REDIS_URL": env.get("REDIS_URL") or None,
        "API_KEYS_FILE": env.get("HUKOU_API_KEYS_FILE") or None,
        "RATE_LIMIT_ANONYMOUS": env.get("HUKOU_RATE_LIMIT_ANONYMOUS", "60/minute"),
        "RATE_LIMIT_KEY": env.get("HUKOU_RATE_LIMIT_KEY", ""),  # empty: keys are not limited
        # Wrong keys per client address (every endpoint), before its keys are checked again.
        "RATE_LIMIT_BAD_KEYS": env.get("HUKOU_RATE_LIMIT_BAD_KEYS", "20/minute"),
        "RATE_LIMIT_ENABLED": env.get("HUKOU_RATE_LIMIT_ENABLED", "1") != "0",
        # Body limits: batches, simulations and rounds; one application (score, what-if);
        # every other endpoint (service/api/body_limits.py).
        "MAX_CONTENT_LENGTH": int(env.get("HUKOU_MAX_BODY_BYTES", str(32 * 1024 * 1024))),
        "MAX_SINGLE_BODY_BYTES": int(env.get("HUKOU_MAX_SINGLE_BODY_BYTES", str(64 * 1024))),
        "MAX_OTHER_BODY_BYTES": int(env.get("HUKOU_MAX_OTHER_BODY_BYTES", str(1024 * 1024))),
        "MAX_BATCH_ITEMS": int(env.get("HUKOU_MAX_BATCH_ITEMS", "10000")),
        "MAX_JSON_DEPTH": int(env.get("HUKOU_MAX_JSON_DEPTH", "32")),
        "CORS_ORIGINS": [o for o in env.get("HUKOU_CORS_ORIGINS", "").split(",") if o],
        # Who may frame /calculator: CSP frame-ancestors sources, space-separated.
        "FRAME_ANCESTORS": env.get("HUKOU_FRAME_ANCESTORS", "'self'").strip() or "'none'",
        "TRUSTED_PROXIES": int(env.get("HUKOU_TRUSTED_PROXIES", "0")),
        # Where the last good policy set is kept (gunicorn.conf.py sets one per server).
        "POLICY_SNAPSHOT_DIR": env.get("HUKOU_POLICY_SNAPSHOT_DIR") or None,
        # How often each process looks for a policy set announced by another (Redis).
        "POLICY_POLL_SECONDS": float(env.get("HUKOU_POLICY_POLL_SECONDS", "1")),
        "RETENTION_DAYS": int(env.get("HUKOU_RETENTION_DAYS", "400")),
        "LOG_LEVEL": env.get("HUKOU_LOG_LEVEL", "INFO"),
        # The secret that keys decision ids (HMAC-SHA256); unset: one made at start
        # (gunicorn.conf.py makes one per server and shares it with its workers).
        "DECISION_KEY": env.get("HUKOU_DECISION_KEY") or _read_secret(
            env.get("HUKOU_DECISION_KEY_FILE")),
    }


def _read_secret(path: str | None) -> str | None:
    """A secret kept in a file (a Docker or Kubernetes secret), without its end of line."""
    if not path:
        return None
    return Path(path).read_text(encoding="utf-8").strip() or None
