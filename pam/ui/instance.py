"""One tray per user and data dir: two PAMs would fight over the microphone. Starting PAM again
while it runs sends it a push-to-talk instead (so a desktop shortcut bound to ``pam`` is a
push-to-talk key, also on Wayland) and the second process exits."""

from __future__ import annotations

import hashlib
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from pam import paths

PUSH_TO_TALK = b"push-to-talk\n"
CONNECT_TIMEOUT_MS = 500


def server_name() -> str:
    digest = hashlib.sha1(str(paths.data_dir()).encode()).hexdigest()[:10]
    return f"pam-{os.getuid()}-{digest}"


def notify_running(message: bytes = PUSH_TO_TALK) -> bool:
    """Tell a running PAM ``message``; False when none is running."""
    socket = QLocalSocket()
    socket.connectToServer(server_name())
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(message)
    socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later starts; ``push_to_talk`` fires for each."""

    push_to_talk = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        QLocalServer.removeServer(server_name())  # a socket left by a PAM that crashed
        self._server.listen(server_name())
        self._server.newConnection.connect(self._accept)

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        while socket.canReadLine():
            if bytes(socket.readLine().data()) == PUSH_TO_TALK:
                self.push_to_talk.emit()

    def close(self) -> None:
        self._server.close()
