"""API keys in the OS keyring (service "askshot", username = provider id), never in a file.

Where a key comes from, first match wins:

1. the provider's environment variable (``OPENAI_API_KEY`` for openai, ``OPENROUTER_API_KEY``
   for openrouter). The custom provider reads no variable: an OpenAI key must never be sent to a
   server the user set up for something else, so its key lives only in the keyring or memory;
2. this session's memory, used only when no secure keyring could take the key;
3. the OS keyring: macOS Keychain, Windows Credential Locker, Secret Service or KWallet.

Backends that keep keys unprotected (``keyrings.alt`` plaintext files, ``keyring.backends.null``,
anything keyring itself does not recommend) are refused: the key stays in memory instead, and
the user is told how to get a real keyring. Nothing here ever puts the key into an exception,
a repr or a log line.
"""

from __future__ import annotations

import contextlib
import logging
import os
import traceback
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import keyring
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

from askshot.core.errors import CredentialError, scrub
from askshot.core.providers import PROVIDERS, Provider, key_from_env

log = logging.getLogger(__name__)

SERVICE = "askshot"

SourceKind = Literal["env", "keyring", "memory", "none"]

NO_KEYRING = "No secure keyring"

# Human names for the backends keyring ships; others fall back to keyring's own display name.
_BACKEND_NAMES = {
    "keyring.backends.SecretService.Keyring": "Secret Service",
    "keyring.backends.libsecret.Keyring": "Secret Service",
    "keyring.backends.macOS.Keyring": "macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Locker",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet 4",
}

# Which program owns org.freedesktop.secrets, by the start of its /proc/<pid>/comm.
_SECRET_SERVICE_DAEMONS = (
    ("gnome-keyring", "GNOME Keyring"),
    ("kwalletd", "KWallet"),
    ("keepassxc", "KeePassXC"),
)

_T = TypeVar("_T")


@dataclass(frozen=True)
class KeySource:
    """Where a provider's key comes from. It never holds the key, so its repr is safe to log.

    kind  "env", "keyring", "memory" or "none"
    where the variable name, the keyring's human name, "memory" or ""
    note  a sentence for the user when something needs their attention, else None
    """

    kind: SourceKind
    where: str
    note: str | None = None

    @property
    def sentence(self) -> str:
        if self.kind == "env":
            text = f"The key comes from the {self.where} environment variable."
        elif self.kind == "keyring":
            text = f"The key is stored in {self.where}."
        elif self.kind == "memory":
            text = "The key is kept in memory for this session only."
        else:
            text = "No API key is set."
        return f"{text} {self.note}" if self.note else text

    def __str__(self) -> str:
        return self.sentence


def key_env(provider_id: str) -> str | None:
    """The environment variable that overrides the keyring for this provider, if any."""
    return _provider(provider_id).key_env


def validate_key(key: str) -> str:
    """Strip surrounding whitespace and refuse what cannot be an API key, with a sentence."""
    if not isinstance(key, str):
        raise CredentialError("The API key must be text.")
    cleaned = key.strip()
    if not cleaned:
        raise CredentialError("The API key is empty. Paste the key from your provider's website.")
    for ch in cleaned:
        if ch.isspace() or unicodedata.category(ch).startswith("C"):
            raise CredentialError(
                "The API key contains spaces, line breaks or control characters. "
                "Copy it again and paste only the key."
            )
        if not ch.isascii():
            raise CredentialError(
                "The API key contains characters that are not plain letters, digits or "
                "punctuation. Copy it again and paste only the key."
            )
    return cleaned


