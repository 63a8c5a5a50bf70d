"""The installer files this machine cannot build from: the release workflow, the Flatpak manifest,
the Windows installer script and version resource, the macOS entitlements and the icons. Read
as their tools read them; the NSIS script compiled when makensis is here (always in CI)."""

from __future__ import annotations

import importlib.util
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from PIL import Image

from askshot import APP_ID
from tests.helpers import ROOT, require

PACKAGING = ROOT / "packaging"
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"packaging_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(data, dict)
    return data


def steps(job: str) -> list[dict[str, Any]]:
    return list(workflow()["jobs"][job]["steps"])


def test_release_workflow_builds_every_system_and_publishes_on_a_tag() -> None:
    data = workflow()
    triggers = data[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["tags"] == ["v*"]
    assert set(data["jobs"]) == {"linux", "windows", "macos", "publish"}
    assert data["jobs"]["linux"]["runs-on"] == "ubuntu-22.04"  # the oldest supported Ubuntu
    publish = data["jobs"]["publish"]
    assert set(publish["needs"]) == {"linux", "windows", "macos"}
    assert publish["permissions"] == {"contents": "write"}
    assert data["permissions"] == {"contents": "read"}
    assert "SHA256SUMS" in str(publish["steps"])


def test_release_workflow_actions_are_pinned_and_its_paths_exist() -> None:
    text = WORKFLOW.read_text()
    for job in workflow()["jobs"]:
        for step in steps(job):
            if "uses" in step:
                assert re.fullmatch(r"actions/[\w-]+@v\d+", step["uses"]), step["uses"]
    text = text.replace("\\", "/")  # the Windows job's paths too
    named = set(re.findall(r"(?:packaging|tests)/[\w./-]+\.(?:sh|py|spec|nsi|txt)", text))
    for expected in (
        "packaging/check.sh",
        "packaging/pyinstaller/askshot.spec",
        "packaging/windows/askshot.nsi",
        "tests/helpers/fakeserver.py",
    ):
        assert expected in named, expected
    for path in named:
        assert (ROOT / path).is_file(), path


def test_windows_job_smoke_tests_the_installed_program_and_the_uninstall() -> None:
    text = str(steps("windows"))
    assert "askshot-cli.exe --version" in text
    assert "/S" in text and "uninstall.exe" in text
    assert "System.AppUserModel.ID" in text and APP_ID in text
    assert "only-in-an-older-version" in text  # the upgrade leaves no stale file
    assert "desktop autostart on" in text and "StartupApproved" in text  # both removed


def test_macos_signing_takes_every_secret_it_names() -> None:
    script = (PACKAGING / "macos" / "sign-and-notarize.sh").read_text()
    named = set(re.findall(r"\b(MACOS_\w+|APPLE_\w+)\b", script))
    assert {"MACOS_CERTIFICATE_P12_BASE64", "APPLE_APP_PASSWORD"} <= named
    for step in steps("macos"):
        if "sign-and-notarize.sh" in step.get("run", ""):
            assert set(step["env"]) == named, step["name"]
    code = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    deep = [line for line in code if "--deep" in line]
    assert all("--verify" in line for line in deep), deep  # signing goes inside out instead


@pytest.mark.parametrize(
    "script", ["windows/check.sh", "macos/make-dmg.sh", "macos/sign-and-notarize.sh"]
)
def test_shell_scripts_parse(script: str) -> None:
    r = subprocess.run(["bash", "-n", str(PACKAGING / script)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_flatpak_manifest() -> None:
    manifest = yaml.safe_load((PACKAGING / "flatpak" / f"{APP_ID}.yml").read_text())
    assert manifest["app-id"] == APP_ID
    assert manifest["command"] == "askshot"
    args = manifest["finish-args"]
    assert "--socket=wayland" in args and "--socket=fallback-x11" in args
    assert "--talk-name=org.freedesktop.secrets" in args
    assert not [a for a in args if a.startswith("--filesystem")]  # screenshots: the portal


def test_nsis_script_takes_its_version_from_the_build() -> None:
    script = (PACKAGING / "windows" / "askshot.nsi").read_text()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert version not in script
    assert "${VERSION}" in script
    assert "RequestExecutionLevel user" in script
    assert 'DeleteRegValue HKCU "${RUN_KEY}" "Askshot"' in script  # the app's autostart value
    assert 'RMDir /r "$INSTDIR\\_internal"' in script  # no stale files after an upgrade


def test_entitlements_parse() -> None:
    with (PACKAGING / "macos" / "entitlements.plist").open("rb") as f:
        entitlements = plistlib.load(f)
    assert entitlements and all(v is True for v in entitlements.values())
    assert all(k.startswith("com.apple.security.cs.") for k in entitlements)


def test_icons_for_windows_and_macos(tmp_path: Path) -> None:
    icons = load(PACKAGING / "icons.py")
    with Image.open(icons.windows_icon(tmp_path)) as ico:
        assert ico.format == "ICO" and {(16, 16), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(icons.macos_icon(tmp_path)) as icns:
        assert icns.format == "ICNS" and icns.size == (1024, 1024)
    first = (tmp_path / "askshot.ico").read_bytes()
    icons.windows_icon(tmp_path)
    assert (tmp_path / "askshot.ico").read_bytes() == first  # the same bytes every build


def test_windows_version_resource_from_pyproject(tmp_path: Path) -> None:
    info = load(PACKAGING / "windows" / "version_info.py")
    text = info.write(tmp_path / "v.txt").read_text()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert f"filevers={info.four_numbers(version)}" in text
    assert f"StringStruct('ProductVersion', '{version}')" in text
    assert info.four_numbers("1.2.3rc1") == (1, 2, 3, 0)
    assert info.four_numbers("2.0") == (2, 0, 0, 0)


def test_nsis_script_compiles_with_warnings_as_errors() -> None:
    if not shutil.which("makensis"):
        require("makensis", packages="nsis", what="compiling the Windows installer script")
    r = subprocess.run(
        ["bash", str(PACKAGING / "windows" / "check.sh")],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ["PATH"], "PYTHON": sys.executable},
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "askshot.nsi compiles" in r.stdout
