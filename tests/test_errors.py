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


@pytest.mark.parametrize("not_a_config", ["gpt2", None, GPT2Config], ids=["model_type string", "None", "config class"])
def test_from_config_refuses_anything_but_a_config_instance_at_dispatch(not_a_config: object) -> None:
    """Upstream refuses these too (ValueError); flax_auto says what to pass instead."""
    from oracle import auto_class

    with pytest.raises(ValueError, match="Unrecognized configuration class"):
        auto_class("FlaxAutoModelForCausalLM").from_config(not_a_config)
    with pytest.raises(ValueError, match=r"FlaxAutoModelForCausalLM\.from_config takes a config instance") as raised:
        flax_auto.FlaxAutoModelForCausalLM.from_config(not_a_config)  # type: ignore[arg-type]
    assert "Did you mean" not in str(raised.value)


def test_dispatch_of_a_config_class_instead_of_an_instance_says_so() -> None:
    expected = "FlaxAutoModelForCausalLM takes a config or a model_type string, not "
    with pytest.raises(ValueError) as raised:
        flax_auto.causal_lm_class_for(GPT2Config)  # type: ignore[arg-type]
    assert str(raised.value) == expected + "the class GPT2Config: call it, GPT2Config(...)."
    with pytest.raises(ValueError) as raised:
        flax_auto.causal_lm_class_for(None)  # type: ignore[arg-type]
    assert str(raised.value) == expected + "None."


def test_a_subclass_of_a_supported_config_is_told_to_register_not_did_you_mean_the_same_type() -> None:
    class SubGPT2Config(GPT2Config):
        pass

    with pytest.raises(ValueError) as raised:
        flax_auto.causal_lm_class_for(SubGPT2Config())
    message = str(raised.value)
    assert "Did you mean" not in message
    assert message.startswith("Unrecognized configuration class SubGPT2Config (model_type 'gpt2') for FlaxAutoModelForCausalLM.")
    assert message.endswith(
        "model_type 'gpt2' is supported through GPT2Config; SubGPT2Config is another class: "
        "register it with FlaxAutoModelForCausalLM.register(SubGPT2Config, model_class)."
    )


def test_the_closest_match_is_never_the_name_given() -> None:
    from flax_auto._auto import closest

    assert closest("gpt2", ["gpt2", "gptj"]) == " Did you mean 'gptj'?"
    assert closest("gpt2", ["gpt2"]) == ""
