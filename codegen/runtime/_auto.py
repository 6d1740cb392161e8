"""What every generated auto class shares: the config table, the eager mappings, the class methods.

Upstream resolves its mappings lazily, class by class, on first use; here
each mapping is filled when its module is imported, so dispatch is one hash
lookup and an unsupported config fails with a message that names the auto
class, the config and the close matches.

This module is copied verbatim into every generated package, which so needs
nothing of flax-auto at run time. It imports only transformers, and names
the package it lives in from its own `__name__`.

The mappings are read-only, as upstream's are: `register()` is the one way
to add to them. A registration builds the new rows aside and swaps them in
whole under one lock, so concurrent registrations never lose each other and
a reader sees a model either fully registered or not at all.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, cast

from transformers.configuration_utils import PretrainedConfig
from transformers.modeling_flax_utils import FlaxPreTrainedModel

PACKAGE = __name__.rpartition(".")[0] or __name__
"""The generated package this copy of the runtime belongs to, as its error messages name it."""

# One lock for every registration of the package: a model registration may add a config too.
REGISTRATION = threading.RLock()

HUB_KWARGS = (
    "cache_dir",
    "force_download",
    "local_files_only",
    "proxies",
    "resume_download",
    "revision",
    "subfolder",
    "use_auth_token",
    "token",
)

ConfigClass = type[PretrainedConfig]
ModelClass = type[FlaxPreTrainedModel]


def closest(name: object, choices: list[str]) -> str:
    """` Did you mean 'x'?` for the closest other choice, or nothing when none is close."""
    if not isinstance(name, str):
        return ""
    others = [choice for choice in choices if choice != name]
    matches = difflib.get_close_matches(name, others, n=1, cutoff=0.5)
    return f" Did you mean {matches[0]!r}?" if matches else ""


class LiveView(Mapping[Any, Any]):
    """A read-only view of whichever dict a registry holds now (registrations replace it)."""

    def __init__(self, current: Callable[[], Mapping[Any, Any]]) -> None:
        self._current = current

    def __getitem__(self, key: Any) -> Any:
        return self._current()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self._current())!r})"


class ConfigTable(Mapping[str, ConfigClass]):
    """model_type -> config class, complete at import time: how `from_pretrained` reads a config.json.

    Read-only like upstream's CONFIG_MAPPING; `register` adds a model_type.
    `names` is the model_type -> class name view (upstream's CONFIG_MAPPING_NAMES).
    """

    def __init__(self, classes: dict[str, ConfigClass]) -> None:
        self._classes: Mapping[str, ConfigClass] = MappingProxyType(dict(classes))
        self.builtin = frozenset(classes)
        self._named: tuple[Mapping[str, ConfigClass], Mapping[str, str]] | None = None
        self.names: Mapping[str, str] = LiveView(self._names)

    def _names(self) -> Mapping[str, str]:
        """The class names of the current classes, worked out once per registration, not per lookup."""
        classes, named = self._classes, self._named
        if named is None or named[0] is not classes:
            named = (classes, {name: cls.__name__ for name, cls in classes.items()})
            self._named = named
        return named[1]

    def __getitem__(self, model_type: str) -> ConfigClass:
        return self._classes[model_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self._classes)!r})"

    def config_class_for(self, model_type: object) -> ConfigClass:
        """The config class of a model_type; ValueError listing the known ones and the closest match."""
        classes = self._classes
        if isinstance(model_type, str) and model_type in classes:
            return classes[model_type]
        raise ValueError(
            f"Unrecognized model_type {model_type!r}: {PACKAGE} knows no config class for it. "
            f"Known model types: {', '.join(classes)}.{closest(model_type, list(classes))}"
        )

    def register(
        self, model_type: str, config_class: ConfigClass, exist_ok: bool = False
    ) -> None:
        """Teach `from_pretrained` a model_type; a model_type of the table needs exist_ok."""
        require_class("register_config", "config class", config_class, PretrainedConfig)
        # Typed str, but callers without a type checker pass anything; another key
        # would break every listing of the model types.
        given = cast(object, model_type)
        if not (isinstance(given, str) and given):
            raise ValueError(
                f"register_config takes a model_type string, not {described(given)}."
            )
        if config_class.model_type != model_type:
            raise ValueError(
                "The config you are passing has a `model_type` attribute that is not consistent with the model "
                f"type you passed (config has {config_class.model_type} and you passed {model_type}. Fix one of "
                "those so they match!"
            )
        if model_type in self.builtin and not exist_ok:
            raise ValueError(
                f"'{model_type}' is already used by a Transformers config, pick another name."
            )
        with REGISTRATION:
            self._classes = MappingProxyType(
                {**self._classes, model_type: config_class}
            )

    def load(
        self,
        reader: str,
        pretrained_model_name_or_path: str | os.PathLike[str],
        /,
        **kwargs: Any,
    ) -> Any:
        """A checkpoint's config.json read into the config class of its model_type; `reader` names the caller."""
        kwargs["_from_auto"] = True
        kwargs["name_or_path"] = pretrained_model_name_or_path
        try:
            config_dict, unused_kwargs = ConfigFileReader.get_config_dict(
                pretrained_model_name_or_path, **kwargs
            )
        except MalformedConfigFile as error:
            raise ValueError(f"{reader}: {error}") from None
        if not config_dict:
            raise OSError(
                f"{pretrained_model_name_or_path} does not appear to have a file named config.json."
            )
        if "AutoConfig" in config_dict.get("auto_map", {}):
            raise ValueError(
                f"{reader}: The config.json of {pretrained_model_name_or_path} asks for remote code (auto_map); "
                f"{PACKAGE} does not run it. Import the config class and call register_config()."
            )
        model_type = config_dict.get("model_type")
        if not model_type:
            raise ValueError(
                f"{reader}: The config.json of {pretrained_model_name_or_path} has no `model_type`, "
                f"so {PACKAGE} cannot tell which config class to use."
            )
        try:
            config_class = self.config_class_for(model_type)
        except ValueError as error:
            raise ValueError(
                f"{reader}: In the config.json of {pretrained_model_name_or_path}: {error}"
            ) from None
        return config_class.from_dict(config_dict, **unused_kwargs)


class MalformedConfigFile(ValueError):
    """A config.json that is JSON, but not shaped like a config."""


def json_type(value: object) -> str:
    """The JSON name of a parsed JSON value's type, for error messages."""
    names: dict[type[object], str] = {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        type(None): "null",
    }
    return names.get(type(value), "number")


class ConfigFileReader(PretrainedConfig):
    """transformers' own reading of config.json, with the shape of its content checked.

    transformers indexes the content as an object with a string `model_type`
    and trips over anything else with a TypeError that names neither the file
    nor the caller; this reader names the file (the caller adds itself).
    """

    @classmethod
    def _dict_from_json_file(cls, json_file: str | os.PathLike[str]) -> dict[str, Any]:
        content: object = super()._dict_from_json_file(json_file)
        if not isinstance(content, dict):
            raise MalformedConfigFile(
                f"{json_file} holds a JSON {json_type(content)}, not an object"
            )
        config_dict = cast("dict[str, Any]", content)
        model_type = config_dict.get("model_type", "")
        if not isinstance(model_type, str):
            raise MalformedConfigFile(
                f"{json_file} has a `model_type` that is not a string: {model_type!r}"
            )
        auto_map = config_dict.get("auto_map", {})
        if not isinstance(auto_map, dict):
            raise MalformedConfigFile(
                f"{json_file} has an `auto_map` that is not a JSON object: {auto_map!r}"
            )
        return config_dict


def refuse_remote_code(
    auto_class: str, config: object, trust_remote_code: object
) -> None:
    """The package runs no code from a checkpoint; register() is the way to add a model."""
    auto_map: dict[str, Any] = getattr(config, "auto_map", None) or {}
    if trust_remote_code or auto_class in auto_map:
        raise ValueError(
            f"{auto_class} does not load remote code (trust_remote_code / auto_map). "
            f"Import the model class yourself and call {auto_class}.register(config_class, model_class)."
        )


def not_a_config(value: object) -> str:
    """What was passed where a config belongs, and what to pass instead."""
    if isinstance(value, type):
        return f"the class {value.__name__}: call it, {value.__name__}(...)"
    if isinstance(value, str):
        return f"the string {value!r}: build its config first, config_class_for({value!r})(...)"
    return repr(value) if value is None else f"a {type(value).__name__}"


def described(value: object) -> str:
    """A value passed where a class belongs, in words."""
    if isinstance(value, type):
        return f"the class {value.__name__}"
    if value is None or isinstance(value, (str, int, float)):
        return repr(value)
    return f"a {type(value).__name__} instance"


def require_class(caller: str, what: str, value: object, base: type) -> None:
    """Refuse anything but a subclass of base where register() takes a class.

    Registered, a string or None would be found by every later lookup and fail
    there, far from the registration, or read as "not registered" at all.
    """
    if not (isinstance(value, type) and issubclass(value, base)):
        raise ValueError(
            f"{caller} takes a {what} (a subclass of {base.__name__}), not {described(value)}."
        )


def require_classes(caller: str, config_class: object, model_class: object) -> None:
    require_class(caller, "config class", config_class, PretrainedConfig)
    require_class(caller, "model class", model_class, FlaxPreTrainedModel)


def require_config(caller: str, config: object) -> None:
    """Refuse anything but a config instance before dispatch: a model_type string would get past it.

    Typed `object`: callers without a type checker pass anything.
    """
    if not isinstance(config, PretrainedConfig):
        raise ValueError(
            f"{caller} takes a config instance (a PretrainedConfig), not {not_a_config(config)}."
        )


@dataclass(frozen=True)
class Rows:
    """One auto class's rows at one moment; a registration replaces the whole of it."""

    by_config: Mapping[
        ConfigClass, ModelClass
    ]  # what dispatch on a config instance reads
    model_types: Mapping[
        str, ModelClass
    ]  # one per row: dispatch on a model_type string
    config_classes: Mapping[
        str, ConfigClass
    ]  # the config class of each row's model_type


class ModelMapping(Mapping[ConfigClass, ModelClass]):
    """Config class -> Flax model class for one auto class, complete at import time.

    Upstream's `FLAX_MODEL_*_MAPPING`, resolved: read-only, keyed by config
    class. `model_types` is the table's model_type -> model class view, for
    string lookups and error messages. Where two rows share a config class
    (gpt2 and gpt-sw3: GPT2Config), `served` is the generator's answer, written
    out in the task module (codegen.model's one precedence): nothing here
    re-derives it, so the overloads, `explain` and dispatch cannot disagree.
    len/keys count each config class once; `model_types` has one entry per row.
    """

    def __init__(
        self,
        auto_class: str,
        configs: ConfigTable,
        rows: dict[str, tuple[ConfigClass, ModelClass]],
        served: dict[ConfigClass, ModelClass],
    ) -> None:
        self.auto_class = auto_class
        self.configs = configs
        self.rows = Rows(
            by_config=MappingProxyType(dict(served)),
            model_types=MappingProxyType(
                {name: model for name, (_, model) in rows.items()}
            ),
            config_classes=MappingProxyType(
                {name: config for name, (config, _) in rows.items()}
            ),
        )
        self.builtin_config_names = frozenset(
            config.__name__ for config, _ in rows.values()
        )

    def __getitem__(self, config_class: ConfigClass) -> ModelClass:
        return self.rows.by_config[config_class]

    def __iter__(self) -> Iterator[ConfigClass]:
        return iter(self.rows.by_config)

    def __len__(self) -> int:
        return len(self.rows.by_config)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.auto_class!r}, {dict(self.rows.by_config)!r})"
        )

    @property
    def model_types(self) -> Mapping[str, ModelClass]:
        return self.rows.model_types

    @property
    def config_classes(self) -> Mapping[str, ConfigClass]:
        return self.rows.config_classes

    def model_class(self, config: PretrainedConfig | str) -> ModelClass:
        """The model class for a config instance or a model_type string."""
        model_class = self.rows.by_config.get(type(config))  # type: ignore[call-overload]
        return (
            model_class
            if model_class is not None
            else self.model_class_for_type(config)
        )

    def model_class_for_type(self, config: object) -> ModelClass:
        """The slow path: a model_type string, or an error that says what would work."""
        rows = self.rows
        if isinstance(config, str):
            model_class = rows.model_types.get(config)
            if model_class is not None:
                return model_class
            what, model_type = f"model_type {config!r}", config
        elif isinstance(config, PretrainedConfig):
            model_type = cast(object, config.model_type)
            what = f"configuration class {type(config).__name__} (model_type {model_type!r})"
        else:
            raise ValueError(
                f"{self.auto_class} takes a config or a model_type string, not {not_a_config(config)}."
            )
        supported = list(rows.model_types)
        hint = closest(model_type, supported)
        served_by = (
            rows.config_classes.get(model_type) if isinstance(model_type, str) else None
        )
        if served_by is not None and not isinstance(config, str):
            hint = (
                f" model_type {model_type!r} is supported through {served_by.__name__}; "
                f"{type(config).__name__} is another class: register it with "
                f"{self.auto_class}.register({type(config).__name__}, model_class)."
            )
        raise ValueError(
            f"Unrecognized {what} for {self.auto_class}. Supported model types: {', '.join(supported)}.{hint}"
        )

    def register(
        self, config_class: ConfigClass, model_class: ModelClass, exist_ok: bool = False
    ) -> None:
        """Add a user model; a built-in config class is refused unless exist_ok.

        As upstream, the latest registration wins. The model_type strings that
        stand for this config class follow it: its own model_type (taught to the
        config table unless the table has it already) and the table's rows of
        the same config class (gpt2 and gpt-sw3 for GPT2Config).
        """
        require_classes(f"{self.auto_class}.register", config_class, model_class)
        if config_class.__name__ in self.builtin_config_names and not exist_ok:
            raise ValueError(
                f"'{config_class}' is already used by a Transformers model."
            )
        model_type: object = getattr(config_class, "model_type", "")
        if not isinstance(model_type, str):
            model_type = ""  # no model_type string stands for this class: it is dispatched by class only
        with REGISTRATION:
            if model_type and model_type not in self.configs.builtin:
                self.configs.register(model_type, config_class, exist_ok=True)
            rows = self.rows
            config_classes = dict(rows.config_classes)
            if model_type and self.configs.get(model_type) is config_class:
                config_classes[model_type] = config_class
            model_types = dict(rows.model_types)
            model_types.update(
                (name, model_class)
                for name, config in config_classes.items()
                if config is config_class
            )
            self.rows = Rows(
                by_config=MappingProxyType(
                    {**rows.by_config, config_class: model_class}
                ),
                model_types=MappingProxyType(model_types),
                config_classes=MappingProxyType(config_classes),
            )