class KeyStore:
    """API keys per provider: environment, then session memory, then the OS keyring.

    ``backend`` is a keyring backend to use (default: the one keyring detects or the user
    configured); ``env`` the environment to read (default: ``os.environ`` at each call).
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._backend = backend
        self._env = env
        self._memory: dict[str, str] = {}
        self._memory_notes: dict[str, str] = {}
        self._names: dict[type[KeyringBackend], str] = {}

    def __repr__(self) -> str:
        backend = type(self._backend).__name__ if self._backend is not None else "default"
        return f"KeyStore(backend={backend}, in_memory={sorted(self._memory)})"

    # -- public API ---------------------------------------------------------------------------

    def get(self, provider_id: str) -> str | None:
        """The key to use, or None when there is none. Raises CredentialError if the keyring
        fails."""
        _provider(provider_id)
        from_env = self._env_key(provider_id)
        if from_env:
            return from_env
        if provider_id in self._memory:
            return self._memory[provider_id]
        backend, _ = self._resolve()
        if backend is None:
            return None
        value = self._call(backend, "read", lambda: backend.get_password(SERVICE, provider_id))
        return (value.strip() or None) if value else None

    def source(self, provider_id: str) -> KeySource:
        """Where the key for this provider comes from (does not return the key)."""
        _provider(provider_id)
        var = key_env(provider_id)
        if var and self._env_key(provider_id):
            return KeySource("env", var)
        if provider_id in self._memory:
            return KeySource("memory", "memory", self._memory_notes.get(provider_id))
        backend, reason = self._resolve()
        if backend is None:
            return KeySource("none", "", _no_keyring_note(reason, var))
        value = self._call(backend, "read", lambda: backend.get_password(SERVICE, provider_id))
        if value:
            return KeySource("keyring", self._name(backend))
        return KeySource("none", self._name(backend))

    def set(self, provider_id: str, key: str) -> KeySource:
        """Store a key. Without a working secure keyring it is kept in memory for this session,
        and the returned source's note says why and how to fix that."""
        _provider(provider_id)
        key = validate_key(key)
        var = key_env(provider_id)
        override = (
            f"The {var} environment variable is set and takes precedence over this key."
            if var and self._env_key(provider_id)
            else None
        )
        backend, reason = self._resolve()
        if backend is not None:
            try:
                backend.set_password(SERVICE, provider_id, key)
            except Exception as exc:
                reason = _failure(self._name(backend), exc, key)
                log.warning("could not store the %s key in the keyring: %s", provider_id, reason)
            else:
                self._memory.pop(provider_id, None)
                self._memory_notes.pop(provider_id, None)
                return KeySource("keyring", self._name(backend), override)
        note = _memory_note(reason, var)
        if override:
            note = f"{note} {override}"
        self._memory[provider_id] = key
        self._memory_notes[provider_id] = note
        return KeySource("memory", "memory", note)

    def delete(self, provider_id: str) -> bool:
        """Forget the stored key (memory and keyring). True if there was one. The environment
        variable, if set, is not ours to change and keeps working."""
        _provider(provider_id)
        removed = self._memory.pop(provider_id, None) is not None
        self._memory_notes.pop(provider_id, None)
        backend, _ = self._resolve()
        if backend is None:
            return removed

        def delete() -> bool:
            try:
                backend.delete_password(SERVICE, provider_id)
            except PasswordDeleteError:  # nothing stored under that name
                return False
            return True

        return self._call(backend, "delete", delete) or removed

    def backend_name(self) -> str:
        """The keyring's human name, e.g. "Secret Service (GNOME Keyring)" or "macOS Keychain";
        "No secure keyring" when none can be used."""
        backend, _ = self._resolve()
        return NO_KEYRING if backend is None else self._name(backend)

    def available(self) -> bool:
        """True when a secure keyring can be used (it may still be locked)."""
        return self._resolve()[0] is not None

    # -- internals ----------------------------------------------------------------------------

    def _env_key(self, provider_id: str) -> str | None:
        env = os.environ if self._env is None else self._env
        return key_from_env(_provider(provider_id), env) or None

    def _resolve(self) -> tuple[KeyringBackend | None, str]:
        """The secure backend to use, or None and the reason there is none."""
        try:
            backend = self._backend if self._backend is not None else keyring.get_keyring()
        except Exception as exc:  # a broken keyringrc or backend plugin
            return None, f"the keyring could not be loaded: {_describe(exc)}"
        if isinstance(backend, ChainerBackend):
            try:
                chained = list(backend.backends)
            except Exception as exc:
                return None, f"the keyring could not be loaded: {_describe(exc)}"
            usable = [b for b in chained if refusal(b) is None]
            if not usable:
                return None, "no keyring backend is installed or running"
            return usable[0], ""
        reason = refusal(backend)
        return (None, reason) if reason else (backend, "")

    def _name(self, backend: KeyringBackend) -> str:
        name = self._names.get(type(backend))
        if name is None:
            name = backend_display_name(backend)
            if name != "Secret Service":  # the bare name: its daemon may show up later
                self._names[type(backend)] = name
        return name

    def _call(self, backend: KeyringBackend, action: str, op: Callable[[], _T]) -> _T:
        try:
            return op()
        except Exception as exc:
            name = self._name(backend)
            if _is_locked(exc):
                message = (
                    f"Could not {action} the API key: {name} is locked. Unlock it (for example "
                    "by logging in to your desktop session) and try again."
                )
            else:
                message = (
                    f"Could not {action} the API key in {name}: "
                    f"{_describe(exc, *self._memory.values())}. Make sure "
                    "the keyring is running and unlocked, then try again."
                )
            log.warning("keyring %s failed: %s", action, message)
            _release(exc)
        # Outside the except block, so the backend's exception (whose text we do not control)
        # is neither the cause nor the context of ours.
        raise CredentialError(message)


