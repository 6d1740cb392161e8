"""The validated tables as small frozen dataclasses: what the templates see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

from .errors import Location

# Where a row comes from: upstream's 4.57.6 tables (kept in step by `codegen sync`)
# or an extension of ours (the Flax twins of PyTorch rows, models of your own).
Origin = Literal["upstream", "extension"]
# Where a row's classes are imported from unless the row names its modules.
UPSTREAM_PACKAGE = "transformers"


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
    # The model_type its config class stands for (see primary_model_types); a config
    # class of one model_type is always its primary: only rows that share one are not.
    primary: bool = True

    @property
    def config_position(self) -> tuple[int, int]:
        """Its place in CONFIG_MAPPING_NAMES: [configs] rows (upstream's order), then [extension] rows.

        Each section in its file order, wherever the file puts the section: the
        order of configs.toml's sections decides nothing.
        """
        return (0 if self.origin == "upstream" else 1, self.where.line)

    @property
    def config_module(self) -> str:
        return self.module or f"{UPSTREAM_PACKAGE}.models.{self.package}.configuration_{self.package}"

    @property
    def model_module(self) -> str:
        return self.models or f"{UPSTREAM_PACKAGE}.models.{self.package}.modeling_flax_{self.package}"


def primary_model_types(model_types: Iterable[ModelType]) -> tuple[ModelType, ...]:
    """The config table with `primary` set: per config class, the model_type it stands for.

    Upstream's reverse lookup (transformers 4.57.6 auto_factory._LazyAutoMapping,
    `{config: model_type for model_type, config in CONFIG_MAPPING_NAMES.items()}`)
    maps a config class to the last of its model types in CONFIG_MAPPING_NAMES:
    gpt2 for GPT2Config (not gpt-sw3), llama for LlamaConfig (not code_llama).
    Here that is the last one in [configs], which mirrors CONFIG_MAPPING_NAMES;
    [extension] model types are not in upstream's table, so one of them is primary
    only for a config class that [configs] does not have.
    """
    ordered = sorted(model_types, key=lambda model_type: model_type.config_position)
    primary: dict[str, ModelType] = {}
    for model_type in ordered:
        current = primary.get(model_type.config_class)
        if current is None or current.origin == model_type.origin:
            primary[model_type.config_class] = model_type
    marked = ((model_type, primary[model_type.config_class] is model_type) for model_type in ordered)
    # Copied only where the flag changes: nearly every config class has one model_type.
    return tuple(model_type if model_type.primary == flag else replace(model_type, primary=flag) for model_type, flag in marked)


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

    @cached_property
    def served(self) -> dict[str, Entry]:
        """Config class -> the row a config instance of that class gets: the one precedence.

        Rows may share a config class (gpt2 and gpt-sw3, llama and code_llama, a
        row of yours beside upstream's); a model_type string always gets its own
        row, a config instance gets this one. Upstream's rule
        (_LazyAutoMapping.__getitem__): the row of the class's primary model_type
        if the table has it, else the table's first row of the class in
        CONFIG_MAPPING_NAMES order. Upstream's rows ([models]) are asked first,
        so an extension row serves only a config class that none of them serves.
        Keys come in CONFIG_MAPPING_NAMES order, as upstream's mapping lists them.

        The generated mapping, the typing overloads, `explain` and `list` all read
        this; nothing else decides it.
        """
        served: dict[str, Entry] = {}
        for entry in sorted(self.entries, key=lambda entry: entry.model_type.config_position):
            best = served.setdefault(entry.model_type.config_class, entry)
            if _precedence(entry) < _precedence(best):
                served[entry.model_type.config_class] = entry
        return served

    @cached_property
    def model_class_by_config(self) -> dict[str, str]:
        """Config class -> model class, one per config class (`served`): what the overloads promise."""
        return {config_class: entry.model_class for config_class, entry in self.served.items()}

    @property
    def shared(self) -> dict[str, Entry]:
        """The part of `served` where rows share a config class: the choices the precedence made."""
        return {config_class: entry for config_class, entry in self.served.items() if len(self._by_config[config_class]) > 1}

    def sharing(self, entry: Entry) -> tuple[Entry, ...]:
        """The other rows of this table with entry's config class."""
        return tuple(other for other in self._by_config[entry.model_type.config_class] if other is not entry)

    @cached_property
    def _by_config(self) -> dict[str, tuple[Entry, ...]]:
        grouped: dict[str, list[Entry]] = {}
        for entry in self.entries:
            grouped.setdefault(entry.model_type.config_class, []).append(entry)
        return {config_class: tuple(entries) for config_class, entries in grouped.items()}

    @property
    def row_sources(self) -> list[str]:
        """The table files of the extension rows: this table's, and a user's table that adds to it."""
        return sorted({entry.where.path for entry in self.extension_entries}, key=lambda path: (path != self.source, path))

    @property
    def config_sources(self) -> list[str]:
        """The config tables that this task's rows take their model types from."""
        return sorted({entry.model_type.where.path for entry in self.entries})

    @property
    def exported_names(self) -> tuple[str, str, str, str]:
        """What the task's module defines for the package to export, in `__all__`'s order."""
        return (self.mapping, self.mapping_names, self.auto_class, self.dispatch)


def _precedence(entry: Entry) -> tuple[bool, bool, tuple[int, int]]:
    """Sorts the rows of one config class: upstream's first, then the primary model_type, then table order."""
    return (entry.origin != "upstream", not entry.model_type.primary, entry.model_type.config_position)


@dataclass(frozen=True)
class Tables:
    """Everything the generator renders: the config table and the task tables."""

    model_types: tuple[ModelType, ...]
    tasks: tuple[Task, ...]
    sources: tuple[str, ...]
    upstream_transformers: str  # "" when no row of upstream's is generated
    package: str = "flax_auto"  # the dotted name of the generated package
