"""The validated tables as small frozen dataclasses: what the templates see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .errors import Location

# Where a row comes from: upstream's 4.57.6 tables (kept in step by `codegen sync`)
# or an extension of ours (the Flax twins of PyTorch rows, models of your own).
Origin = Literal["upstream", "extension"]


def group_imports(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(module, name) pairs as sorted `from module import a, b` groups, each name once."""
    grouped: dict[str, set[str]] = {}
    for module, name in pairs:
        grouped.setdefault(module, set()).add(name)
    return [(module, sorted(names)) for module, names in sorted(grouped.items())]


@dataclass(frozen=True)
class ModelType:
    """A model_type, its config class and the modules its classes are imported from.

    By default both live in transformers' package of the model_type; a row
    names `module` (config) and `models` (model classes) for any other place.
    """

    name: str
    config_class: str
    package: str
    where: Location
    origin: Origin = "upstream"
    module: str | None = None
    models: str | None = None

    @property
    def config_module(self) -> str:
        return self.module or f"transformers.models.{self.package}.configuration_{self.package}"

    @property
    def model_module(self) -> str:
        return self.models or f"transformers.models.{self.package}.modeling_flax_{self.package}"


@dataclass(frozen=True)
class Entry:
    """One row of a task table: model_type -> Flax model class."""

    model_type: ModelType
    model_class: str
    where: Location
    origin: Origin = "upstream"

    @property
    def model_module(self) -> str:
        return self.model_type.model_module


@dataclass(frozen=True)
class Task:
    """One task table, rendered as one module of flax_auto."""

    module: str
    auto_class: str
    mapping: str
    head_doc: str
    entries: tuple[Entry, ...]  # upstream's rows in upstream's order, then the extension rows
    source: str
    origin: Origin = "upstream"  # "extension": a task upstream's Flax module does not have

    @property
    def upstream_entries(self) -> tuple[Entry, ...]:
        """The rows `codegen sync` owns: the table's `[models]` section."""
        return tuple(entry for entry in self.entries if entry.origin == "upstream")

    @property
    def extension_entries(self) -> tuple[Entry, ...]:
        """Our rows beyond upstream's: the table's `[extension]` section."""
        return tuple(entry for entry in self.entries if entry.origin == "extension")

    @property
    def mapping_names(self) -> str:
        return f"{self.mapping}_NAMES"

    @property
    def dispatch(self) -> str:
        return f"{self.module}_class_for"

    @property
    def model_class_by_config(self) -> dict[str, str]:
        """Config class -> model class, one per config class, as the mapping dict resolves it.

        The typing overloads come from this: gpt2 and gpt-sw3 share GPT2Config, and
        two overloads for one config class would contradict each other. Like
        upstream (and ModelMapping), the row whose model_type comes last in the
        config table, which follows upstream's CONFIG_MAPPING_NAMES, wins.
        """
        by_config_order = sorted(self.entries, key=lambda entry: entry.model_type.where)
        return {e.model_type.config_class: e.model_class for e in by_config_order}

    @property
    def row_sources(self) -> list[str]:
        """The table files of the extension rows: this table's, and a user's table that adds to it."""
        return sorted({entry.where.path for entry in self.extension_entries}, key=lambda path: path != self.source)

    @property
    def config_sources(self) -> list[str]:
        """The config tables that this task's rows take their model types from."""
        return sorted({entry.model_type.where.path for entry in self.entries})

    @property
    def imports(self) -> list[tuple[str, list[str]]]:
        """The config and model classes this task's module imports, grouped by module."""
        pairs = [(e.model_type.config_module, e.model_type.config_class) for e in self.entries]
        pairs += [(e.model_module, e.model_class) for e in self.entries]
        return group_imports(pairs)


@dataclass(frozen=True)
class Tables:
    """Everything the generator renders: the config table and the task tables."""

    model_types: tuple[ModelType, ...]
    tasks: tuple[Task, ...]
    sources: tuple[str, ...]
    upstream_transformers: str  # "" when no row of upstream's is generated
    package: str = "flax_auto"  # the dotted name of the generated package

    @property
    def config_imports(self) -> list[tuple[str, list[str]]]:
        """Every config class, grouped by defining module."""
        return group_imports((m.config_module, m.config_class) for m in self.model_types)
