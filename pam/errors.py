"""Errors that reach the user as one sentence saying what is wrong and what to do."""

from __future__ import annotations


class PamError(Exception):
    """An error the user can act on. ``str(err)`` is the sentence shown to them."""

    exit_code = 1


class ConfigError(PamError):
    exit_code = 2


class AudioError(PamError):
    pass


class ModelError(PamError):
    pass


class StoreError(PamError):
    pass


class InputFileError(PamError):
    pass
