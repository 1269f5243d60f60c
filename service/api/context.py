"""What one request holds on to for its whole life."""

from __future__ import annotations

from flask import current_app, g


def request_policies():
    """The policy view this request uses throughout, taken on first use: a reload in the
    middle of a batch or a what-if does not give it a second set."""
    state = g._get_current_object()
    view = state.get("policy_view")
    if view is None:
        view = state.policy_view = current_app.extensions["policies"].view()
    return view
