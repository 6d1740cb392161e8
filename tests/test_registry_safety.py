"""The registries under hostile use: threads registering at once, mutation from outside, odd model_types.

Upstream's registries take a lock and are read-only Mappings; flax_auto's
must hold up the same way: register() is the one way in, a registration is
whole or absent, and every bad model_type gives the documented ValueError.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from transformers import BertConfig, GPT2Config, PretrainedConfig
from transformers.models.bert.modeling_flax_bert import FlaxBertModel

import flax_auto

pytestmark = pytest.mark.usefixtures("restore_registrations")

THREADS, PER_THREAD = 8, 300


def user_classes(thread: int, index: int) -> tuple[type[PretrainedConfig], type[FlaxBertModel]]:
    name = f"race-{thread}-{index}"
    config = type(f"RaceConfig{thread}x{index}", (BertConfig,), {"model_type": name})
    model = type(f"FlaxRace{thread}x{index}", (FlaxBertModel,), {"config_class": config})
    return config, model


def test_concurrent_registrations_are_each_whole_and_none_is_lost() -> None:
    classes = [[user_classes(t, i) for i in range(PER_THREAD)] for t in range(THREADS)]
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def register_all(pairs: list[tuple[type[PretrainedConfig], type[FlaxBertModel]]]) -> None:
        start.wait()
        try:
            for config, model in pairs:
                flax_auto.FlaxAutoModel.register(config, model)
        except BaseException as error:  # collected: a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=register_all, args=(pairs,)) for pairs in classes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    mapping = flax_auto.FLAX_MODEL_MAPPING
    for pairs in classes:
        for config, model in pairs:
            # Both halves of each registration: the config class and the model_type string.
            assert mapping[config] is model
            assert flax_auto.model_class_for(config.model_type) is model
            assert flax_auto.config_class_for(config.model_type) is config


MUTATIONS: dict[str, Callable[[], object]] = {
    "pop": lambda: flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING.pop(GPT2Config),  # type: ignore[attr-defined]
    "setitem": lambda: flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING.__setitem__(GPT2Config, FlaxBertModel),  # type: ignore[attr-defined]
    "clear": lambda: flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING.clear(),  # type: ignore[attr-defined]
    "model_types": lambda: flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING.model_types.pop("gpt2"),  # type: ignore[attr-defined]
    "names": lambda: flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.pop("gpt2"),  # type: ignore[attr-defined]
    "config_mapping": lambda: flax_auto.CONFIG_MAPPING.pop("gpt2"),  # type: ignore[attr-defined]
    "config_names": lambda: flax_auto.CONFIG_MAPPING_NAMES.pop("gpt2"),  # type: ignore[attr-defined]
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_the_public_mappings_are_read_only(mutation: str) -> None:
    with pytest.raises((AttributeError, TypeError)):
        MUTATIONS[mutation]()
    assert flax_auto.causal_lm_class_for(GPT2Config()).__name__ == "FlaxGPT2LMHeadModel"
    assert flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES["gpt2"] == "FlaxGPT2LMHeadModel"
    assert flax_auto.config_class_for("gpt2") is GPT2Config


@pytest.mark.parametrize("model_type", [None, 7, 3.5, ["gpt2"]], ids=repr)
def test_a_config_whose_model_type_is_not_a_string_gets_the_documented_value_error(model_type: object) -> None:
    class OddConfig(PretrainedConfig):
        pass

    config = OddConfig()
    config.model_type = model_type  # type: ignore[assignment]
    with pytest.raises(ValueError, match=r"Unrecognized configuration class OddConfig .*Supported model types: "):
        flax_auto.causal_lm_class_for(config)
    with pytest.raises(ValueError, match=r"Unrecognized model_type .*Known model types: "):
        flax_auto.config_class_for(model_type)  # type: ignore[arg-type]


BAD_REGISTRATIONS: dict[str, tuple[Callable[[], None], str]] = {
    "a model_type string as the config": (
        lambda: flax_auto.FlaxAutoModelForCausalLM.register("gpt2", FlaxBertModel),  # type: ignore[arg-type]
        "FlaxAutoModelForCausalLM.register takes a config class (a subclass of PretrainedConfig), not 'gpt2'.",
    ),
    "a config instance": (
        lambda: flax_auto.FlaxAutoModelForCausalLM.register(GPT2Config(), FlaxBertModel),  # type: ignore[arg-type]
        "FlaxAutoModelForCausalLM.register takes a config class (a subclass of PretrainedConfig), "
        "not a GPT2Config instance.",
    ),
    # Accepted before: every later GPT2Config lookup found None and said "register it".
    "None as the model": (
        lambda: flax_auto.FlaxAutoModelForCausalLM.register(GPT2Config, None, exist_ok=True),  # type: ignore[arg-type]
        "FlaxAutoModelForCausalLM.register takes a model class (a subclass of FlaxPreTrainedModel), not None.",
    ),
    "a class that is no model": (
        lambda: flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING.register(GPT2Config, dict, exist_ok=True),  # type: ignore[arg-type]
        "FlaxAutoModelForCausalLM.register takes a model class (a subclass of FlaxPreTrainedModel), not the class dict.",
    ),
    "a config class name": (
        lambda: flax_auto.register_config("race", "RaceConfig"),  # type: ignore[arg-type]
        "register_config takes a config class (a subclass of PretrainedConfig), not 'RaceConfig'.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_REGISTRATIONS))
def test_register_refuses_what_is_not_a_class_of_the_right_kind_and_registers_nothing(case: str) -> None:
    register, message = BAD_REGISTRATIONS[case]
    with pytest.raises(ValueError) as raised:
        register()
    assert str(raised.value) == message
    assert flax_auto.causal_lm_class_for(GPT2Config()).__name__ == "FlaxGPT2LMHeadModel"
    assert "race" not in flax_auto.CONFIG_MAPPING


@pytest.mark.parametrize("model_type", [7, None, ("a",)], ids=repr)
def test_a_config_class_whose_model_type_is_not_a_string_is_registered_by_class_only(model_type: object) -> None:
    """Registered under its int model_type, it broke every later failed lookup, process-wide:
    `', '.join(known model types)` raised TypeError where the documented ValueError belongs."""
    config = type("OddTypeConfig", (PretrainedConfig,), {"model_type": model_type})
    model = type("FlaxOddTypeModel", (FlaxBertModel,), {"config_class": config})
    flax_auto.FlaxAutoModel.register(config, model)
    assert flax_auto.FlaxAutoModel._model_mapping[config] is model  # pyright: ignore[reportPrivateUsage]
    assert all(isinstance(name, str) for name in flax_auto.CONFIG_MAPPING)
    with pytest.raises(ValueError, match="Unrecognized model_type 'nope'"):
        flax_auto.config_class_for("nope")
    with pytest.raises(ValueError, match="Unrecognized model_type 'nope' for FlaxAutoModel"):
        flax_auto.model_class_for("nope")
    with pytest.raises(ValueError, match="register_config takes a model_type string, not 7"):
        flax_auto.register_config(7, config)  # type: ignore[arg-type]
