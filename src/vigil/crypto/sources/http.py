"""A small injectable HTTP layer for node clients (stdlib only).

`Transport` is one call: method, URL, body, headers -> (status, body bytes).
`UrllibTransport` is the real one; tests pass a fake or point it at a stub
server on 127.0.0.1. Clients never retry silently and never follow redirects
to another host.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from vigil.crypto._values import load_json_bytes
from vigil.domain.errors import VigilError
from vigil.domain.model import JsonValue

__all__ = [
    "HttpResponse",
    "JsonRpcClient",
    "MethodUnavailable",
    "NodeError",
    "Transport",
    "UrllibTransport",
    "is_rpc_envelope",
]

MAX_REPLY_BYTES = 64 * 1024 * 1024


class NodeError(VigilError):
    """A node could not be reached, or answered with an error or garbage."""

    exit_code = 1


class MethodUnavailable(NodeError):
    """The node does not offer the method (JSON-RPC -32601, or the 'does not
    exist/is not available' text geth, erigon and ganache send)."""


_UNAVAILABLE = re.compile(
    r"method .*(does not exist|not available|not found|not supported)|method not found",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes


class Transport(Protocol):
    def __call__(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]
    ) -> HttpResponse: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass(frozen=True, slots=True)
class UrllibTransport:
    """HTTP with urllib; no proxies from the environment, no redirects."""

    timeout_s: float = 30.0

    def __call__(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]
    ) -> HttpResponse:
        if not url.startswith(("http://", "https://")):
            raise NodeError(f"not an http(s) URL: {url!r}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers))
        try:
            with opener.open(request, timeout=self.timeout_s) as reply:
                data = reply.read(MAX_REPLY_BYTES + 1)
                status = int(reply.status)
        except urllib.error.HTTPError as exc:
            data = exc.read(MAX_REPLY_BYTES + 1)
            status = exc.code
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise NodeError(f"cannot reach {url}: {exc}") from exc
        if len(data) > MAX_REPLY_BYTES:
            raise NodeError(f"reply from {url} is larger than {MAX_REPLY_BYTES} bytes")
        return HttpResponse(status, data)


def is_rpc_envelope(data: JsonValue) -> bool:
    """A full JSON-RPC reply ({jsonrpc, id, result|error}) rather than a bare result."""
    return (
        isinstance(data, Mapping)
        and ("result" in data or "error" in data)
        and set(data) <= {"jsonrpc", "id", "result", "error"}
    )


class JsonRpcClient:
    """JSON-RPC 2.0 over HTTP POST (Bitcoin Core and Ethereum nodes)."""

    def __init__(
        self,
        url: str,
        *,
        transport: Transport | None = None,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        self.url = url
        self._transport = transport or UrllibTransport()
        self._ids = itertools.count(1)
        self._headers = {"Content-Type": "application/json"}
        if user is not None:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"

    def call(self, method: str, params: Sequence[JsonValue] = ()) -> JsonValue:
        """The `result` of one call. Raises NodeError for transport failures,
        HTTP errors without a JSON-RPC body, error objects and malformed replies;
        MethodUnavailable when the node lacks the method."""
        request_id = next(self._ids)
        payload = json.dumps(
            {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)},
            default=str,
        ).encode()
        response = self._transport("POST", self.url, payload, self._headers)
        try:
            reply = load_json_bytes(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise NodeError(
                f"{method}: HTTP {response.status} with a reply that is not JSON"
            ) from exc
        if not isinstance(reply, Mapping):
            raise NodeError(f"{method}: reply is not a JSON-RPC object")
        error = reply.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, Mapping) else error
            code = error.get("code") if isinstance(error, Mapping) else None
            if code == -32601 or _UNAVAILABLE.search(str(message)):
                raise MethodUnavailable(f"{method}: the node does not offer it ({message})")
            raise NodeError(f"{method}: node error: {message}")
        if response.status >= 400:
            raise NodeError(f"{method}: HTTP {response.status}")
        if "result" not in reply:
            raise NodeError(f"{method}: reply has no result")
        if reply.get("id") not in (request_id, None):
            raise NodeError(f"{method}: reply id {reply.get('id')!r} does not match {request_id}")
        return reply["result"]