class AutoModelClass:
    """Base of the generated auto classes; each subclass sets `_model_mapping`."""

    _model_mapping: ClassVar[ModelMapping]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        name = type(self).__name__
        raise OSError(
            f"{name} is designed to be instantiated using the "
            f"`{name}.from_pretrained(pretrained_model_name_or_path)` or "
            f"`{name}.from_config(config)` methods."
        )

    @classmethod
    def from_config(
        cls, config: PretrainedConfig, **kwargs: Any
    ) -> FlaxPreTrainedModel:
        """A new model, randomly initialised, of the class this config selects."""
        require_config(f"{cls.__name__}.from_config", config)
        refuse_remote_code(cls.__name__, config, kwargs.pop("trust_remote_code", None))
        model_class = cls._model_mapping.model_class(config)
        # Upstream's auto classes build through this protected hook too.
        return model_class._from_config(  # pyright: ignore[reportPrivateUsage]
            config, **kwargs
        )

    @classmethod
    def from_pretrained(
        cls,
        pretrained_model_name_or_path: str | os.PathLike[str],
        *model_args: Any,
        **kwargs: Any,
    ) -> FlaxPreTrainedModel | tuple[FlaxPreTrainedModel, dict[str, Any]]:
        """Load a checkpoint with the model class its config selects.

        The config comes from `config=` or from the checkpoint's config.json,
        read through the package's own config table; the rest (weights, dtype,
        hub arguments) is the concrete class's `from_pretrained`.
        """
        config = kwargs.pop("config", None)
        trust_remote_code = kwargs.pop("trust_remote_code", None)
        kwargs["_from_auto"] = True
        hub_kwargs = {name: kwargs.pop(name) for name in HUB_KWARGS if name in kwargs}
        if not isinstance(config, PretrainedConfig):
            config, kwargs = cls._model_mapping.configs.load(
                f"{cls.__name__}.from_pretrained",
                pretrained_model_name_or_path,
                return_unused_kwargs=True,
                **hub_kwargs,
                **kwargs,
            )
        refuse_remote_code(cls.__name__, config, trust_remote_code)
        model_class = cls._model_mapping.model_class(config)
        if model_class.config_class == config.sub_configs.get("text_config", None):
            config = config.get_text_config()
        # (model, params) with _do_init=False; upstream leaves the params dict untyped.
        return (
            model_class.from_pretrained(  # pyright: ignore[reportUnknownVariableType]
                pretrained_model_name_or_path,
                *model_args,
                config=config,
                **hub_kwargs,
                **kwargs,
            )
        )

    @classmethod
    def register(
        cls, config_class: ConfigClass, model_class: ModelClass, exist_ok: bool = False
    ) -> None:
        """Make this auto class pick `model_class` for `config_class` (and its model_type)."""
        require_classes(f"{cls.__name__}.register", config_class, model_class)
        declared = getattr(model_class, "config_class", None)
        if declared is not None and declared.__name__ != config_class.__name__:
            raise ValueError(
                "The model class you are passing has a `config_class` attribute that is not "
                f"consistent with the config class you passed (model has {declared} and you "
                f"passed {config_class}. Fix one of those so they match!"
            )
        cls._model_mapping.register(config_class, model_class, exist_ok=exist_ok)
