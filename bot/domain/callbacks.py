"""Callback data of every button the bot issues: one typed codec, one prefix per feature.

Telegram hands back whatever string a button carried, and a client can send any string
of up to 64 bytes. So a button's data is a small frozen dataclass with a registered
prefix and typed fields; :func:`decode` accepts only what :func:`encode` could have
produced (ASCII digits of bounded length for ids, a fixed set of words for choices) and
returns ``None`` for anything else, which handlers answer as an expired button.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar, Final, TypeVar

MAX_BYTES: Final = 64
"""Telegram's limit on ``callback_data``."""
MAX_ID: Final = 2**31 - 1
"""Every primary key is ``sa.Integer`` (int4 on PostgreSQL): a larger id was never issued,
and asyncpg would refuse to even ask for it (``DataError``), so it decodes as forged."""
_ID = re.compile(r"(0|[1-9][0-9]{0,9})")
_WORD = re.compile(r"[a-z0-9_-]{1,24}")
SEPARATOR: Final = ":"


class Callback:
    """Base of every button's data; subclasses are frozen dataclasses registered below."""

    prefix: ClassVar[str]


C = TypeVar("C", bound=Callback)
_REGISTRY: dict[str, type[Callback]] = {}


def callback(prefix: str) -> Callable[[type[C]], type[C]]:
    """Registers a dataclass as the data of the buttons whose data starts with ``prefix:``.

    Fields may be ``int`` (an id: ASCII digits, at most 2**31-1), a ``StrEnum`` (one of
    its values), ``str`` (a plain word: ``[a-z0-9_-]``, up to 24 characters) or
    ``int | None`` / ``str | None`` (an empty field).
    """

    def register(cls: type[C]) -> type[C]:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass")
        if not re.fullmatch(r"[a-z]{1,8}(:[a-z]{1,8})?", prefix):
            raise ValueError(f"bad callback prefix {prefix!r}")
        if prefix in _REGISTRY:
            raise ValueError(f"callback prefix {prefix!r} registered twice")
        for other in _REGISTRY:
            # One prefix must never be the start of another, or decoding is ambiguous.
            if other.startswith(prefix + SEPARATOR) or prefix.startswith(other + SEPARATOR):
                raise ValueError(f"callback prefixes {prefix!r} and {other!r} overlap")
        cls.prefix = prefix
        _REGISTRY[prefix] = cls
        return cls

    return register


def registered() -> dict[str, type[Callback]]:
    return dict(_REGISTRY)


def _field_types(cls: type[Callback]) -> list[tuple[str, Any, bool]]:
    """(name, type, optional): trailing fields with a default may be left off the data."""
    hints = typing.get_type_hints(cls)
    return [
        (f.name, hints[f.name], f.default is not dataclasses.MISSING)
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
    ]


def _encode_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool):
        raise TypeError("booleans are not callback fields")
    if isinstance(value, int):
        if not 0 <= value <= MAX_ID:
            raise ValueError(f"id out of range: {value}")
        return str(value)
    if isinstance(value, str):
        if not _WORD.fullmatch(value):
            raise ValueError(f"not a callback word: {value!r}")
        return value
    raise TypeError(f"unsupported callback field {value!r}")


def encode(data: Callback) -> str:
    """The string a button carries; raises when it would not fit Telegram's 64 bytes."""
    fields = _field_types(type(data))
    values = [_encode_value(getattr(data, name)) for name, _, _ in fields]
    # Older buttons had no trailing optional fields: leaving empty ones off keeps one form.
    while values and values[-1] == "" and fields[len(values) - 1][2]:
        values.pop()
    text = SEPARATOR.join([data.prefix, *values])
    if len(text.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {text!r}")
    return text


def parse_id(raw: str) -> int | None:
    """An id as :func:`encode` writes it (ASCII digits, no sign or leading zero, at most
    :data:`MAX_ID`), or ``None``: ``"²"``, ``"٣"``, ``" 1"`` and ``"9999999999"`` are not ids."""
    if not _ID.fullmatch(raw) or int(raw) > MAX_ID:
        return None
    return int(raw)


def _decode_value(raw: str, kind: Any) -> tuple[bool, object]:
    """(ok, value) for one field; anything not issued by :func:`_encode_value` is not ok."""
    args = typing.get_args(kind)
    if type(None) in args:
        if raw == "":
            return True, None
        (kind,) = [a for a in args if a is not type(None)]
    if kind is int:
        value = parse_id(raw)
        return value is not None, value
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        try:
            return True, kind(raw)
        except ValueError:
            return False, None
    if kind is str:
        return (True, raw) if _WORD.fullmatch(raw) else (False, None)
    raise TypeError(f"unsupported callback field type {kind!r}")


def decode(data: str | None) -> Callback | None:
    """The button's typed data, or ``None`` for anything this bot never issued."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    for prefix, cls in _REGISTRY.items():
        if data == prefix or data.startswith(prefix + SEPARATOR):
            raw = data[len(prefix) + 1 :].split(SEPARATOR) if data != prefix else []
            fields = _field_types(cls)
            if len(raw) > len(fields) or not all(opt for _, _, opt in fields[len(raw) :]):
                return None
            if raw and raw[-1] == "" and fields[len(raw) - 1][2]:
                return None  # encode() leaves an empty optional tail off
            values: dict[str, object] = {}
            for value, (name, kind, _) in zip(raw, fields[: len(raw)], strict=True):
                ok, parsed = _decode_value(value, kind)
                if not ok:
                    return None
                values[name] = parsed
            return cls(**values)
    return None


def matches(cls: type[C]) -> Callable[[object], bool]:
    """A ``CallbackQueryHandler`` pattern: the data decodes to ``cls``."""

    def check(data: object) -> bool:
        return isinstance(data, str) and isinstance(decode(data), cls)

    return check
