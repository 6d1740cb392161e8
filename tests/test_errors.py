"""Unsupported configs and model types fail early with a message that helps."""

from __future__ import annotations

import pytest
from transformers import BertConfig, DeiTConfig, GPT2Config

import flax_auto


def test_unsupported_config_names_auto_class_config_model_type_and_closest_match() -> None:
    with pytest.raises(ValueError) as raised:
        flax_auto.FlaxAutoModelForCausalLM.from_config(DeiTConfig())
    message = str(raised.value)
    assert "FlaxAutoModelForCausalLM" in message
    assert "DeiTConfig (model_type 'deit')" in message
    supported = ", ".join(flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES)
    assert f"Supported model types: {supported}." in message
    assert message.endswith("Did you mean 'bert'?")


def test_config_of_another_task_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"configuration class GPT2Config \(model_type 'gpt2'\) for FlaxAutoModelForMaskedLM"):
        flax_auto.masked_lm_class_for(GPT2Config())


def test_unknown_model_type_string_suggests_the_closest() -> None:
    with pytest.raises(ValueError, match=r"Unrecognized model_type 'robertta' for FlaxAutoModelForTokenClassification\..*Did you mean 'roberta'\?$"):
        flax_auto.token_classification_class_for("robertta")


def test_model_type_strings_and_configs_dispatch_alike() -> None:
    assert flax_auto.model_class_for("bert") is flax_auto.model_class_for(BertConfig())
    assert flax_auto.causal_lm_class_for("gpt-sw3") is flax_auto.causal_lm_class_for(GPT2Config())


def test_unknown_model_type_in_config_table() -> None:
    with pytest.raises(ValueError, match=r"Unrecognized model_type 'gtp2'.*Did you mean 'gpt2'\?$"):
        flax_auto.config_class_for("gtp2")


def test_auto_classes_cannot_be_instantiated() -> None:
    with pytest.raises(OSError, match=r"FlaxAutoModel is designed to be instantiated using"):
        flax_auto.FlaxAutoModel()
