"""The dispatch functions' fast path (one dict lookup) and slow path (strings, errors) agree with upstream."""

from __future__ import annotations

import pytest
from transformers import GPT2Config, PretrainedConfig
from transformers.models.auto import modeling_flax_auto
from transformers.models.auto.auto_factory import _get_model_class
from transformers.models.gpt2.modeling_flax_gpt2 import FlaxGPT2LMHeadModel

import flax_auto
from codegen.build import load_tables

TABLES = load_tables()


@pytest.mark.parametrize("task", TABLES.tasks, ids=lambda task: task.module)
def test_config_instances_and_model_type_strings_pick_upstreams_class(task) -> None:
    class_for = vars(flax_auto)[task.dispatch]
    mapping = vars(flax_auto)[task.mapping]
    upstream = vars(modeling_flax_auto).get(task.mapping, {})  # none for a task of ours
    extension = {e.model_type.config_class: e.model_class for e in task.extension_entries}
    checked = 0
    for config_class in mapping:
        try:
            config = config_class()
        except Exception:  # composite configs (encoder-decoder) need their parts
            continue
        picked = class_for(config)
        assert picked is mapping.model_class(config)
        if config_class in upstream:
            assert picked is _get_model_class(config, upstream)
        else:  # upstream refuses it: an extension row serves it
            assert picked.__name__ == extension[config_class.__name__]
        checked += 1
    assert checked or task.module == "vision2seq"
    for entry in task.entries:
        assert class_for(entry.model_type.name).__name__ == entry.model_class


class UnknownConfig(PretrainedConfig):
    model_type = "no-such-model"


def test_an_unknown_config_raises_one_clean_value_error() -> None:
    for dispatch in (flax_auto.causal_lm_class_for, flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING.model_class):
        with pytest.raises(ValueError) as raised:
            dispatch(UnknownConfig())
        message = str(raised.value)
        assert (
            "UnknownConfig" in message
            and "'no-such-model'" in message
            and "FlaxAutoModelForCausalLM" in message
        )
        assert raised.value.__context__ is None, "the KeyError of the fast path leaked into the traceback"
        with pytest.raises(ValueError, match="model_type 'lama'.*Did you mean 'llama'"):
            dispatch("lama")


class SubclassedGPT2Config(GPT2Config):
    model_type = "subclassed-gpt2"


class FlaxSubclassedGPT2Model(FlaxGPT2LMHeadModel):
    config_class = SubclassedGPT2Config


@pytest.mark.usefixtures("restore_registrations")
def test_a_registered_config_class_is_found_by_the_fast_path() -> None:
    mapping = flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING
    with pytest.raises(ValueError, match="SubclassedGPT2Config"):
        flax_auto.causal_lm_class_for(SubclassedGPT2Config())
    flax_auto.FlaxAutoModelForCausalLM.register(SubclassedGPT2Config, FlaxSubclassedGPT2Model)
    assert flax_auto.causal_lm_class_for(SubclassedGPT2Config()) is FlaxSubclassedGPT2Model
    assert flax_auto.causal_lm_class_for("subclassed-gpt2") is FlaxSubclassedGPT2Model
    assert mapping.model_class(SubclassedGPT2Config()) is FlaxSubclassedGPT2Model
    assert flax_auto.causal_lm_class_for(GPT2Config()) is FlaxGPT2LMHeadModel
