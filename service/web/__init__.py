"""Pages served by the service itself: the operators' /ops page (and later the calculator).
Everything they load comes from here: no CDN, no external fonts or scripts."""

from __future__ import annotations

from flask import Blueprint, render_template

web = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/assets")


@web.get("/ops")
def ops():
    """The drift page. The page itself holds no data; its script asks for an ops key and
    reads /v1/monitoring/drift with it, so the figures stay behind the ops scope."""
    return render_template("ops.html")
