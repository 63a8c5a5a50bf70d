"""KeyStore against a real Secret Service (gnome-keyring on a private D-Bus session bus)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from keyring.backends import SecretService, fail

from askshot.core import settings as settings_mod
from askshot.core.errors import CredentialError
from askshot.core.keys.store import KeyStore
from askshot.core.paths import Paths
from tests.e2e.conftest import SecretService as RunningSecretService
from tests.e2e.conftest import lookup
from tests.helpers import ROOT

pytestmark = pytest.mark.keyring

KEY = "sk-e2e-Secret0123456789abcdefXYZ"
ENV_KEY = "sk-from-env-0123456789abcdef"
REPO = ROOT


def files_containing(root: Path, needle: str) -> list[Path]:
    data = needle.encode()
    return [p for p in root.rglob("*") if p.is_file() and data in p.read_bytes()]


def test_round_trip_through_secret_service(secret_service_env: dict[str, str]) -> None:
    store = KeyStore(backend=SecretService.Keyring(), env={})
    assert store.available()
    assert store.backend_name() == "Secret Service (GNOME Keyring)"
    assert store.get("openai") is None
    assert store.source("openai").kind == "none"

    saved = store.set("openai", f"  {KEY}\n")
    assert (saved.kind, saved.where, saved.note) == (
        "keyring",
        "Secret Service (GNOME Keyring)",
        None,
    )
    assert store.get("openai") == KEY
    source = store.source("openai")
    assert (source.kind, source.where) == ("keyring", "Secret Service (GNOME Keyring)")
    assert KEY not in repr(source) and KEY not in str(source) and KEY not in repr(store)

    found = lookup(secret_service_env)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == KEY
    assert lookup(secret_service_env, "openrouter").stdout == ""

    # A second store (a new process, in effect) sees the same key.
    assert KeyStore(backend=SecretService.Keyring(), env={}).get("openai") == KEY

    assert store.delete("openai") is True
    assert store.get("openai") is None
    gone = lookup(secret_service_env)
    assert gone.stdout == ""
    assert gone.returncode != 0
    assert store.delete("openai") is False


def test_env_var_overrides_the_keyring(
    secret_service_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = KeyStore(backend=SecretService.Keyring())
    store.set("openai", KEY)
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    assert store.get("openai") == ENV_KEY
    assert (store.source("openai").kind, store.source("openai").where) == (
        "env",
        "OPENAI_API_KEY",
    )
    again = store.set("openai", KEY)
    assert again.kind == "keyring"
    assert again.note is not None and "OPENAI_API_KEY" in again.note
    assert ENV_KEY not in str(again) and KEY not in str(again)
    # the keyring still holds its own key; the variable only takes precedence
    assert lookup(secret_service_env).stdout.strip() == KEY
    monkeypatch.delenv("OPENAI_API_KEY")
    assert store.get("openai") == KEY


def test_default_backend_detection_in_a_subprocess(
    secret_service_env: dict[str, str], askshot_home: Path
) -> None:
    """What the CLI gets: keyring's own detection finds the Secret Service."""
    code = (
        "from askshot.core.keys.store import KeyStore\n"
        "s = KeyStore()\n"
        f"print(s.set('openrouter', {KEY!r}).where)\n"
        "print(s.backend_name())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Secret Service (GNOME Keyring)"] * 2
    assert KEY not in done.stdout + done.stderr
    assert lookup(secret_service_env, "openrouter").stdout.strip() == KEY


def test_key_never_lands_in_a_file(secret_service_env: dict[str, str], askshot_home: Path) -> None:
    store = KeyStore(backend=SecretService.Keyring(), env={})
    store.set("openai", KEY)
    paths = Paths.from_env()
    settings, _ = settings_mod.load(paths)
    settings_mod.save(settings, paths)
    assert (paths.config / "settings.json").is_file()
    assert files_containing(askshot_home, KEY) == []
    # gnome-keyring stores the login keyring encrypted, never the key in the clear
    data_home = Path(secret_service_env["XDG_DATA_HOME"])
    assert list((data_home / "keyrings").iterdir())
    assert files_containing(data_home, KEY) == []


def test_no_backend_keeps_the_key_in_memory(secret_service_env: dict[str, str]) -> None:
    store = KeyStore(backend=fail.Keyring(), env={})
    assert not store.available()
    assert store.backend_name() == "No secure keyring"
    saved = store.set("openai", KEY)
    assert saved.kind == "memory"
    assert saved.note is not None
    for hint in ("for this session only", "GNOME Keyring", "KWallet", "desktop session"):
        assert hint in saved.sentence
    assert "OPENAI_API_KEY" in saved.note
    assert KEY not in saved.sentence and KEY not in repr(saved)
    assert store.get("openai") == KEY
    assert store.source("openai").kind == "memory"
    assert lookup(secret_service_env).stdout == ""  # nothing reached the real keyring


def test_locked_collection_gives_a_sentence(private_secret_service: RunningSecretService) -> None:
    store = KeyStore(backend=SecretService.Keyring(), env={})
    store.set("openai", KEY)
    private_secret_service.lock_default_collection()
    assert private_secret_service.default_collection_state()[1] is True

    with pytest.raises(CredentialError, match="is locked") as caught:
        store.get("openai")
    assert "Secret Service (GNOME Keyring)" in caught.value.message
    assert KEY not in str(caught.value)
    with pytest.raises(CredentialError, match="is locked"):
        store.source("openai")
    with pytest.raises(CredentialError, match="is locked"):
        store.delete("openai")

    saved = store.set("openai", KEY)
    assert saved.kind == "memory"
    assert saved.note is not None and "is locked" in saved.note
    assert KEY not in saved.sentence
    assert store.get("openai") == KEY  # the session copy


def test_stopped_daemon_gives_a_sentence(private_secret_service: RunningSecretService) -> None:
    store = KeyStore(backend=SecretService.Keyring(), env={})
    store.set("openai", KEY)
    private_secret_service.stop_daemon()

    assert not store.available()
    assert store.backend_name() == "No secure keyring"
    assert store.get("openai") is None
    source = store.source("openai")
    assert source.kind == "none"
    assert source.note is not None and "Secret Service" in source.note
    saved = store.set("openai", KEY)
    assert saved.kind == "memory"
    assert saved.note is not None and "GNOME Keyring" in saved.note
    assert store.get("openai") == KEY
    assert store.delete("openai") is True


def test_bus_gone_gives_a_sentence(private_secret_service: RunningSecretService) -> None:
    """No session bus at all (the daemon and the bus both stopped)."""
    private_secret_service.close()
    store = KeyStore(backend=SecretService.Keyring(), env={})
    assert not store.available()
    saved = store.set("openai", KEY)
    assert saved.kind == "memory"
    assert KEY not in saved.sentence
