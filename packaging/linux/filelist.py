"""The installed file list, in a form that changes only when the package's shape does.

    dpkg -L askshot | python3 packaging/linux/filelist.py > packaging/deb/expected-files.txt

Every path outside the program's _internal/ folder as it is; inside it, the top-level entries
and Qt's plugins (what the trimming decides), with version numbers and the content hashes in
bundled library names replaced by `*`, so a dependency's patch release does not count as a
change but a plugin, a translation folder or a new top-level library does.
"""

from __future__ import annotations

import re
import sys

INTERNAL = "/usr/lib/askshot/_internal/"
PLUGINS = INTERNAL + "PySide6/Qt/plugins/"
VERSIONS = re.compile(r"-\d[\w.+]*(?=\.dist-info$)|(?<=\.so)(\.\d+)+$|-[0-9a-f]{8}(?=\.so)")


def shape(paths: list[str]) -> list[str]:
    out: set[str] = set()
    for path in paths:
        path = path.rstrip("/")
        if not path.startswith(INTERNAL):
            out.add(path)
        elif path.startswith(PLUGINS):
            out.add(VERSIONS.sub("*", path))
        else:
            top = path[len(INTERNAL) :].split("/", 1)[0]
            out.add(INTERNAL + VERSIONS.sub("*", top))
    return sorted(p for p in out if p not in ("/.", ""))


if __name__ == "__main__":
    sys.stdout.write("".join(p + "\n" for p in shape(sys.stdin.read().split("\n"))))
