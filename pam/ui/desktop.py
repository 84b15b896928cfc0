"""Desktop integration: the menu entry, the icon and the "start on login" autostart entry.

``packaging/pam.desktop`` is the one template; entries written here fill in the command that
starts this PAM (the console script, ``python -m pam`` in a checkout, or a PyInstaller bundle)
and the icon's path. ``python -m pam.ui.desktop install`` adds PAM to the user's app menu.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path

from pam import paths
from pam.errors import ConfigError

ENTRY = "pam.desktop"


def packaging_dir() -> Path:
    """``packaging/`` of the checkout, or of a PyInstaller bundle (whose root is the project root)."""
    return paths.project_root() / "packaging"


def _xdg_config() -> Path:
    """The desktop's config dir, under PAM_HOME when it is set (tests never touch the real home)."""
    home = os.environ.get("PAM_HOME")
    return Path(home) / "desktop-config" if home else Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def _xdg_data() -> Path:
    home = os.environ.get("PAM_HOME")
    return (
        Path(home) / "desktop-data" if home else Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share")
    )


def autostart_dir() -> Path:
    return _xdg_config() / "autostart"


def applications_dir() -> Path:
    return _xdg_data() / "applications"


def launch_command() -> list[str]:
    """The command that starts this PAM in the tray."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.executable).with_name("pam")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "pam"]


def entry_text(command: list[str], icon: Path, autostart: bool = False) -> str:
    lines = []
    for line in (packaging_dir() / ENTRY).read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(shlex.quote(part) for part in command)
        elif line.startswith("Icon="):
            line = f"Icon={icon}"
        lines.append(line)
    if autostart:
        lines.append("X-GNOME-Autostart-enabled=true")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"Cannot write {path} ({err.strerror}); check that folder's permissions.") from err


def set_autostart(enabled: bool) -> Path:
    """Write or remove the login entry; returns its path."""
    path = autostart_dir() / ENTRY
    if enabled:
        _write(path, entry_text(launch_command(), packaging_dir() / "pam.svg", autostart=True))
    else:
        try:
            path.unlink(missing_ok=True)
        except OSError as err:
            raise ConfigError(f"Cannot remove {path} ({err.strerror}); delete it by hand.") from err
    return path


def install_menu_entry() -> Path:
    """Add PAM to the app menu (the icon is copied next to the entry's data dir)."""
    icons = _xdg_data() / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True, exist_ok=True)
    icon = icons / "pam.svg"
    shutil.copyfile(packaging_dir() / "pam.svg", icon)
    path = applications_dir() / ENTRY
    _write(path, entry_text(launch_command(), icon))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pam.ui.desktop", description=__doc__)
    parser.add_argument("action", choices=["install", "autostart-on", "autostart-off"])
    args = parser.parse_args(argv)
    if args.action == "install":
        print(f"Added PAM to the app menu: {install_menu_entry()}")
    else:
        on = args.action == "autostart-on"
        print(f"{'Wrote' if on else 'Removed'} {set_autostart(on)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
