"""The Windows version resource of askshot.exe (Explorer's Properties → Details), from the one
version in pyproject.toml. PyInstaller's spec passes the file as EXE(version=…).

    python packaging/windows/version_info.py OUT_FILE
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def four_numbers(text: str) -> tuple[int, int, int, int]:
    """Windows wants four 16-bit numbers: 0.1.0 → (0, 1, 0, 0); a pre-release suffix is dropped."""
    release = re.match(r"\d+(?:\.\d+)*", text)
    numbers = [int(n) for n in release.group().split(".")[:4]] if release else []
    a, b, c, d = [*numbers, 0, 0, 0, 0][:4]
    return a, b, c, d


def write(out: Path) -> Path:
    v = version()
    n = four_numbers(v)
    strings = {
        "CompanyName": "Askshot",
        "FileDescription": "Askshot: screenshot-and-ask assistant",
        "FileVersion": v,
        "InternalName": "askshot",
        "LegalCopyright": "Copyright 2026 Askshot developers. MIT License.",
        "OriginalFilename": "askshot.exe",
        "ProductName": "Askshot",
        "ProductVersion": v,
    }
    string_structs = ",\n".join(f"          StringStruct({k!r}, {s!r})" for k, s in strings.items())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={n}, prodvers={n}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{string_structs}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
""",
        encoding="utf-8",
    )
    return out


if __name__ == "__main__":
    print(write(Path(sys.argv[1] if len(sys.argv) > 1 else "build/version_info.txt")))
