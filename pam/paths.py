"""Where PAM keeps its files (XDG dirs through platformdirs; PAM_HOME moves them all, for tests)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "pam"


def _root(kind: str) -> Path | None:
    home = os.environ.get("PAM_HOME")
    return Path(home) / kind if home else None


def config_dir() -> Path:
    return _root("config") or Path(platformdirs.user_config_dir(APP))


def data_dir() -> Path:
    return _root("data") or Path(platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    return _root("cache") or Path(platformdirs.user_cache_dir(APP))


def log_dir() -> Path:
    return _root("log") or Path(platformdirs.user_log_dir(APP))


def config_file() -> Path:
    return Path(os.environ.get("PAM_CONFIG") or config_dir() / "config.toml")


def project_root() -> Path:
    """The source checkout (models/ and resources/ live beside the package)."""
    return Path(__file__).resolve().parent.parent
