"""A round's analysis to JSON and back, exactly: a release keeps what it published."""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from functools import cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from ..analysis.results import RoundAnalysis


def dump(analysis: RoundAnalysis) -> str:
    return json.dumps(_plain(analysis), separators=(",", ":"))


def load(text: str) -> RoundAnalysis:
    result = _build(RoundAnalysis, json.loads(text))
    assert isinstance(result, RoundAnalysis)
    return result


PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    # Tens of thousands of numbers per release: the common cases first.
    if isinstance(value, PLAIN):
        return value
    names = getattr(type(value), "__dataclass_fields__", None)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _build(kind: Any, value: Any) -> Any:
    """Rebuild a value of a type as results.py spells it (dataclasses, tuples, optionals)."""
    if value is None:
        return None
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [arg for arg in get_args(kind) if arg is not type(None)]
        return _build(options[0], value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if isinstance(kind, type) and is_dataclass(kind):
        hints = _hints(kind)
        # A field added since a release was stored takes its default (a figure not computed then).
        return kind(
            **{
                f.name: _build(hints[f.name], value[f.name])
                for f in fields(kind)
                if f.name in value
            }
        )
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], item) for item in value)
        return tuple(_build(arg, item) for arg, item in zip(args, value, strict=True))
    if origin in (dict, Mapping) or kind is Mapping:
        inner = get_args(kind)[1] if get_args(kind) else Any
        return {key: _build(inner, item) for key, item in value.items()}
    if kind is float and isinstance(value, int):
        return float(value)
    return value
