"""Logging to a rotating file in the XDG log dir, and crash reports, with secrets redacted.

Both go through ``pam.secrets.redact``, so an API key that ends up in a message or a traceback
is never written to disk.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
import traceback
from pathlib import Path

from pam import paths
from pam.secrets import install_log_redaction, redact


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup(verbose: bool = False) -> Path | None:
    """Warnings to stderr (debug with ``verbose``), info and up to ``pam.log``; returns its path."""
    install_log_redaction()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = RedactingFormatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(fmt)
    root.addHandler(console)
    try:
        paths.log_dir().mkdir(parents=True, exist_ok=True)
        file = logging.handlers.RotatingFileHandler(
            paths.log_dir() / "pam.log", maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None  # a read-only or full disk still lets PAM run
    file.setFormatter(fmt)
    root.addHandler(file)
    return paths.log_dir() / "pam.log"


def write_crash_report(exc: BaseException) -> Path | None:
    text = "".join(traceback.format_exception(exc))
    try:
        paths.log_dir().mkdir(parents=True, exist_ok=True)
        path = paths.log_dir() / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.txt"
        path.write_text(redact(text), encoding="utf-8")
    except OSError:
        return None
    return path
