"""PAM: a local-first desktop voice assistant for RV travellers."""

__version__ = "0.1.0"