# -- helpers ----------------------------------------------------------------------------------


def _provider(provider_id: str) -> Provider:
    try:
        return PROVIDERS[provider_id]
    except KeyError:
        known = ", ".join(PROVIDERS)
        raise CredentialError(
            f"Unknown provider '{provider_id}'. Known providers: {known}."
        ) from None


def refusal(backend: KeyringBackend) -> str | None:
    """Why this backend must not hold an API key, or None if it is a usable secure keyring."""
    cls = type(backend)
    module = cls.__module__
    qualname = f"{module}.{cls.__qualname__}"
    if module == "keyring.backends.fail":
        return "no keyring backend is installed or running"
    if module == "keyring.backends.null":
        return "the keyring is turned off (keyring.backends.null)"
    if module.split(".")[0] == "keyrings" or "plaintext" in qualname.lower():
        return f"{qualname} would store the key without protection"
    if isinstance(backend, ChainerBackend):
        return None  # judged by what it chains
    try:
        priority = float(cls.priority)
    except Exception as exc:  # keyring signals "not here" with RuntimeError, others vary
        return _describe(exc)
    if priority < 1:
        return f"{qualname} is not a recommended secure keyring"
    return None


def backend_display_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    name = _BACKEND_NAMES.get(f"{cls.__module__}.{cls.__qualname__}")
    if name is None:
        return str(getattr(cls, "name", cls.__qualname__))
    if name == "Secret Service":
        daemon = _secret_service_daemon()
        if daemon:
            return f"{name} ({daemon})"
    return name


def _secret_service_daemon() -> str | None:
    """The program behind org.freedesktop.secrets on this session bus, e.g. "GNOME Keyring"."""
    try:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg

        with open_dbus_connection(bus="SESSION") as conn:
            msg = message_bus.GetConnectionUnixProcessID("org.freedesktop.secrets")
            pid = int(unwrap_msg(conn.send_and_get_reply(msg, timeout=2))[0])
        comm = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
    except Exception:  # not Linux, no bus, nobody owns the name: just say "Secret Service"
        return None
    for prefix, label in _SECRET_SERVICE_DAEMONS:
        if comm.startswith(prefix):
            return label
    return comm or None


def _is_locked(exc: BaseException) -> bool:
    if isinstance(exc, KeyringLocked):
        return True
    return type(exc).__name__ in {"LockedException", "PromptDismissedException"}


def _describe(exc: BaseException, *secrets: str) -> str:
    text = scrub(str(exc).strip(), *secrets).rstrip(".")
    return text or type(exc).__name__


def _failure(name: str, exc: BaseException, key: str) -> str:
    reason = f"{name} is locked" if _is_locked(exc) else f"{name} failed: {_describe(exc, key)}"
    _release(exc)
    return reason


def _no_keyring_note(reason: str, var: str | None) -> str:
    return f"No secure keyring is available ({reason}). {_fix(var)}"


def _memory_note(reason: str, var: str | None) -> str:
    return f"Askshot could not use a secure keyring ({reason}). {_fix(var)}"


def _fix(var: str | None) -> str:
    env = f", or set {var} in the environment" if var else ""
    return (
        "To store keys safely, install and unlock GNOME Keyring or KWallet, or log in to a desktop "
        f"session{env}."
    )


def _release(exc: BaseException) -> None:
    """Close D-Bus connections the failing backend left open and drop the frames' locals.

    keyring's Secret Service backend opens a connection per call and leaks it when the
    collection is locked or missing (it raises before closing). Closing it here keeps the
    socket from reaching the garbage collector (a ResourceWarning) and drops every local of
    the failed call, the key included, so the exception chain holds no secret.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            for value in list(tb.tb_frame.f_locals.values()):
                if type(value).__module__.startswith("jeepney.io"):
                    close = getattr(value, "close", None)
                    if callable(close):
                        with contextlib.suppress(Exception):
                            close()
            tb = tb.tb_next
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
        current = current.__cause__ or current.__context__
