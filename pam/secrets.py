"""The OpenAI API key: read from the environment or the desktop keyring, never from the config file.

PAM keeps the key in memory only and never writes it anywhere. Every log record in the process
(PAM's, the SDK's, websockets' header dumps) passes through a redactor that blanks anything that
looks like an OpenAI key and the exact key PAM loaded, so a key cannot reach a log file or a bug
report. The redactor is installed the moment a key is loaded, and ``install_log_redaction()``
lets the app install it at start-up too.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import traceback
from collections.abc import Mapping
from typing import Any

from pam.errors import ConfigError

log = logging.getLogger(__name__)

KEY_ENV = "OPENAI_API_KEY"
KEYRING_SERVICE = "pam"
KEYRING_USER = "openai_api_key"
REDACTED = "sk-…[redacted]"

# OpenAI keys: sk-…, sk-proj-…, sk-svcacct-…, sk-admin-…; the minimum length avoids eating words like "sk-8".
_KEY_PATTERN = re.compile(r"sk-[A-Za-z0-9_\-]{8,}")

_known: set[str] = set()
_install_lock = threading.Lock()
_installed = False


def redact(text: str) -> str:
    """``text`` with OpenAI-looking keys and every key PAM has loaded replaced by a marker."""
    for secret in _known:
        text = text.replace(secret, REDACTED)
    return _KEY_PATTERN.sub(REDACTED, text)


def _needs_redaction(text: str) -> bool:
    return any(secret in text for secret in _known) or _KEY_PATTERN.search(text) is not None


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's problem to report, not ours
        message = str(record.msg)
    if _needs_redaction(message):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if _needs_redaction(text):
            # formatters print exc_text when it is set, so the raw traceback is never rendered
            record.exc_text = redact(text)
    if record.stack_info and _needs_redaction(record.stack_info):
        record.stack_info = redact(record.stack_info)


def install_log_redaction() -> None:
    """Redact keys in every log record created from now on, whichever logger or handler sees it."""
    global _installed
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        # a record factory (not a handler filter) so records are clean before any handler,
        # including ones added later by libraries or pytest, can see them
        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _redact_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def protect(key: str) -> str:
    """Make sure ``key`` never appears in a log record (called by whatever holds a key)."""
    install_log_redaction()
    _known.add(key)
    return key


def _keyring_key() -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
    except (KeyringError, RuntimeError, OSError) as err:  # no desktop keyring (headless, locked, no D-Bus)
        log.debug("no key from the keyring: %s", type(err).__name__)
        return None


def api_key(environ: Mapping[str, str] | None = None, use_keyring: bool = True) -> str | None:
    """The key from ``OPENAI_API_KEY``, else from the desktop keyring; None when neither has one."""
    env = os.environ if environ is None else environ
    key = (env.get(KEY_ENV) or "").strip()
    if not key and use_keyring:
        key = (_keyring_key() or "").strip()
    return protect(key) if key else None


def store_api_key(key: str) -> None:
    """Save the key in the desktop keyring (``pam key set``); raises ConfigError when there is none."""
    key = key.strip()
    if not key:
        raise ConfigError("The API key is empty; paste the whole key (it starts with sk-).")
    protect(key)
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, KEYRING_USER, key)
    except (KeyringError, RuntimeError, OSError) as err:
        raise ConfigError(
            f"No desktop keyring is available to store the key ({type(err).__name__}); "
            f"set the {KEY_ENV} environment variable instead."
        ) from err


def forget_api_key() -> None:
    """Remove the stored key from the keyring (nothing happens when none is stored)."""
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
    except PasswordDeleteError:
        pass
    except (KeyringError, RuntimeError, OSError) as err:
        raise ConfigError(f"The desktop keyring cannot be changed ({type(err).__name__}).") from err
