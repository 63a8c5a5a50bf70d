"""Reading a stored API key from the OS keyring in a short-lived child process.

Loading keyring and its Secret Service backend costs the process that does it about 20 MiB for
as long as it runs (keyring brings in ssl, urllib and email; secretstorage brings in
cryptography). The window needs the key once per session, so it asks a child process, which
reads it with the same KeyStore as everything else and exits. The key crosses a pipe between
two processes of the same user, as it crosses D-Bus from the keyring daemon; it is never written
anywhere, and errors carry the KeyStore's sentences, never the child's raw output.

    python -m askshot _read-key PROVIDER   prints {"key": str | null} or {"error": str}
                                       (a frozen build: askshot _read-key PROVIDER)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping

from askshot.core.errors import CredentialError, ReadCancelled, scrub

# A locked keyring may show an unlock prompt: leave the user time to answer it.
TIMEOUT_S = 120.0
_POLL_S = 0.2  # how often a waiting read looks at its cancel event


def child_command(provider_id: str) -> list[str]:
    """How to start the child: Askshot's own entry point with a hidden command."""
    program = (
        [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "askshot"]
    )
    return [*program, "_read-key", provider_id]


def read_key(
    provider_id: str,
    env: Mapping[str, str] | None = None,
    cancel: threading.Event | None = None,
) -> str | None:
    """The key stored for `provider_id`, or None when the keyring holds none (or there is no
    secure keyring). Raises CredentialError with a sentence when the keyring fails, ReadCancelled
    once `cancel` is set. Blocks until the child answers: call it off the GUI thread."""
    child_env = dict(os.environ if env is None else env)
    child_env["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        child = subprocess.Popen(
            child_command(provider_id),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # never shown: it could hold anything
            env=child_env,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),  # Windows: no console
        )
    except OSError as exc:
        raise CredentialError(
            f"Could not start the helper that reads the API key from the keyring ({exc.strerror})."
        ) from None
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            out, _ = child.communicate(timeout=_POLL_S)
            break
        except subprocess.TimeoutExpired:
            cancelled = cancel is not None and cancel.is_set()
            if not cancelled and time.monotonic() < deadline:
                continue
            child.kill()
            child.communicate()
            if cancelled:
                raise ReadCancelled("Reading the API key was cancelled.") from None
            raise CredentialError(
                f"The keyring did not answer within {TIMEOUT_S:.0f} s. If it asked to be "
                "unlocked, unlock it and try again."
            ) from None
    answer = _parse(out)
    if answer is None or child.returncode != 0:
        raise CredentialError(
            "Could not read the API key from the keyring: its helper stopped unexpectedly "
            f"(exit code {child.returncode}). `askshot key status` shows what the keyring says."
        )
    if "error" in answer:
        raise CredentialError(str(answer["error"]))
    key = answer.get("key")
    return key if isinstance(key, str) and key else None


def _parse(out: bytes) -> dict[str, object] | None:
    lines = out.decode("utf-8", "replace").strip().splitlines()
    if not lines:
        return None
    try:
        answer = json.loads(lines[-1])
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def main(argv: list[str]) -> int:
    """The child: read one key with KeyStore and print the answer as one JSON line."""
    if len(argv) != 1:
        print(json.dumps({"error": "usage: askshot _read-key PROVIDER"}))
        return 2
    from askshot.core.keys.store import KeyStore

    store = KeyStore()
    try:
        key = store.get(argv[0])
    except CredentialError as exc:
        answer: dict[str, object] = {"error": exc.message}
    except Exception as exc:  # never let a traceback (which could hold anything) reach stdout
        answer = {"error": f"Could not read the API key from the keyring: {scrub(repr(exc))}"}
    else:
        answer = {"key": key}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    return 0
