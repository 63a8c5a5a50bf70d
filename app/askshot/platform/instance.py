"""One Askshot per user (and per ASKSHOT_HOME): where its lock and socket live, the one-line
message a second start sends to the running instance, and the client that sends it.

Only cheap standard modules (no Qt, no dataclasses, pathlib or hashlib: together they would
cost a desktop shortcut bound to `askshot --capture` some 30 ms before the message leaves).
Uniqueness comes from the lock file the instance holds (see instance_server); the socket only
carries commands. The runtime folder is private (0700) and the socket 0600; a message that is
malformed, too long, of another protocol version or names an unknown command is refused and
runs nothing.

    {"v": 1, "cmd": "capture", "token": "<XDG_ACTIVATION_TOKEN or DESKTOP_STARTUP_ID>"}\\n
    -> "ok\\n", "ok <one line of JSON>\\n" (status) or "error: <sentence>\\n"
"""

from __future__ import annotations

import json
import os
import socket
import stat
import sys
import time
import zlib
from collections.abc import Callable, Mapping

TYPE_CHECKING = False  # typing itself would cost the client 5 ms
if TYPE_CHECKING:
    from typing import Literal

    Command = Literal["show", "new-chat", "capture", "quick-ask", "background", "status"]

PROTOCOL = 1
MAX_LINE = 4096  # bytes: a message is small; anything longer is refused
CONNECT_TIMEOUT = 0.5  # seconds to reach a listening instance
REPLY_TIMEOUT = 5.0  # seconds for its answer (it is busy painting, at worst)

COMMANDS: tuple[Command, ...] = ("show", "new-chat", "capture", "quick-ask", "background", "status")


class Message:
    """A command for the running instance, and the activation token the launcher gave this
    process (so the instance may take the focus with it)."""

    __slots__ = ("cmd", "token")

    def __init__(self, cmd: Command, token: str = "") -> None:
        self.cmd: Command = cmd
        self.token = token

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.cmd, self.token) == (other.cmd, other.token)

    def __hash__(self) -> int:
        return hash((self.cmd, self.token))

    def __repr__(self) -> str:
        return f"Message({self.cmd!r})"

    def encode(self) -> bytes:
        return (json.dumps({"v": PROTOCOL, "cmd": self.cmd, "token": self.token}) + "\n").encode()


def decode(line: bytes) -> Message | None:
    """The message in one line, or None for anything malformed, too long, of another protocol
    version or with an unknown command."""
    if len(line) > MAX_LINE:
        return None
    try:
        obj = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(obj, dict) or obj.get("v") != PROTOCOL:
        return None
    cmd, token = obj.get("cmd"), obj.get("token", "")
    if not isinstance(token, str) or len(token) > 512:
        return None
    for known in COMMANDS:
        if cmd == known:
            return Message(known, token)
    return None


def activation_token(env: Mapping[str, str]) -> str:
    """What the launcher gave this process to take the focus with (Wayland, then X11)."""
    return env.get("XDG_ACTIVATION_TOKEN", "") or env.get("DESKTOP_STARTUP_ID", "")


# -- where --------------------------------------------------------------------------------------


class Address:
    """The instance's local socket (a path; a pipe name on Windows) and its lock file."""

    __slots__ = ("lock", "socket")

    def __init__(self, socket_name: str, lock: str) -> None:
        self.socket = socket_name
        self.lock = lock


def address(env: Mapping[str, str] | None = None) -> Address:
    """One address per user and per ASKSHOT_HOME (a test or a second profile runs its own)."""
    env = os.environ if env is None else env
    user = _user(env)
    home = env.get("ASKSHOT_HOME", "")
    key = f"{zlib.crc32(f'{user}|{home}'.encode()):08x}"
    if sys.platform == "win32":
        base = os.path.join(env.get("LOCALAPPDATA") or env.get("TEMP") or ".", "Askshot")
        return Address(f"askshot-{user}-{key}", os.path.join(base, f"askshot-{key}.lock"))
    folder = runtime_dir(env)
    return Address(
        os.path.join(folder, f"askshot-{key}.sock"), os.path.join(folder, f"askshot-{key}.lock")
    )


def _user(env: Mapping[str, str]) -> str:
    if hasattr(os, "getuid"):
        return str(os.getuid())
    return env.get("USERNAME", "user")


def runtime_dir(env: Mapping[str, str]) -> str:
    """$XDG_RUNTIME_DIR/askshot (private to the user), else a folder of ours in the temp dir.
    Created 0700; refused when another user owns it."""
    base = env.get("XDG_RUNTIME_DIR", "")
    if base.startswith("/"):
        folder = os.path.join(base, "askshot")
    else:
        uid = os.getuid() if hasattr(os, "getuid") else 0
        folder = os.path.join(env.get("TMPDIR") or "/tmp", f"askshot-{uid}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.stat(folder)
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise PermissionError(f"{folder} belongs to another user")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


# -- the client ---------------------------------------------------------------------------------


class Reply:
    __slots__ = ("ok", "text")

    def __init__(self, ok: bool, text: str) -> None:
        self.ok = ok
        self.text = text  # the sentence of an error, or the JSON of a status


def send(message: Message, env: Mapping[str, str] | None = None) -> Reply | None:
    """Hand `message` to the running instance; None when none listens."""
    try:
        target = address(env).socket
        if sys.platform == "win32":
            return _send_pipe(target, message)
        return _send_unix(target, message)
    except OSError:
        return None


def send_waiting(
    message: Message, env: Mapping[str, str] | None = None, wait: float = 5.0
) -> Reply | None:
    """As `send`, retrying for `wait` seconds: for a second start while the first one (which
    holds the lock) is still setting up its socket."""
    deadline = time.monotonic() + wait
    while True:
        reply = send(message, env)
        if reply is not None or time.monotonic() >= deadline:
            return reply
        time.sleep(0.05)


def _send_unix(path: str, message: Message) -> Reply | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(path)
        sock.settimeout(REPLY_TIMEOUT)
        sock.sendall(message.encode())
        return _reply(_read_line(sock.recv))
    finally:
        sock.close()


def _send_pipe(name: str, message: Message) -> Reply | None:
    with open(rf"\\.\pipe\{name}", "r+b", buffering=0) as pipe:
        pipe.write(message.encode())
        return _reply(_read_line(pipe.read))


def _read_line(read: Callable[[int], bytes]) -> bytes:
    data = b""
    while not data.endswith(b"\n") and len(data) <= MAX_LINE:
        piece = read(MAX_LINE)
        if not piece:
            break
        data += piece
    return data


def _reply(data: bytes) -> Reply | None:
    line = data.decode("utf-8", "replace").strip()
    if line == "ok" or line.startswith("ok "):
        return Reply(True, line[3:])
    if line.startswith("error: "):
        return Reply(False, line[len("error: ") :])
    return None


def exit_code(reply: Reply | None) -> int:
    """The exit code (and sentence on stderr) for a command the running instance took (0) or
    refused (1); None: one holds the lock but does not answer (1)."""
    if reply is None:
        print(
            "askshot: another Askshot is starting but does not answer. Try again in a moment.",
            file=sys.stderr,
        )
        return 1
    if not reply.ok:
        print(f"askshot: {reply.text}", file=sys.stderr)
        return 1
    return 0
