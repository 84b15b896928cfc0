"""A virtual X server with a system tray, for testing the tray app on machines with no screen.

``Xvfb`` picks a free display number itself (``-displayfd``); ``trayer`` docks tray icons in
a panel at the top right. ``xdotool`` clicks and types, ``import`` (ImageMagick) takes
screenshots. Both processes are stopped by the PIDs saved at start, never by name.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType

from pam.audio.testing_pulse import end_process

TOOLS = ("Xvfb", "trayer", "xdotool", "xwininfo", "import")


def available() -> bool:
    return all(shutil.which(tool) for tool in TOOLS)


class VirtualDisplay:
    def __init__(self, width: int = 1024, height: int = 768) -> None:
        self.size = (width, height)
        self.display = ""
        self.env: dict[str, str] = {}
        self._procs: list[subprocess.Popen[bytes]] = []

    def start(self, timeout_s: float = 20.0) -> None:
        read_fd, write_fd = os.pipe()
        width, height = self.size
        self._procs.append(
            subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                pass_fds=(write_fd,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"
        self.env = {**os.environ, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}
        self.env.pop("WAYLAND_DISPLAY", None)
        trayer = (
            "trayer --edge top --align right --widthtype request --height 32 --SetDockType true --transparent false"
        )
        self._procs.append(
            subprocess.Popen(trayer.split(), env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        deadline = time.monotonic() + timeout_s
        while self.panel() is None:
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("trayer did not start on the virtual display")
            time.sleep(0.1)

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=20)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def xdotool(self, *args: str) -> str:
        return self.run("xdotool", *args)

    def panel(self) -> str | None:
        """trayer's panel window id, once it is mapped."""
        found = self.run("xdotool", "search", "--onlyvisible", "--name", "^panel$", check=False).split()
        return found[0] if found else None

    def windows(self) -> list[tuple[str, str, str, tuple[int, int, int, int]]]:
        """Every window: (id, name, class, (x, y, width, height) on screen)."""
        out = []
        line = re.compile(
            r'^\s*(0x[0-9a-f]+) (?:"(.*?)"|\(has no name\)): \((.*?)\)\s+(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)'
        )
        for text in self.run("xwininfo", "-root", "-tree").splitlines():
            m = line.match(text)
            if m:
                wid, name, cls, w, h, x, y = m.groups()
                out.append((wid, name or "", cls, (int(x), int(y), int(w), int(h))))
        return out

    def tray_icon(self, wm_class: str) -> tuple[int, int] | None:
        """The centre of the docked icon of the app with ``wm_class``, or None while there is none."""
        panel = self.panel()
        if panel is None:
            return None
        px, py, pw, ph = next((g for wid, _, _, g in self.windows() if int(wid, 16) == int(panel)), (0, 0, 0, 0))
        for _, _, cls, (x, y, w, h) in self.windows():
            inside = px <= x < px + pw and py <= y < py + ph
            if inside and f'"{wm_class}"' in cls and w > 1 and h > 1:
                return x + w // 2, y + h // 2
        return None

    def click(self, x: int, y: int, button: int = 1) -> None:
        self.xdotool("mousemove", str(x), str(y), "click", str(button))

    def screenshot(self, path: Path) -> Path:
        self.run("import", "-window", "root", str(path))
        return path

    def stop(self) -> None:
        for proc in reversed(self._procs):
            end_process(proc)
        self._procs = []

    def __enter__(self) -> VirtualDisplay:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def artifact_dir(name: str) -> Path:
    """``tests/artifacts/<name>`` for screenshots a person looks at after a run (git-ignored)."""
    root = Path(os.environ.get("PAM_TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "tests" / "artifacts")
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    ignore = root / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return folder
