"""What went wrong online, in the router's terms: API error events and transport exceptions →
``OnlineError(kind, detail, retry_after_s)``. Pure functions of the error values."""

from __future__ import annotations

import re

from openai import OpenAIError
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from pam.engines.realtime.events import ServerError
from pam.engines.router import FailureKind, OnlineError

# "Please try again in 1.234s" / "in 20ms" in rate-limit messages
_TRY_AGAIN = re.compile(r"try again in (\d+(?:\.\d+)?)\s*(ms|s)\b", re.IGNORECASE)


def _kind_of(text: str) -> FailureKind | None:
    """The kind named by an error code, type or close reason (they share the same vocabulary)."""
    text = text.lower()
    if "invalid_api_key" in text or "authentication" in text or "unauthorized" in text:
        return FailureKind.AUTH
    if "insufficient_quota" in text:
        return FailureKind.QUOTA
    if "rate_limit" in text:
        return FailureKind.RATE_LIMIT
    return None


def retry_after_from_message(message: str) -> float | None:
    match = _TRY_AGAIN.search(message)
    if match is None:
        return None
    value = float(match.group(1))
    return value / 1000.0 if match.group(2).lower() == "ms" else value


def from_server_error(error: ServerError) -> OnlineError:
    kind = _kind_of(error.code) or _kind_of(error.type) or FailureKind.SERVER
    retry = retry_after_from_message(error.message) if kind is FailureKind.RATE_LIMIT else None
    return OnlineError(kind, f"{error.type}/{error.code}: {error.message}", retry)


def _retry_after_header(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:  # an HTTP date: rare enough to fall back to PAM's own backoff
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def from_exception(err: BaseException, url: str = "") -> OnlineError:
    """A connect or socket failure as the router sees it."""
    if isinstance(err, OnlineError):
        return err
    if isinstance(err, InvalidStatus):
        status = err.response.status_code
        if status in (401, 403):
            return OnlineError(FailureKind.AUTH, f"HTTP {status} from {url}")
        if status == 429:
            retry = _retry_after_header(err.response.headers.get("Retry-After"))
            return OnlineError(FailureKind.RATE_LIMIT, f"HTTP 429 from {url}", retry)
        return OnlineError(FailureKind.SERVER, f"HTTP {status} from {url}")
    if isinstance(err, ConnectionClosed):
        frame = err.rcvd
        reason = frame.reason if frame is not None else ""
        kind = _kind_of(reason) or FailureKind.DROPPED
        code = frame.code if frame is not None else 1006
        return OnlineError(kind, f"connection closed ({code} {reason})".strip())
    if isinstance(err, TimeoutError | OSError | InvalidHandshake | InvalidURI):
        return OnlineError(FailureKind.NETWORK, f"cannot connect to {url}: {type(err).__name__}: {err}")
    if isinstance(err, OpenAIError):
        return OnlineError(FailureKind.DROPPED, f"{type(err).__name__}: {err}")
    return OnlineError(FailureKind.SERVER, f"{type(err).__name__}: {err}")
