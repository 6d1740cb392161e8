"""flax_auto is transformers 4.57.6's Flax auto module, eager: same names, same tables, same choices.

Every question is asked of both: upstream's lazy mappings and `_get_model_class`
(tests/oracle.py), and flax_auto's eager dicts and dispatch functions. Where
upstream refuses and flax_auto serves, the row must be an extension row of the
tables (oracle.EXTENSIONS): a documented difference, never a silent one.
"""

from __future__ import annotations

from collections import OrderedDict

import pytest
from oracle import ENTRIES, EXTENSIONS, TABLES, choice, upstream
from tiny_models import TINY_CONFIGS
from transformers import GPT2Config
from transformers.models.auto.auto_factory import _get_model_class, _LazyAutoMapping
from transformers.models.auto.configuration_auto import (
    CONFIG_MAPPING as UPSTREAM_CONFIGS,
)
from transformers.models.auto.configuration_auto import (
    CONFIG_MAPPING_NAMES as UPSTREAM_CONFIG_NAMES,
)
from transformers.models.gpt2.modeling_flax_gpt2 import (
    FlaxGPT2LMHeadModel,
    FlaxGPT2Model,
)

import flax_auto
from codegen.load import parse_table
from codegen.model import Task
from codegen.validate import validate
from flax_auto import AutoModelClass, ModelMapping

pytestmark = pytest.mark.bounds

TASKS = {task.auto_class: task for task in TABLES.tasks}
UPSTREAM_MAPPINGS = sorted(name for name in vars(upstream) if name.startswith("FLAX_MODEL_"))
# Every config class upstream knows, each once (gpt2 and gpt-sw3 share GPT2Config).
ALL_CONFIG_CLASSES = list(dict.fromkeys(UPSTREAM_CONFIGS[model_type] for model_type in UPSTREAM_CONFIG_NAMES))


def test_flax_auto_has_every_public_name_of_upstream_and_the_same_auto_classes() -> None:
    names = set(upstream.__all__) | set(UPSTREAM_MAPPINGS)
    assert len(UPSTREAM_MAPPINGS) == 28  # 14 tables, each as _MAPPING_NAMES and _MAPPING
    assert names <= set(flax_auto.__all__)
    for name in names:
        assert getattr(flax_auto, name) is not None
    for name in upstream.__all__:
        if name.startswith("FlaxAuto"):
            assert getattr(flax_auto, name).__name__ == name
    # The 14 upstream tables of flax_auto are upstream's 14, plus an auto class for the audio one.
    upstream_tasks = {task.mapping for task in TABLES.tasks if task.origin == "upstream"}
    assert upstream_tasks == {n for n in UPSTREAM_MAPPINGS if n.endswith("_MAPPING")}
    # Our tasks are the Flax form of PyTorch auto classes, which upstream's Flax module lacks.
    ours = {task.auto_class for task in TABLES.tasks if task.origin == "extension"}
    assert ours == {"FlaxAutoModelForCTC", "FlaxAutoModelForTextEncoding"}
    assert not ours & set(vars(upstream))


@pytest.mark.parametrize("auto_name", TASKS)
def test_mapping_names_equal_upstream_keys_values_and_order(auto_name: str) -> None:
    task = TASKS[auto_name]
    ours = getattr(flax_auto, task.mapping_names)
    theirs = getattr(upstream, task.mapping_names, {})
    # Upstream's rows in upstream's order, then the extension rows in table order.
    extension = [(e.model_type.name, e.model_class) for e in task.extension_entries]
    assert list(ours.items()) == [*theirs.items(), *extension]
    assert not {name for name, _ in extension} & set(theirs)
    dispatch = getattr(flax_auto, task.dispatch)
    assert {model_type: dispatch(model_type).__name__ for model_type in theirs} == dict(theirs)


@pytest.mark.parametrize("auto_name", TASKS)
def test_mapping_equals_upstream_resolved_mapping(auto_name: str) -> None:
    task = TASKS[auto_name]
    ours = getattr(flax_auto, task.mapping)
    theirs = dict(getattr(upstream, task.mapping).items()) if task.origin == "upstream" else {}
    # Where upstream serves a config class, the same model class; the rest are extension rows.
    assert {config: model for config, model in ours.items() if config in theirs} == theirs
    extension = {config: model for config, model in ours.items() if config not in theirs}
    assert {config.__name__: model.__name__ for config, model in extension.items()} == {
        e.model_type.config_class: e.model_class
        for e in task.extension_entries
        if e.model_type.config_class not in {c.__name__ for c in theirs}
    }
    # Keys in CONFIG_MAPPING_NAMES' order, a shared config class once (at its first row):
    # upstream's order exactly where the table has no extension rows.
    rows = ours.model_types
    config_order = [flax_auto.CONFIG_MAPPING[name] for name in flax_auto.CONFIG_MAPPING_NAMES if name in rows]
    assert list(ours) == list(dict.fromkeys(config_order))
    if task.origin == "upstream" and not task.extension_entries:
        assert list(ours) == list(dict.fromkeys(getattr(upstream, task.mapping).keys()))
    assert getattr(flax_auto, auto_name)._model_mapping is ours


