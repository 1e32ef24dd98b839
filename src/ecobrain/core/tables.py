"""Tables: the columns of a list page, shared by the HTML table and the CSV/Excel exports."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise


@dataclass
class Column:
    """One column: ``accessor`` is an attribute path (``enterprise.name``) or a callable taking the row."""

    name: str
    header: str | Promise  # often a lazy translation: render it with str()
    accessor: str | Callable[[Any], Any] | None = None
    sort: str | None = None  # ORM ordering key; None = not sortable
    link: bool = False  # render as a link to the row's detail page
    export: bool = True
    html: bool = True

    def value(self, obj: Any) -> Any:
        accessor = self.accessor or self.name
        if callable(accessor):
            return accessor(obj)
        current = obj
        for part in accessor.split("."):
            if current is None:
                return None
            display = getattr(current, f"get_{part}_display", None)
            current = display() if callable(display) else getattr(current, part)
        if isinstance(current, models.Manager):
            return "; ".join(str(item) for item in current.all())
        return current


@dataclass
class Table:
    columns: list[Column]
    default_sort: str = "pk"
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    def sort_keys(self) -> dict[str, str]:
        return {c.name: c.sort for c in self.columns if c.sort}

    def ordering_for(self, requested: str | None) -> tuple[str, str]:
        """(public sort parameter, ORM ordering) for ``?sort=name`` / ``?sort=-name``; unknown keys fall back."""
        keys = self.sort_keys()
        if requested:
            descending = requested.startswith("-")
            name = requested.lstrip("-")
            if name in keys:
                order = keys[name]
                return requested, ("-" + order if descending else order)
        return "", self.default_sort

    def html_columns(self) -> list[Column]:
        return [c for c in self.columns if c.html]

    def export_columns(self) -> list[Column]:
        return [c for c in self.columns if c.export]

    def rows(self, objects: Iterable[Any], columns: list[Column]) -> Iterable[list[Any]]:
        for obj in objects:
            yield [column.value(obj) for column in columns]
