"""KeyStore logic without a real keyring: validation, precedence, refused backends, no leaks."""

from __future__ import annotations

import logging

import keyring
import pytest
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringError, KeyringLocked

from askshot.core.errors import CredentialError
from askshot.core.keys.store import NO_KEYRING, SERVICE, KeySource, KeyStore, key_env, validate_key
from tests.helpers.keyrings import MemoryKeyring

KEY = "sk-unit-Secret0123456789abcdef"
ENV_KEY = "sk-env-0123456789abcdefghij"


class PlaintextKeyring(MemoryKeyring):
    """Shaped like keyrings.alt.file.PlaintextKeyring."""

    __module__ = "keyrings.alt.file"
    priority = 0.5


class SneakyPlaintext(MemoryKeyring):
    """Claims a high priority, but its name says what it is."""

    priority = 10


SneakyPlaintext.__qualname__ = "MyPlaintextStore"


class LowPriority(MemoryKeyring):
    priority = 0.2


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


class LeakyFailingKeyring(MemoryKeyring):
    """A backend whose errors quote the password: the store must not pass that on."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError(f"DBus error while reading {username} (last value {KEY})")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError(f"could not store {password!r}")


def no_key_anywhere(*texts: str) -> None:
    for text in texts:
        assert KEY not in text
        assert ENV_KEY not in text


# -- validation ---------------------------------------------------------------------------------


def test_validate_strips_surrounding_whitespace() -> None:
    assert validate_key(f"  {KEY}\r\n") == KEY


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("sk-abc def", "spaces"),
        ("sk-abc\ndef", "line breaks"),
        ("sk-abc\x00def", "control"),
        ("sk-abc\u200bdef", "control"),  # zero-width space: Unicode category Cf
        ("sk-abcdéf", "not plain"),
    ],
)
def test_validate_refuses_with_a_sentence(raw: str, phrase: str) -> None:
    with pytest.raises(CredentialError, match=phrase) as caught:
        validate_key(raw)
    assert caught.value.message.endswith(".")
    if raw.strip():
        assert raw.strip() not in caught.value.message


def test_set_refuses_invalid_keys_and_stores_nothing() -> None:
    backend = MemoryKeyring()
    store = KeyStore(backend=backend, env={})
    with pytest.raises(CredentialError):
        store.set("openai", "sk-has space")
    assert backend.items == {}
    assert store.get("openai") is None


def test_unknown_provider_is_a_sentence() -> None:
    store = KeyStore(backend=MemoryKeyring(), env={})
    with pytest.raises(CredentialError, match="Unknown provider 'nope'"):
        store.get("nope")


# -- storage and precedence -----------------------------------------------------------------------


def test_round_trip_in_the_keyring() -> None:
    backend = MemoryKeyring()
    store = KeyStore(backend=backend, env={})
    assert store.get("openai") is None
    assert store.source("openai") == KeySource("none", store.backend_name())
    saved = store.set("openai", KEY)
    assert saved.kind == "keyring" and saved.note is None
    assert backend.items == {(SERVICE, "openai"): KEY}
    assert store.get("openai") == KEY
    assert store.source("openai").kind == "keyring"
    assert store.get("openrouter") is None
    assert store.delete("openai") is True
    assert store.get("openai") is None
    assert store.delete("openai") is False


def test_env_var_names() -> None:
    assert key_env("openai") == "OPENAI_API_KEY"
    assert key_env("openrouter") == "OPENROUTER_API_KEY"
    assert key_env("custom") is None


def test_env_overrides_the_keyring() -> None:
    backend = MemoryKeyring()
    env = {"OPENAI_API_KEY": f" {ENV_KEY}\n"}
    store = KeyStore(backend=backend, env=env)
    store.set("openai", KEY)
    assert store.get("openai") == ENV_KEY
    assert store.source("openai") == KeySource("env", "OPENAI_API_KEY")
    env.clear()
    assert store.get("openai") == KEY


def test_set_while_env_is_set_says_the_variable_wins() -> None:
    store = KeyStore(backend=MemoryKeyring(), env={"OPENAI_API_KEY": ENV_KEY})
    saved = store.set("openai", KEY)
    assert saved.kind == "keyring"
    assert saved.note is not None and "OPENAI_API_KEY" in saved.note
    no_key_anywhere(saved.sentence, repr(saved))


def test_each_provider_reads_its_own_variable() -> None:
    env = {"OPENAI_API_KEY": ENV_KEY, "OPENROUTER_API_KEY": "sk-or-v1-abcdef"}
    store = KeyStore(backend=MemoryKeyring(), env=env)
    assert store.get("openrouter") == "sk-or-v1-abcdef"
    assert store.source("openrouter").where == "OPENROUTER_API_KEY"


def test_custom_provider_never_reads_the_openai_variable() -> None:
    store = KeyStore(backend=MemoryKeyring(), env={"OPENAI_API_KEY": ENV_KEY})
    assert store.get("custom") is None
    store.set("custom", KEY)
    assert store.get("custom") == KEY
    assert store.source("custom").kind == "keyring"


def test_empty_env_var_is_ignored() -> None:
    store = KeyStore(backend=MemoryKeyring(), env={"OPENAI_API_KEY": "  "})
    assert store.get("openai") is None
    assert store.source("openai").kind == "none"


def test_default_backend_comes_from_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: backend)
    store = KeyStore(env={})
    store.set("openai", KEY)
    assert backend.items[(SERVICE, "openai")] == KEY


# -- refused backends -> memory -----------------------------------------------------------------


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), PlaintextKeyring(), SneakyPlaintext(), LowPriority()],
    ids=["fail", "null", "keyrings.alt-plaintext", "plaintext-by-name", "low-priority"],
)
def test_insecure_or_missing_backends_keep_the_key_in_memory(backend: MemoryKeyring) -> None:
    store = KeyStore(backend=backend, env={})
    assert not store.available()
    assert store.backend_name() == NO_KEYRING
    saved = store.set("openai", KEY)
    assert saved.kind == "memory"
    assert saved.note is not None
    for hint in ("GNOME Keyring", "KWallet", "desktop session", "OPENAI_API_KEY"):
        assert hint in saved.note
    assert "for this session only" in saved.sentence
    no_key_anywhere(saved.sentence, repr(saved), repr(store))
    if isinstance(backend, MemoryKeyring):
        assert backend.items == {}  # never written to the refused backend
    assert store.get("openai") == KEY
    assert store.source("openai").kind == "memory"
    assert store.delete("openai") is True
    assert store.get("openai") is None


def test_no_keyring_source_explains_the_fix() -> None:
    source = KeyStore(backend=fail.Keyring(), env={}).source("openai")
    assert source.kind == "none"
    assert source.note is not None and "GNOME Keyring" in source.note


def test_memory_note_for_custom_does_not_suggest_an_env_var() -> None:
    saved = KeyStore(backend=fail.Keyring(), env={}).set("custom", KEY)
    assert saved.note is not None and "_API_KEY" not in saved.note


def test_chainer_uses_its_first_secure_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    plain, good = PlaintextKeyring(), MemoryKeyring()
    monkeypatch.setattr(ChainerBackend, "backends", [plain, good])
    store = KeyStore(backend=ChainerBackend(), env={})
    assert store.available()
    assert store.set("openai", KEY).kind == "keyring"
    assert plain.items == {}
    assert good.items == {(SERVICE, "openai"): KEY}


def test_chainer_with_nothing_secure_is_no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = PlaintextKeyring()
    monkeypatch.setattr(ChainerBackend, "backends", [plain])
    store = KeyStore(backend=ChainerBackend(), env={})
    assert not store.available()
    assert store.set("openai", KEY).kind == "memory"
    assert plain.items == {}


# -- failures are sentences, never the key ---------------------------------------------------------


def test_locked_keyring() -> None:
    store = KeyStore(backend=LockedKeyring(), env={})
    with pytest.raises(CredentialError, match="is locked") as caught:
        store.get("openai")
    assert caught.value.kind == "key"
    with pytest.raises(CredentialError, match="is locked"):
        store.delete("openai")
    saved = store.set("openai", KEY)
    assert saved.kind == "memory"
    assert saved.note is not None and "is locked" in saved.note
    assert store.get("openai") == KEY


def test_backend_errors_never_carry_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = KeyStore(backend=LeakyFailingKeyring(), env={})
    saved = store.set("openai", KEY)
    assert saved.kind == "memory"
    assert saved.note is not None and "could not store" in saved.note
    with pytest.raises(CredentialError) as caught:
        KeyStore(backend=LeakyFailingKeyring(), env={}).source("openai")
    no_key_anywhere(
        saved.sentence,
        repr(saved),
        repr(store),
        str(caught.value),
        repr(caught.value),
        caplog.text,
    )
    assert "[key hidden]" in saved.note
    # the backend's own exception is not chained: its text is not ours to vouch for
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_reprs_hide_the_key() -> None:
    store = KeyStore(backend=fail.Keyring(), env={"OPENAI_API_KEY": ENV_KEY})
    store.set("openrouter", KEY)
    no_key_anywhere(repr(store), str(store), repr(store.source("openrouter")))
    no_key_anywhere(repr(store.source("openai")), str(store.source("openai")))


def test_key_source_sentences() -> None:
    assert "OPENAI_API_KEY environment variable" in KeySource("env", "OPENAI_API_KEY").sentence
    assert KeySource("keyring", "macOS Keychain").sentence == "The key is stored in macOS Keychain."
    assert KeySource("none", "").sentence == "No API key is set."
    assert str(KeySource("memory", "memory", "Why.")).endswith("only. Why.")
