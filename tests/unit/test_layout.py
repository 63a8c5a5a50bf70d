"""The project's layout: every package under app/askshot is installed, resources go with them,
and nothing in the wheel is a top-level `app`."""

from __future__ import annotations

import tomllib

from tests.helpers import ROOT


def test_every_package_is_listed_for_installation() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(config["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT / "app").parts)
        for init in (ROOT / "app" / "askshot").rglob("__init__.py")
    }
    assert found | {"askshot.resources"} == listed
    assert config["setuptools"]["package-dir"] == {"": "app", "askshot.resources": "resources"}


def test_resources_are_found_from_the_installed_package() -> None:
    from askshot.core.resources import resource

    for name in ("send", "stop"):
        assert resource("icons", f"{name}.svg").read_text(encoding="utf-8").count("<svg") == 1
    app_icon = resource("icons", "hicolor", "scalable", "apps", "io.github.askshot.Askshot.svg")
    assert app_icon.read_text(encoding="utf-8").count("<svg") == 1