def test_config_table_is_upstreams_cut_to_the_config_classes_flax_auto_serves() -> None:
    """Every model_type upstream's config table maps to a served config class loads as upstream
    loads it: the aliases too (code_llama -> LlamaConfig, nougat -> VisionEncoderDecoderConfig)."""
    assert list(flax_auto.CONFIG_MAPPING_NAMES) == [
        model_type for model_type in UPSTREAM_CONFIG_NAMES if model_type in flax_auto.CONFIG_MAPPING_NAMES
    ]
    for model_type, config_class in flax_auto.CONFIG_MAPPING.items():
        assert config_class is UPSTREAM_CONFIGS[model_type], model_type
        assert flax_auto.CONFIG_MAPPING_NAMES[model_type] == UPSTREAM_CONFIG_NAMES[model_type]
    served = {flax_auto.CONFIG_MAPPING[model_type] for _, model_type in ENTRIES}
    expected = {model_type for model_type in UPSTREAM_CONFIG_NAMES if UPSTREAM_CONFIGS[model_type] in served}
    assert set(flax_auto.CONFIG_MAPPING) == expected
    assert "nougat" in expected - {model_type for _, model_type in ENTRIES}
    assert "code_llama" in expected


@pytest.mark.parametrize("auto_name", TASKS)
def test_every_config_class_upstream_knows_gets_the_same_class_or_the_same_refusal(auto_name: str) -> None:
    """All ~400 config classes of upstream's CONFIG_MAPPING, on this auto class.

    Dispatch, ours and upstream's, reads only the config's class (and, for
    tuple values, `architectures`), so an instance made without __init__ is
    enough; many configs refuse default construction or would go online.
    """
    dispatch = getattr(flax_auto, TASKS[auto_name].dispatch)
    # Config class name -> model class name of this task's extension rows.
    extension = {
        e.model_type.config_class: e.model_class for e in TASKS[auto_name].extension_entries
    }
    accepted = 0
    for config_class in ALL_CONFIG_CLASSES:
        config = config_class.__new__(config_class)
        expected = choice(auto_name, config)
        if expected is None and config_class.__name__ in extension:
            assert dispatch(config).__name__ == extension[config_class.__name__], config_class
            accepted += 1
        elif expected is None:
            with pytest.raises(ValueError, match=f"Unrecognized configuration class {config_class.__name__} "):
                dispatch(config)
        else:
            assert dispatch(config) is expected, config_class
            accepted += 1
    assert len(ALL_CONFIG_CLASSES) > 400
    assert accepted == len(getattr(flax_auto, TASKS[auto_name].mapping))


@pytest.mark.parametrize(("auto_name", "model_type"), ENTRIES, ids=[f"{a}-{m}" for a, m in ENTRIES])
def test_architectures_in_the_config_do_not_change_the_choice(auto_name: str, model_type: str) -> None:
    """Upstream reads `architectures` only for a table value that is a tuple of classes.

    4.57.6's Flax tables have none, so the tables here hold one class per row;
    a config naming other architectures gets the row's class from both.
    """
    upstream_names = getattr(upstream, TASKS[auto_name].mapping_names, {})
    assert not any(isinstance(name, tuple) for name in upstream_names.values())
    config = TINY_CONFIGS[model_type]()
    table_class = getattr(flax_auto, TASKS[auto_name].dispatch)(config)
    others = sorted({entry.model_class for task in TABLES.tasks for entry in task.entries} - {table_class.__name__})
    config.architectures = [*others, *(name.removeprefix("Flax") for name in others)]
    assert getattr(flax_auto, TASKS[auto_name].dispatch)(config) is table_class
    expected = choice(auto_name, config)
    if expected is None:  # upstream refuses: only an extension row may serve it
        assert EXTENSIONS[auto_name, model_type] == table_class.__name__
    else:
        assert expected is table_class


