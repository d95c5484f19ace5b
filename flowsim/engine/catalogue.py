"""The template catalogue (R29): templates, items and buttons by OA country.

Shipped as ``flowsim/engine/data/catalogue.toml`` (TOML, read with the standard
library) and extendable with a user's own file of the same shape.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import arguments
from .errors import FlowsimError, InvalidValueError, shown

SECTIONS = ("templates", "items", "buttons")


class CatalogueError(FlowsimError, ValueError):
    """A catalogue file that cannot be read or has the wrong shape."""


@dataclass(frozen=True)
class Catalogue:
    """``entries[country][section][key] = label``."""

    entries: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """``entries`` has the shape above (what :meth:`from_text` builds); anything else is refused."""
        shape = "{country: {section: {key: label}}} of strings"
        if not isinstance(self.entries, dict):
            raise InvalidValueError(f"catalogue entries {shown(self.entries)}: expected {shape}")
        for country, sections in self.entries.items():
            if not isinstance(country, str) or not isinstance(sections, dict):
                raise InvalidValueError(f"catalogue entries for {shown(country)}: expected {shape}")
            for section, keys in sections.items():
                if section not in SECTIONS or not isinstance(keys, dict) or not all(
                        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()):
                    raise InvalidValueError(f"catalogue entries [{country}.{shown(section)}]: expected "
                                            f"one of {', '.join(SECTIONS)}, each {{key: label}} of strings")

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> Catalogue:
        text = (Path(__file__).parent / "data" / "catalogue.toml").read_text(encoding="utf-8")
        return cls.from_text(text, "flowsim/engine/data/catalogue.toml")

    @classmethod
    def from_file(cls, path: str | Path) -> Catalogue:
        if not isinstance(path, (str, os.PathLike)):
            raise InvalidValueError(f"catalogue path {shown(path)}: expected a path (a str or a Path)")
        try:
            content = Path(path).read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the path, or not UTF-8 (UnicodeDecodeError)
            raise CatalogueError(f"{path}: cannot read the catalogue: {exc}") from None
        return cls.from_text(content, str(path))

    @classmethod
    def from_text(cls, text: str, source: str = "<catalogue>") -> Catalogue:
        import tomllib  # here, not at the top: most runs never read a catalogue (import ~10 ms)

        arguments.text(text, "catalogue text")
        arguments.text(source, "catalogue source")
        try:
            raw = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError) as exc:
            raise CatalogueError(f"{source}: not valid TOML: {exc}") from None
        entries: dict[str, dict[str, dict[str, str]]] = {}
        for country, sections in raw.items():
            if not isinstance(sections, dict):
                raise CatalogueError(f"{source}: [{country}] must be a table of {', '.join(SECTIONS)}")
            for section, keys in sections.items():
                if section not in SECTIONS:
                    raise CatalogueError(
                        f"{source}: [{country}.{section}]: expected one of {', '.join(SECTIONS)}"
                    )
                if not isinstance(keys, dict):
                    raise CatalogueError(f"{source}: [{country}.{section}] must be a table of keys")
                target = entries.setdefault(country, {}).setdefault(section, {})
                for key, value in keys.items():
                    label = value.get("label", key) if isinstance(value, dict) else str(value)
                    target[key] = str(label)
        return cls(entries)

    def extended(self, other: Catalogue) -> Catalogue:
        """This catalogue with ``other``'s keys added (``other`` wins on a clash)."""
        arguments.instance(other, Catalogue, "catalogue to extend with")
        merged = {c: {s: dict(k) for s, k in secs.items()} for c, secs in self.entries.items()}
        for country, sections in other.entries.items():
            for section, keys in sections.items():
                merged.setdefault(country, {}).setdefault(section, {}).update(keys)
        return Catalogue(merged)

    def keys(self, country: str, section: str) -> dict[str, str]:
        try:
            return self.entries.get(country, {}).get(section, {})
        except TypeError:  # an unhashable country or section
            raise InvalidValueError(f"catalogue country {shown(country)} and section {shown(section)}: "
                                    "expected strings") from None

    def label(self, country: str, section: str, key: str) -> str:
        if not isinstance(key, str):
            raise InvalidValueError(f"catalogue key {shown(key)}: expected a string")
        return self.keys(country, section).get(key, key)
