"""The service's Flask class."""

from __future__ import annotations

from flask import Flask, Request
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge


class ServiceRequest(Request):
    """Flask's request, with the body limit held for bodies of unknown length as well.

    A chunked body is read through werkzeug's stream bounded at `max_content_length`,
    which stops at the limit without saying whether more was sent: the JSON cut there
    would be answered as malformed (400). Here a body that filled the limit is checked
    for one byte more, and that is a 413. A body the server cannot decode (gunicorn
    raises its own errors for a bad chunk size or a chunk longer than it says) is a 400.
    """

    def get_data(self, cache: bool = True, as_text: bool = False,
                 parse_form_data: bool = False):
        try:
            data = super().get_data(cache=cache, as_text=False,
                                    parse_form_data=parse_form_data)
        except HTTPException:
            raise
        except Exception:  # the server could not decode the framing (a bad chunk size)
            raise BadRequest("The request body is not well framed.") from None
        limit = self.max_content_length
        if limit is not None and self.content_length is None and len(data) >= limit:
            source = self.environ.get("wsgi.input")
            if source is not None and source.read(1):
                raise RequestEntityTooLarge()
        return data.decode("utf-8", "replace") if as_text else data


class ServiceFlask(Flask):
    """Flask, remembering which hooks and views need an async adapter.

    Flask asks `ensure_sync` of every hook and view on every request, and each answer
    costs an `inspect` call; the answer for a given function never changes.
    """

    request_class = ServiceRequest
    SYNC_MEMO = 1024  # more than the app's hooks and views; bounds what odd callers could add

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_memo: dict = {}

    def ensure_sync(self, func):
        found = self._sync_memo.get(func)
        if found is None:
            found = super().ensure_sync(func)
            if len(self._sync_memo) < self.SYNC_MEMO:
                self._sync_memo[func] = found
        return found
