"""Every shared library a bundle needs is inside it or on this system.

    python3 packaging/linux/needed.py ONEDIR

Reads the NEEDED entries of every ELF file in ONEDIR (readelf) and prints each soname that is
neither a file in the bundle nor known to the dynamic linker's cache (ldconfig -p), with the
files that need it. Exit status 1 when anything is missing. Libraries dlopen()ed at run time
(Qt's plugins load theirs this way) are ELF files in the bundle, so their own needs are checked
too; the optional GTK theme plugin's are reported only when --strict is given, since the .deb
recommends GTK rather than depending on it.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

OPTIONAL = re.compile(r"platformthemes/libqgtk3\.so$")  # a Recommends, not a Depends


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def needed(path: Path) -> list[str]:
    out = subprocess.run(
        ["readelf", "-d", "-W", str(path)], capture_output=True, text=True, check=False
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def system_sonames() -> set[str]:
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines()[1:] if line.strip()}


def missing(root: Path, strict: bool = False) -> dict[str, list[str]]:
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    inside = {p.name for p in root.rglob("*")}
    known = system_sonames()
    gaps: dict[str, list[str]] = defaultdict(list)
    for path in files:
        rel = str(path.relative_to(root))
        if not is_elf(path) or (not strict and OPTIONAL.search(rel)):
            continue
        for soname in needed(path):
            if soname not in inside and soname not in known:
                gaps[soname].append(rel)
    return dict(gaps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("onedir", type=Path)
    parser.add_argument("--strict", action="store_true", help="check the GTK theme plugin too")
    args = parser.parse_args()
    gaps = missing(args.onedir, args.strict)
    for soname, users in sorted(gaps.items()):
        print(
            f"{soname}: needed by {', '.join(sorted(users)[:3])}" + (" …" if len(users) > 3 else "")
        )
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
