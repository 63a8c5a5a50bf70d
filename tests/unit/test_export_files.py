"""Export to Markdown and JSON: images as files beside the export, linked relatively; JSON holds
everything, every branch included."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

from askshot.core.export import export_json, export_markdown
from askshot.core.history import NewImage, Store
from askshot.core.types import Usage


def png(color: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store.open()
    c = s.create_conversation(model="o4-mini", system_prompt="Be brief.")
    q = s.add_user_message(c, "What colour?", [NewImage(png("red"), "image/png", 40, 30, 85)])
    a = s.begin_reply(c, q, "o4-mini", "low")
    s.finish_reply(
        a, "done", text="**Red.**", usage=Usage(100, 20, 10, 0), ttft_ms=900, total_ms=2000
    )
    b = s.begin_reply(c, q, "o4-mini", "high")
    s.finish_reply(b, "cancelled", text="It is probably", error="Stopped.")
    other = s.create_conversation()
    s.add_user_message(other, "Second chat", [NewImage(png("red"), "image/png", 40, 30)])
    s.add_user_message(other, "", [NewImage(png("blue"), "image/png", 40, 30)])
    yield s
    s.close()


def test_markdown_export_of_one_conversation(store: Store, tmp_path: Path) -> None:
    dest = tmp_path / "my export.md"
    result = export_markdown(store, dest, [1])
    text = dest.read_text(encoding="utf-8")
    assert result.conversations == 1 and result.images == 1
    assert text.startswith("# What colour?\n")
    assert "> **System:** Be brief." in text
    assert "It is probably" in text  # the current branch: the newer, cancelled answer
    assert "Stopped before the answer was complete." in text
    assert "version 2 of 2" in text
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 1
    assert links[0].startswith("my%20export_files/")
    image = dest.parent / unquote(links[0])
    assert image.read_bytes() == png("red")
    assert result.files_dir == tmp_path / "my export_files"


def test_markdown_export_of_everything(store: Store, tmp_path: Path) -> None:
    dest = tmp_path / "all.md"
    result = export_markdown(store, dest)
    text = dest.read_text(encoding="utf-8")
    assert result.conversations == 2
    assert result.images == 2  # the red image is written once
    assert text.count("\n---\n") == 1
    assert sorted(p.name.split(".")[1] for p in (tmp_path / "all_files").iterdir()) == [
        "png",
        "png",
    ]
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (tmp_path / unquote(link)).is_file()


def test_json_export_holds_everything(store: Store, tmp_path: Path) -> None:
    dest = tmp_path / "all.json"
    result = export_json(store, dest)
    doc = json.loads(dest.read_text(encoding="utf-8"))
    assert doc["format"] == "askshot-history" and doc["version"] == 1
    assert result.conversations == 2
    first = next(c for c in doc["conversations"] if c["id"] == 1)
    assert first["system_prompt"] == "Be brief."
    msgs = first["messages"]
    assert len(msgs) == 3  # both branches
    assert [m["parent_id"] for m in msgs] == [None, 1, 1]
    done, cancelled = msgs[1], msgs[2]
    assert done["usage"] == {
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "reasoning_tokens": 10,
        "cached_tokens": 0,
    }
    assert done["cost_usd"] == pytest.approx((100 * 1.10 + 20 * 4.40) / 1e6)
    assert (done["ttft_ms"], done["total_ms"], done["effort"]) == (900, 2000, "low")
    assert (cancelled["status"], cancelled["text"], cancelled["error"]) == (
        "cancelled",
        "It is probably",
        "Stopped.",
    )
    (image,) = msgs[0]["images"]
    assert image["file"].startswith("all_files/") and image["tokens"] == 85
    assert (tmp_path / image["file"]).read_bytes() == png("red")
    assert first["current_leaf_id"] == 3
    assert msgs[0]["created_at"].endswith("Z")
