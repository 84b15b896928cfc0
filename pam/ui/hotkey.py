"""The global push-to-talk key, on X11: a passive grab on the root window through Xlib (ctypes),
on a display connection of its own whose socket a QSocketNotifier watches, so key presses
arrive on the Qt main thread without polling. Qt has no global shortcuts, and Wayland gives
apps none: there the desktop's own shortcut settings are the way (see docs/tray.md)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import time

from PySide6.QtCore import QObject, QSocketNotifier, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence

from pam.errors import ConfigError

SHIFT, LOCK, CONTROL, MOD1, MOD2, MOD4 = 1, 2, 4, 8, 16, 64  # Xlib modifier masks (MOD2 = Num Lock)
KEY_PRESS = 2
GRAB_ASYNC = 1
REPEAT_GAP_S = 0.5  # a held key repeats: presses closer together than this are one press

# Qt's portable key names that Xlib spells differently
_X_NAMES = {"Space": "space", "Esc": "Escape", "Ins": "Insert", "Del": "Delete", "PgUp": "Prior", "PgDown": "Next"}
_MODIFIERS = {
    Qt.KeyboardModifier.ShiftModifier: SHIFT,
    Qt.KeyboardModifier.ControlModifier: CONTROL,
    Qt.KeyboardModifier.AltModifier: MOD1,
    Qt.KeyboardModifier.MetaModifier: MOD4,
}


class _XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("pad", ctypes.c_long * 24)]


_ErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def parse(sequence: str) -> tuple[int, str]:
    """``"Ctrl+Alt+Space"`` → (Xlib modifier mask, Xlib key name)."""
    keys = QKeySequence(sequence)
    if keys.isEmpty() or keys.count() != 1:
        raise ConfigError(f"The hotkey {sequence!r} is not one key combination; use e.g. Ctrl+Alt+Space.")
    combo = keys[0]  # type: ignore[index]  # PySide6 has operator[]; its stubs lack it
    mask = 0
    for qt_mod, x_mod in _MODIFIERS.items():
        if combo.keyboardModifiers() & qt_mod:
            mask |= x_mod
    name = QKeySequence(combo.key()).toString(QKeySequence.SequenceFormat.PortableText)
    name = _X_NAMES.get(name, name)
    return mask, name.lower() if len(name) == 1 else name


def unavailable_reason() -> str | None:
    """Why no global key can be grabbed here, or None when it can."""
    if QGuiApplication.platformName() != "xcb" or not os.environ.get("DISPLAY"):
        return (
            "Global hotkeys work on X11 only; on Wayland bind a shortcut in your desktop's keyboard "
            "settings to open PAM's menu instead."
        )
    if ctypes.util.find_library("X11") is None:
        return "Global hotkeys need the X11 library (Debian: libx11-6)."
    return None


class GlobalHotkey(QObject):
    pressed = Signal()

    def __init__(self, sequence: str) -> None:
        super().__init__()
        reason = unavailable_reason()
        if reason:
            raise ConfigError(reason)
        self.sequence = sequence
        self._mask, name = parse(sequence)
        x = ctypes.CDLL(ctypes.util.find_library("X11"))
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XStringToKeysym.restype = ctypes.c_ulong
        x.XStringToKeysym.argtypes = [ctypes.c_char_p]
        x.XKeysymToKeycode.restype = ctypes.c_ubyte
        x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x.XGrabKey.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_ulong,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
        ]
        x.XUngrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        x.XSetErrorHandler.restype = ctypes.c_void_p
        x.XSetErrorHandler.argtypes = [ctypes.c_void_p]
        x.XConnectionNumber.argtypes = [ctypes.c_void_p]
        x.XPending.argtypes = [ctypes.c_void_p]
        x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_XEvent)]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self._x = x
        keysym = x.XStringToKeysym(name.encode())
        if not keysym:
            raise ConfigError(f"The hotkey {sequence!r} uses a key X11 does not know; pick another in Settings.")
        self._display = x.XOpenDisplay(None)
        if not self._display:
            raise ConfigError("Cannot open the X display for the hotkey; check DISPLAY.")
        self._keycode = x.XKeysymToKeycode(self._display, keysym)
        self._root = x.XDefaultRootWindow(self._display)
        if not self._keycode or not self._grab():
            x.XCloseDisplay(self._display)
            self._display = None
            raise ConfigError(
                f"The hotkey {sequence} is taken by another program (or the keyboard has no such key); "
                "pick another in Settings."
            )
        self._last_press = 0.0
        self._event = _XEvent()
        self._notifier = QSocketNotifier(x.XConnectionNumber(self._display), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)

    def _variants(self) -> list[int]:
        # a grab matches modifiers exactly: also grab with Caps Lock and Num Lock on
        return [self._mask | extra for extra in (0, LOCK, MOD2, LOCK | MOD2)]

    def _grab(self) -> bool:
        """Grab every variant; False (and nothing grabbed) if X refused any (BadAccess: taken)."""
        failures: list[int] = []

        def on_error(display: int, error: int) -> int:
            failures.append(error)
            return 0

        handler = _ErrorHandler(on_error)
        previous = self._x.XSetErrorHandler(ctypes.cast(handler, ctypes.c_void_p))
        try:
            for mask in self._variants():
                self._x.XGrabKey(self._display, self._keycode, mask, self._root, 1, GRAB_ASYNC, GRAB_ASYNC)
            self._x.XSync(self._display, 0)  # errors arrive asynchronously: collect them now
            if failures:
                self._ungrab()
                self._x.XSync(self._display, 0)
        finally:
            self._x.XSetErrorHandler(previous)
        return not failures

    def _ungrab(self) -> None:
        for mask in self._variants():
            self._x.XUngrabKey(self._display, self._keycode, mask, self._root)

    def _drain(self) -> None:
        while self._display and self._x.XPending(self._display):
            self._x.XNextEvent(self._display, ctypes.byref(self._event))
            if self._event.type != KEY_PRESS:
                continue
            now = time.monotonic()
            held = now - self._last_press < REPEAT_GAP_S
            self._last_press = now
            if not held:
                self.pressed.emit()

    def close(self) -> None:
        if self._display:
            self._notifier.setEnabled(False)
            self._ungrab()
            self._x.XCloseDisplay(self._display)
            self._display = None
