"""Hukou Points Service: create_app() is the only way in; nothing happens at import."""

from __future__ import annotations

import atexit
import logging


def create_app(config: dict | None = None):
    """Build the Flask app from the environment's settings, overridden by `config`."""
    from .api import register_api
    from .config import from_environment
    from .flask_app import ServiceFlask
    from .logs import configure as configure_logs
    from .monitoring.store import store_from_config
    from .policy.registry import PolicyRegistry
    from .policy_sync import PolicySync
    from .scoring.decision import DecisionKey
    from .scoring.engine import compiled_of

    app = ServiceFlask(__name__)
    settings = from_environment()
    settings.update(config or {})
    app.config.update(settings)
    configure_logs(app.config["LOG_LEVEL"])
    app.extensions["decision_key"] = key = DecisionKey.from_setting(app.config["DECISION_KEY"])
    if key.generated:
        logging.getLogger("hukou").warning(
            "HUKOU_DECISION_KEY is not set: decision ids are keyed with a key made for this "
            "process, and change when it restarts")
    app.extensions["policies"] = PolicyRegistry(app.config["POLICY_DIR"],
                                                snapshot_dir=app.config["POLICY_SNAPSHOT_DIR"],
                                                check_published=app.config["CHECK_PUBLISHED"])
    for policy in app.extensions["policies"].policies.all():
        compiled_of(policy)  # compiled now rather than by the first request of each
    app.extensions["store"] = store = store_from_config(app.config)
    app.extensions["policy_sync"] = sync = PolicySync(app.extensions["policies"],
                                                      app.config["REDIS_URL"],
                                                      app.config["POLICY_POLL_SECONDS"])
    sync.start()
    atexit.register(sync.stop)
    atexit.register(store.close)  # a worker's last scores reach Redis when it stops
    register_api(app)
    return app
