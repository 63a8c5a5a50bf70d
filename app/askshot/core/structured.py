"""Answers as data: a JSON Schema the model is held to where the server supports structured
outputs (`response_format` json_schema, strict), checked here again either way, since a server
that turns the field down (core.llm.params drops it and asks again) or a model that strays
returns free text. For tables, the built-in TABLE_SCHEMA, with a Markdown table in the answer
as the fallback. No Qt here.

The checker covers the JSON Schema that structured outputs accept: type (one or a list),
properties, required, additionalProperties, items, enum, const, anyOf, local $ref to $defs or
definitions, minItems/maxItems, minLength/maxLength, minimum/maximum, pattern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

TABLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["columns", "rows"],
    "additionalProperties": False,
}

# The preset that asks for a table as data: in the window, the question with exactly this text
# is sent with TABLE_SCHEMA, and the answer is kept as a Markdown table (Copy CSV, Save CSV).
TABLE_PRESET = ("Table → CSV", "Extract the table in this image.")

TABLE_INSTRUCTION = (
    "Give the table only: its column names and its rows, every cell as text, in reading order."
)


def json_instruction(schema: Mapping[str, Any]) -> str:
    return (
        "Answer with JSON only, no prose and no code fence, matching this JSON Schema: "
        + json.dumps(schema, separators=(",", ":"))
    )


def response_format(schema: Mapping[str, Any], name: str = "answer") -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}


def schema_problem(schema: Any) -> str | None:
    """Why a schema cannot be used (structured outputs want an object at the top), or None."""
    if not isinstance(schema, dict):
        return "the schema is not a JSON object"
    if schema.get("type") != "object":
        return 'the schema must describe an object at the top ("type": "object")'
    return None


MAX_DEPTH = 64

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}


def problems(
    value: Any,
    schema: Mapping[str, Any],
    root: Mapping[str, Any] | None = None,
    path: str = "",
    depth: int = 0,
) -> list[str]:
    """Where `value` breaks `schema`: sentences with a JSON pointer each; [] when it fits."""
    root = schema if root is None else root
    where = path or "/"
    if depth > MAX_DEPTH:
        return [f"{where}: nested deeper than {MAX_DEPTH} levels (a $ref loop?)"]
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = _resolve(root, ref)
        if target is None:
            return [f"{where}: the schema's $ref {ref} names nothing"]
        return problems(value, target, root, path, depth + 1)
    out: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        allowed = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is(value, k) for k in allowed):
            return [f"{where}: expected {' or '.join(allowed)}, got {_kind(value)}"]
    if "enum" in schema and not any(_same(value, v) for v in schema["enum"]):
        out.append(f"{where}: {json.dumps(value)[:60]} is not one of {schema['enum']}")
    if "const" in schema and not _same(value, schema["const"]):
        out.append(f"{where}: expected {json.dumps(schema['const'])}")
    if "anyOf" in schema:
        options = schema["anyOf"]
        if not any(not problems(value, option, root, path, depth + 1) for option in options):
            out.append(f"{where}: matches none of the {len(options)} allowed shapes")
    if isinstance(value, dict):
        props: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                out.append(f"{where}: missing {name!r}")
        for name, item in value.items():
            if name in props:
                out += problems(item, props[name], root, f"{path}/{name}", depth + 1)
            elif schema.get("additionalProperties") is False:
                out.append(f"{where}: unexpected {name!r}")
            elif isinstance(schema.get("additionalProperties"), dict):
                out += problems(
                    item, schema["additionalProperties"], root, f"{path}/{name}", depth + 1
                )
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(f"{where}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{where}: more than {schema['maxItems']} items")
        if isinstance(schema.get("items"), dict):
            for n, item in enumerate(value):
                out += problems(item, schema["items"], root, f"{path}/{n}", depth + 1)
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(f"{where}: shorter than {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{where}: longer than {schema['maxLength']} characters")
        if "pattern" in schema:
            try:
                if not re.search(schema["pattern"], value):
                    out.append(f"{where}: does not match {schema['pattern']}")
            except (re.error, TypeError):
                out.append(f"{where}: the schema's pattern is not a regular expression")
    if _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(f"{where}: less than {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{where}: more than {schema['maximum']}")
    return out


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1 (Python says it is)."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _is(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind in ("number", "integer"):
        return False
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(kind, ()))


def _kind(value: Any) -> str:
    return next((k for k in _TYPES if _is(value, k)), type(value).__name__)


def _resolve(root: Mapping[str, Any], ref: str) -> Mapping[str, Any] | None:
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for part in ref[2:].split("/"):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, Mapping) else None


def parse_json(text: str) -> Any:
    """The JSON an answer holds: the whole text, or inside a code fence (a model without
    structured outputs often adds one). Raises ValueError when there is none."""
    text = text.strip()
    fenced = re.fullmatch(r"```[\w-]*\n(.*?)\n?```", text, re.DOTALL)
    return json.loads(fenced.group(1) if fenced else text, parse_constant=_not_json)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def table_rows(text: str) -> list[list[str]] | None:
    """A table's rows (the header first) from an answer: TABLE_SCHEMA's JSON, or else the first
    Markdown table in it. None when it holds neither."""
    try:
        data = parse_json(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and not problems(data, TABLE_SCHEMA):
        return [list(data["columns"]), *(list(r) for r in data["rows"])]
    from askshot.core.tables import first_markdown_table  # (csv: not on the start-up path)

    return first_markdown_table(text)


def is_table_question(text: str) -> bool:
    return text.strip() == TABLE_PRESET[1]


def is_table_format(rf: Mapping[str, Any] | None) -> bool:
    """True for the response_format that asks for a table as data (TABLE_SCHEMA)."""
    return rf is not None and rf.get("json_schema", {}).get("schema") == TABLE_SCHEMA


def as_markdown_table(answer: str) -> str | None:
    """A table answer (TABLE_SCHEMA's JSON, or Markdown) as a Markdown table; None when the
    answer holds no table."""
    from askshot.core.tables import to_markdown

    rows = table_rows(answer)
    return to_markdown(rows) if rows else None
