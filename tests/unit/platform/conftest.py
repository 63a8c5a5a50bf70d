"""Real desktop tools for the platform tests: a missing tool skips the test locally and fails it
when CI is set (as tests/e2e/conftest.py does for the Secret Service)."""

from __future__ import annotations

import pytest

from tests.helpers import require


def require_tool(tool: str, package: str) -> str:
    return require(tool, packages=package)[0]


@pytest.fixture
def gsettings() -> str:
    return require_tool("gsettings", "libglib2.0-bin gnome-settings-daemon-common")


@pytest.fixture
def gio() -> str:
    return require_tool("gio", "libglib2.0-bin")


@pytest.fixture
def desktop_file_validate() -> str:
    return require_tool("desktop-file-validate", "desktop-file-utils")
