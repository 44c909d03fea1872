"""Where the keys and values of one YAML mapping were written (kept on model objects)."""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import Location


@dataclass(frozen=True)
class Fields:
    """Where the keys and values of one YAML mapping were written, set once by the parser,
    so a message can point at a key or a value without going back to the document."""

    at: Location
    """The mapping itself (its file is every field's file)."""
    keys: tuple[tuple[str, int, int], ...] = ()
    """(name, line, column) of each key: plain values, cheap to keep for a whole bank."""
    values: tuple[tuple[str, int, int], ...] = ()

    def has(self, name: str) -> bool:
        """Whether the author wrote key ``name``."""
        return any(key == name for key, _, _ in self.keys)

    def key(self, name: str) -> Location:
        """Where key ``name`` was written, else where the mapping starts."""
        found = next((where for where in self.keys if where[0] == name), None)
        return Location(self.at.file, found[1], found[2]) if found else self.at

    def value(self, name: str) -> Location:
        """Where the value of ``name`` was written, else its key, else the mapping."""
        found = next((where for where in self.values if where[0] == name), None)
        return Location(self.at.file, found[1], found[2]) if found else self.key(name)


#: Fields of an object made in code rather than read from a file (tests, generated banks).
NO_FIELDS = Fields(Location("", 0, 0))
