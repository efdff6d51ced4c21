"""The Bot API specification (methods, their fields and types) as the fake server needs it.

The machine-readable spec lives in the shared workspace
(``../shared/telegram-bot-api/api.min.json`` next to the checkout). A copy (MIT licence,
Paul Larsen) is kept in ``tests/fakes/telegram-bot-api/`` for checkouts elsewhere, such as
CI; a test checks the two are identical whenever the shared one exists.
:data:`API_SPEC_PATH` is the only place that decides which is read.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHARED_SPEC_PATH = Path(__file__).resolve().parents[3] / "shared/telegram-bot-api/api.min.json"
VENDORED_SPEC_PATH = Path(__file__).resolve().parent / "telegram-bot-api/api.min.json"
API_SPEC_PATH = SHARED_SPEC_PATH if SHARED_SPEC_PATH.exists() else VENDORED_SPEC_PATH

SCALAR_TYPES = frozenset({"String", "Integer", "Float", "Boolean", "InputFile"})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a Bot API method (or one field of a type)."""

    name: str
    types: tuple[str, ...]
    required: bool

    @property
    def is_json(self) -> bool:
        """Whether the value is sent as a JSON-serialized object or array."""
        return any(t not in SCALAR_TYPES for t in self.types)

    @property
    def accepts_file(self) -> bool:
        """Whether the parameter can be an uploaded file (multipart part or ``attach://``)."""
        return "InputFile" in self.types


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method: its canonical name, parameters and return types."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]

    @property
    def required_fields(self) -> list[FieldSpec]:
        """The parameters the caller must always pass."""
        return [field for field in self.fields.values() if field.required]


@dataclass(frozen=True)
class BotApiSpec:
    """The parts of the Bot API spec the fake server uses."""

    version: str
    methods: dict[str, MethodSpec]
    types: dict[str, dict[str, FieldSpec]]

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name``, case-insensitively (as Telegram resolves it)."""
        return self._by_lower_name.get(name.lower())

    def canonical_method(self, name: str) -> str:
        """The canonical spelling of ``name``; :class:`ValueError` for an unknown method."""
        method = self.method(name)
        if method is None:
            raise ValueError(f"{name!r} is not a Bot API method ({self.version})")
        return method.name

    @functools.cached_property
    def _by_lower_name(self) -> dict[str, MethodSpec]:
        return {name.lower(): method for name, method in self.methods.items()}


def _fields(raw: dict[str, Any]) -> dict[str, FieldSpec]:
    return {
        field["name"]: FieldSpec(
            name=field["name"], types=tuple(field["types"]), required=bool(field["required"])
        )
        for field in raw.get("fields", [])
    }


@functools.cache
def load_spec(path: Path = API_SPEC_PATH) -> BotApiSpec:
    """Load (once per path) the Bot API spec from ``api.min.json``."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    methods = {
        name: MethodSpec(name=name, fields=_fields(method), returns=tuple(method["returns"]))
        for name, method in raw["methods"].items()
    }
    types = {name: _fields(type_) for name, type_ in raw["types"].items()}
    return BotApiSpec(version=raw["version"], methods=methods, types=types)