def shared_config_task(rows: list[str], classes: dict[str, str]) -> Task:
    """A table whose rows `rows` (in that order) share GPT2Config, validated by the generator."""
    configs = '[upstream]\ntransformers = "4.57.6"\n[configs]\n"gpt-sw3" = { config = "GPT2Config", package = "gpt2" }\ngpt2 = "GPT2Config"\n'
    task = '[task]\nauto_class = "SharedConfigAuto"\nmapping = "SHARED_MAPPING"\nhead_doc = ""\n[models]\n'
    task += "".join(f'"{row}" = "{classes[row]}"\n' for row in rows)
    return validate([parse_table(configs, "tables/configs.toml"), parse_table(task, "tables/shared.toml")]).tasks[0]


@pytest.mark.parametrize("rows", [["gpt-sw3", "gpt2"], ["gpt2", "gpt-sw3"]], ids=["table-order", "reversed"])
def test_a_config_class_shared_by_two_rows_resolves_like_upstream(rows: list[str]) -> None:
    """gpt2 and gpt-sw3 share GPT2Config; upstream takes the row of the model_type last in
    CONFIG_MAPPING_NAMES (gpt2), whatever the table's order. The real tables give both
    rows the same class, so two different classes show which row wins. The generator
    decides (Task.served) and the generated module hands its answer to ModelMapping."""
    classes = {"gpt-sw3": FlaxGPT2LMHeadModel, "gpt2": FlaxGPT2Model}
    served = shared_config_task(rows, {row: model.__name__ for row, model in classes.items()}).served
    ours = ModelMapping(
        "SharedConfigAuto",
        flax_auto.CONFIG_MAPPING,
        {row: (GPT2Config, classes[row]) for row in rows},
        {GPT2Config: classes[served["GPT2Config"].model_type.name]},
    )
    theirs = _LazyAutoMapping(UPSTREAM_CONFIG_NAMES, OrderedDict((row, classes[row].__name__) for row in rows))

    class SharedConfigAuto(AutoModelClass):
        _model_mapping = ours

    config = GPT2Config(**{"n_embd": 16, "n_layer": 1, "n_head": 2, "vocab_size": 99})
    assert GPT2Config in theirs
    assert ours.model_class(config) is _get_model_class(config, theirs) is FlaxGPT2Model
    assert type(SharedConfigAuto.from_config(config, _do_init=False)) is FlaxGPT2Model
    # A model_type string still names its own row.
    assert ours.model_class("gpt-sw3") is FlaxGPT2LMHeadModel


@pytest.mark.parametrize("rows", [["gpt-sw3", "gpt2"], ["gpt2", "gpt-sw3"]], ids=["table-order", "reversed"])
def test_the_typing_overloads_of_a_shared_config_class_promise_the_same_row(rows: list[str]) -> None:
    """The generator's side of the rule above: model_class_by_config feeds the overloads."""
    task = shared_config_task(rows, {"gpt-sw3": "FlaxGPT2LMHeadModel", "gpt2": "FlaxGPT2Model"})
    assert task.model_class_by_config == {"GPT2Config": "FlaxGPT2Model"}


@pytest.mark.parametrize("auto_name", [name for name, task in TASKS.items() if task.origin == "upstream"])
def test_mapping_views_count_config_classes_and_model_types_count_rows(auto_name: str) -> None:
    """A deliberate difference (README): upstream's lazy mapping lists one entry per row
    (len 17 for causal LM, GPT2Config twice, keys() a list); ModelMapping is a real dict
    keyed by config class, so len/keys/values/items count each config class once, and
    `model_types` holds the rows. A dict whose len() disagreed with its own keys would
    break dict(), ==, and every consumer that trusts the Mapping contract."""
    task = TASKS[auto_name]
    ours, theirs = getattr(flax_auto, task.mapping), getattr(upstream, task.mapping)
    upstream_rows = {e.model_type.name: e.model_class for e in task.upstream_entries}
    assert len(theirs) == len(theirs.keys()) == len(theirs.values()) == len(theirs.items()) == len(upstream_rows)
    assert isinstance(theirs.keys(), list)
    extension_configs = {config for config, model in ours.items() if config not in dict(theirs.items())}
    assert len(ours) == len(set(theirs.keys())) + len(extension_configs)
    assert list(ours.keys()) == list(ours) and list(ours.values()) == [ours[c] for c in ours]
    assert set(theirs.items()) <= set(ours.items())
    assert len(ours.model_types) == len(task.entries)
    assert {name: model.__name__ for name, model in ours.model_types.items() if name in upstream_rows} == upstream_rows


def test_the_causal_lm_mapping_shows_the_difference_in_numbers() -> None:
    ours, theirs = flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING, upstream.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING
    assert (len(theirs), theirs.keys().count(GPT2Config)) == (17, 2)
    # 16 config classes (GPT2Config once), 18 rows (upstream's 17 and code_llama, an extension).
    assert (len(ours), list(ours).count(GPT2Config), len(ours.model_types)) == (16, 1, 18)
