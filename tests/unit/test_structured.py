"""Answers as data: the schema checker agrees with the jsonschema library on the shapes
structured outputs allow; tables come out of JSON or, failing that, a Markdown table."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from askshot.core import structured

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "age": {"type": ["integer", "null"], "minimum": 0, "maximum": 150},
        "kind": {"enum": ["adult", "child"]},
        "tags": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[a-z]+$"},
            "maxItems": 3,
        },
        "address": {"$ref": "#/$defs/address"},
        "either": {"anyOf": [{"type": "string"}, {"type": "number"}]},
        "version": {"const": 1},
    },
    "required": ["name", "age"],
    "additionalProperties": False,
    "$defs": {
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        }
    },
}

CASES = [
    {"name": "Ada", "age": 36},
    {"name": "Ada", "age": None, "kind": "adult", "tags": ["a", "b"], "version": 1},
    {"name": "Ada", "age": 36, "address": {"city": "London"}, "either": 3.5},
    {"name": "", "age": 36},
    {"name": "Ada"},
    {"name": "Ada", "age": 36.5},
    {"name": "Ada", "age": True},
    {"name": "Ada", "age": -1},
    {"name": "Ada", "age": 200},
    {"name": "Ada", "age": 1, "kind": "robot"},
    {"name": "Ada", "age": 1, "tags": ["a", "b", "c", "d"]},
    {"name": "Ada", "age": 1, "tags": ["UPPER"]},
    {"name": "Ada", "age": 1, "address": {}},
    {"name": "Ada", "age": 1, "address": {"city": "x", "zip": "1"}},
    {"name": "Ada", "age": 1, "either": [1]},
    {"name": "Ada", "age": 1, "version": 2},
    {"name": "Ada", "age": 1, "extra": True},
    [],
    "Ada",
]


@pytest.mark.parametrize("value", CASES)
def test_the_checker_agrees_with_jsonschema(value: Any) -> None:
    expected = jsonschema.Draft202012Validator(PERSON).is_valid(value)
    found = structured.problems(value, PERSON)
    assert (not found) == expected, found
    assert all(s.startswith("/") for s in found)  # each says where


def test_tables_from_json_or_markdown() -> None:
    assert structured.table_rows('{"columns": ["a", "b"], "rows": [["1", "2"]]}') == [
        ["a", "b"],
        ["1", "2"],
    ]
    fenced = '```json\n{"columns": ["a"], "rows": [["x"], ["y"]]}\n```'
    assert structured.table_rows(fenced) == [["a"], ["x"], ["y"]]
    markdown = "Here:\n\n| Item | **Qty** |\n|---|--:|\n| `tea` | 2 |\n\nDone."
    assert structured.table_rows(markdown) == [["Item", "Qty"], ["tea", "2"]]
    assert structured.table_rows("no table at all") is None


def test_what_a_schema_must_be() -> None:
    assert structured.schema_problem(PERSON) is None
    assert structured.schema_problem([]) == "the schema is not a JSON object"
    assert "object at the top" in (structured.schema_problem({"type": "array"}) or "")
    wrapped = structured.response_format(PERSON)
    assert wrapped["type"] == "json_schema"
    assert wrapped["json_schema"] == {"name": "answer", "strict": True, "schema": PERSON}


def test_edges_a_checker_gets_wrong() -> None:
    assert structured.problems(True, {"enum": [1]})  # true is not 1
    assert not structured.problems(1, {"enum": [1]})
    assert structured.problems(False, {"const": 0})
    with pytest.raises(ValueError):
        structured.parse_json('{"x": NaN}')
    bad_pattern = structured.problems("x", {"type": "string", "pattern": "("})
    assert bad_pattern == ["/: the schema's pattern is not a regular expression"]
    loop = {"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/a"}}}
    assert "a $ref loop?" in structured.problems(1, loop)[0]
