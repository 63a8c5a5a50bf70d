"""Askshot: screenshot-and-ask desktop assistant."""

from __future__ import annotations

# The one application id: desktop entry and icon names, the Wayland app id, the portal
# registration, autostart. Reverse DNS, valid for GApplication (g_application_id_is_valid).
APP_ID = "io.github.askshot.Askshot"


def _version() -> str:
    """The version, from the one place it is written: pyproject.toml. An installed Askshot (a
    wheel, the frozen build) reads it from its dist-info beside the package — a directory listing,
    not importlib.metadata, which would cost a headless command 40 ms; a checkout reads
    pyproject.toml itself, so an editable install never reports a stale number."""
    from pathlib import Path  # not on the way to a forwarded window command

    here = Path(__file__).resolve().parent
    for metadata in here.parent.glob("askshot-*.dist-info/METADATA"):
        with metadata.open(encoding="utf-8") as f:
            for line in f:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
    pyproject = here.parents[1] / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
    return "0+unknown"


def __getattr__(name: str) -> str:
    if name == "__version__":
        globals()["__version__"] = version = _version()
        return version
    raise AttributeError(f"module 'askshot' has no attribute {name!r}")
