"""The service's Flask class."""

from __future__ import annotations

import io

from flask import Flask, Request
from werkzeug.exceptions import BadRequest, ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.sansio.utils import get_content_length
from werkzeug.utils import cached_property


class ServiceRequest(Request):
    """Flask's request, with the body limit held for bodies of unknown length as well.

    A chunked body is read through werkzeug's stream bounded at `max_content_length`,
    which stops at the limit without saying whether more was sent: the JSON cut there
    would be answered as malformed (400). Here a body that filled the limit is checked
    for one byte more, and that is a 413. A body the server cannot decode (gunicorn
    raises its own errors for a bad chunk size or a chunk longer than it says) is a 400.
    """

    @cached_property
    def content_length(self) -> int | None:
        """werkzeug's, read from the environ as its input stream reads it: through the
        headers, a request without Transfer-Encoding raised and caught a KeyError."""
        environ = self.environ
        return get_content_length(http_content_length=environ.get("CONTENT_LENGTH"),
                                  http_transfer_encoding=environ.get("HTTP_TRANSFER_ENCODING"))

    def get_data(self, cache: bool = True, as_text: bool = False,
                 parse_form_data: bool = False):
        try:
            data = None if cache or parse_form_data else self._declared_body()
            if data is None:
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

    def _declared_body(self) -> bytes | None:
        """A body of declared length within the limit, read (not kept) in one call: what
        werkzeug's stream gives, without its wrapper reading it chunk by chunk (a good
        share of a score request). None: not that case, or read already; werkzeug reads.

        A server that ends the input itself (wsgi.input_terminated, as gunicorn) gives
        the declared bytes; from any other, fewer bytes than declared is a client that
        went away (werkzeug's ClientDisconnected, a 400), as werkzeug says it."""
        length = self.content_length
        limit = self.max_content_length
        if length is None or (limit is not None and length > limit) or self.shallow \
                or "stream" in self.__dict__ or "_cached_data" in self.__dict__:
            return None
        environ = self.environ
        source = environ.get("wsgi.input")
        if source is None:
            return None
        data = source.read(length)
        if len(data) < length and "wsgi.input_terminated" not in environ:
            raise ClientDisconnected()
        self.__dict__["stream"] = io.BytesIO()  # consumed, as werkzeug's would be
        return data


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
