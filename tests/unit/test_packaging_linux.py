"""The Linux packaging's own logic, without building anything: the one version, the locked build
requirements, the runtime-hook override, the file-list shape and the missing-library check.
packaging/check.sh builds and proves the packages themselves."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

import askshot
from tests.helpers import ROOT

PACKAGING = ROOT / "packaging"


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def test_the_version_is_written_once_in_pyproject() -> None:
    assert askshot.__version__ == project_version()
    assert "__version__ =" not in (ROOT / "app" / "askshot" / "__init__.py").read_text()


def test_the_metainfo_names_this_release() -> None:
    xml = ET.parse(ROOT / "resources" / "io.github.askshot.Askshot.metainfo.xml")
    newest = xml.getroot().find("releases/release")
    assert newest is not None and newest.get("version") == project_version()


def test_build_requirements_are_pinned_and_hashed() -> None:
    text = (PACKAGING / "requirements-build.txt").read_text()
    entries = re.split(r"\n(?=[a-z])", text.split("\n", 2)[2].strip())
    assert len(entries) > 20
    for entry in entries:
        assert re.match(r"[a-z0-9-]+==\S+", entry), entry
        assert "--hash=sha256:" in entry, entry
    assert re.search(r"^pyinstaller==6\.22\.3 ", text, re.M)  # the runtime hook override's


def test_the_pyside6_runtime_hook_is_replaced_by_one_that_imports_no_qt() -> None:
    hooks = PACKAGING / "pyinstaller" / "hooks"
    table = ast.literal_eval((hooks / "rthooks.dat").read_text())
    (name,) = table["PySide6"]
    source = (hooks / "rthooks" / name).read_text()
    imported = {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {"os", "sys"}
    assert "QT_PLUGIN_PATH" in source


def test_file_list_keeps_the_shape_and_drops_versions() -> None:
    filelist = load(PACKAGING / "linux" / "filelist.py")
    internal = "/usr/lib/askshot/_internal/"
    shape = filelist.shape(
        [
            "/.",
            "/usr/bin/askshot",
            internal + "PIL/Image.pyc",
            internal + "keyring-25.7.0.dist-info/METADATA",
            internal + "libjpeg-6dc8d115.so.62.4.0",
            internal + "libpython3.11.so.1.0",
            internal + "PySide6/Qt/plugins/platforms/libqxcb.so",
        ]
    )
    assert shape == [
        "/usr/bin/askshot",
        internal + "PIL",
        internal + "PySide6/Qt/plugins/platforms/libqxcb.so",
        internal + "keyring*.dist-info",
        internal + "libjpeg*.so*",
        internal + "libpython3.11.so*",
    ]


def test_the_committed_file_list_has_no_trimmed_parts() -> None:
    files = (PACKAGING / "deb" / "expected-files.txt").read_text().split()
    assert "/usr/share/applications/io.github.askshot.Askshot.desktop" in files
    assert "/usr/share/man/man1/askshot.1.gz" in files
    trimmed = re.compile(r"translations|libQt6Network|libQt6Qml|libgtk|platforms/libqeglfs|/qml")
    assert not [f for f in files if trimmed.search(f)]


@pytest.mark.skipif(not shutil.which("readelf"), reason="needs readelf (binutils)")
def test_needed_check_names_a_library_the_bundle_lacks(tmp_path: Path) -> None:
    """A Qt plugin copied alone needs Qt's XCB library, which is neither beside it nor known
    to the system's linker cache: the check must say so; with the library beside it, not."""
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    plugin = qt / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.is_file():
        pytest.skip("this PySide6 has no xcb plugin")
    needed = load(PACKAGING / "linux" / "needed.py")
    shutil.copy(plugin, tmp_path)
    gaps = needed.missing(tmp_path)
    assert "libQt6XcbQpa.so.6" in gaps
    assert gaps["libQt6XcbQpa.so.6"] == ["libqxcb.so"]
    for lib in (qt / "lib").glob("libQt6*.so.6"):
        shutil.copy(lib, tmp_path)
    assert "libQt6XcbQpa.so.6" not in needed.missing(tmp_path)
