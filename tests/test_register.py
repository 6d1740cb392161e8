"""register(): a user's config and Flax model, used by from_config and from_pretrained, as upstream does.

The user model is real: a subclass of FlaxBertModel with its own config class
(a BertConfig subclass with its own model_type). Each test registers in both
flax_auto and upstream; the `restore_registrations` fixture undoes it all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from oracle import TABLES, assert_same_tree, auto_class, choice
from tiny_models import dummy_inputs
from transformers import AutoConfig, BertConfig, GPT2Config, PretrainedConfig
from transformers.models.bert.modeling_flax_bert import (
    FlaxBertForMaskedLM,
    FlaxBertModel,
)
from transformers.models.gpt2.modeling_flax_gpt2 import FlaxGPT2Model

import flax_auto

pytestmark = pytest.mark.usefixtures("restore_registrations")


class UserConfig(BertConfig):
    model_type = "flax-auto-user-bert"


class FlaxUserModel(FlaxBertModel):
    config_class = UserConfig


def user_config() -> UserConfig:
    return UserConfig(vocab_size=99, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)


def register_in_both(auto_name: str, config_class: type, model_class: type, exist_ok: bool = False) -> None:
    getattr(flax_auto, auto_name).register(config_class, model_class, exist_ok=exist_ok)
    auto_class(auto_name).register(config_class, model_class, exist_ok=exist_ok)


def test_a_registered_model_is_built_saved_and_loaded_back_through_flax_auto(tmp_path: Path) -> None:
    AutoConfig.register(UserConfig.model_type, UserConfig)  # upstream needs this for from_pretrained
    register_in_both("FlaxAutoModel", UserConfig, FlaxUserModel)
    config = user_config()
    assert flax_auto.model_class_for(config) is choice("FlaxAutoModel", config) is FlaxUserModel
    assert flax_auto.model_class_for(UserConfig.model_type) is FlaxUserModel

    model = flax_auto.FlaxAutoModel.from_config(config, seed=0)
    assert type(model) is FlaxUserModel
    assert model(**dummy_inputs("FlaxUserModel", config)).last_hidden_state.shape == (2, 8, 16)
    model.save_pretrained(tmp_path)

    loaded = flax_auto.FlaxAutoModel.from_pretrained(tmp_path)
    upstream_loaded = auto_class("FlaxAutoModel").from_pretrained(tmp_path)
    assert type(loaded) is type(upstream_loaded) is FlaxUserModel
    assert type(loaded.config) is UserConfig
    assert_same_tree(loaded.params, model.params)
    assert_same_tree(upstream_loaded.params, model.params)


def test_registration_on_one_auto_class_does_not_leak_into_another() -> None:
    register_in_both("FlaxAutoModel", UserConfig, FlaxUserModel)
    for task in TABLES.tasks:
        if task.auto_class == "FlaxAutoModel":
            continue
        assert choice(task.auto_class, user_config()) is None
        with pytest.raises(ValueError, match=f"Unrecognized configuration class UserConfig .* for {task.auto_class}"):
            getattr(flax_auto, task.auto_class).from_config(user_config())
        with pytest.raises(ValueError, match="Unrecognized model_type 'flax-auto-user-bert'"):
            getattr(flax_auto, task.dispatch)(UserConfig.model_type)


def test_registering_over_a_builtin_config_needs_exist_ok() -> None:
    for auto in (flax_auto.FlaxAutoModel, auto_class("FlaxAutoModel")):
        with pytest.raises(ValueError, match="is already used by a Transformers model"):
            auto.register(BertConfig, FlaxBertForMaskedLM)
    assert flax_auto.model_class_for(BertConfig()) is FlaxBertModel

    register_in_both("FlaxAutoModel", BertConfig, FlaxBertForMaskedLM, exist_ok=True)
    assert flax_auto.model_class_for(BertConfig()) is choice("FlaxAutoModel", BertConfig()) is FlaxBertForMaskedLM


def test_a_config_class_built_in_elsewhere_is_free_on_a_table_without_it() -> None:
    """GPT2Config has no masked-LM row, so both accept it there without exist_ok."""
    register_in_both("FlaxAutoModelForMaskedLM", GPT2Config, FlaxGPT2Model)
    assert flax_auto.masked_lm_class_for(GPT2Config()) is choice("FlaxAutoModelForMaskedLM", GPT2Config()) is FlaxGPT2Model


def test_a_model_whose_config_class_does_not_match_is_refused() -> None:
    for auto in (flax_auto.FlaxAutoModel, auto_class("FlaxAutoModel")):
        with pytest.raises(ValueError, match="has a `config_class` attribute that is not consistent"):
            auto.register(UserConfig, FlaxBertModel)
    assert choice("FlaxAutoModel", user_config()) is None
    with pytest.raises(ValueError, match="Unrecognized configuration class UserConfig"):
        flax_auto.model_class_for(user_config())


def test_an_unregistered_config_subclass_is_refused_by_both() -> None:
    """A subclass keeps its parent's model_type but is another class: neither picks the parent's model."""

    class SubBertConfig(BertConfig):
        pass

    assert choice("FlaxAutoModel", SubBertConfig()) is None
    with pytest.raises(ValueError, match=r"Unrecognized configuration class SubBertConfig \(model_type 'bert'\)"):
        flax_auto.FlaxAutoModel.from_config(SubBertConfig())


def test_a_look_alike_class_is_refused_where_upstream_matches_it_by_name() -> None:
    """The one deliberate difference: upstream finds config classes by __name__, flax_auto by identity.

    A class that is merely called BertConfig is not transformers' BertConfig, so
    flax_auto does not hand it to FlaxBertModel.
    """
    look_alike = type("BertConfig", (PretrainedConfig,), {"model_type": "bert"})
    assert choice("FlaxAutoModel", look_alike()) is FlaxBertModel
    with pytest.raises(ValueError, match=r"Unrecognized configuration class BertConfig \(model_type 'bert'\)"):
        flax_auto.model_class_for(look_alike())


def test_registering_again_replaces_the_first_registration_everywhere_as_upstream(tmp_path: Path) -> None:
    """A notebook cell run twice defines new classes with the same model_type: the latest wins."""

    def define() -> tuple[type[BertConfig], type[FlaxBertModel]]:
        class UserConfig(BertConfig):
            model_type = "flax-auto-user-bert"

        class FlaxUserModel(FlaxBertModel):
            config_class = UserConfig

        return UserConfig, FlaxUserModel

    for _ in range(2):
        config_class, model_class = define()
        AutoConfig.register(config_class.model_type, config_class)  # no exist_ok needed the second time
        register_in_both("FlaxAutoModel", config_class, model_class)
    config = config_class(vocab_size=99, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)
    flax_auto.FlaxAutoModel.from_config(config, seed=0).save_pretrained(tmp_path)

    loaded = flax_auto.FlaxAutoModel.from_pretrained(tmp_path)
    upstream_loaded = auto_class("FlaxAutoModel").from_pretrained(tmp_path)
    assert type(loaded) is type(upstream_loaded) is model_class
    assert type(loaded.config) is type(upstream_loaded.config) is config_class
    assert flax_auto.config_class_for(config_class.model_type) is config_class
    assert flax_auto.model_class_for(config_class.model_type) is model_class


def test_register_config_again_is_allowed_for_a_user_model_type_and_refused_for_a_builtin_one() -> None:
    for _ in range(2):
        config_class = type("UserConfig", (BertConfig,), {"model_type": "flax-auto-user-bert"})
        flax_auto.register_config(config_class.model_type, config_class)
        AutoConfig.register(config_class.model_type, config_class)
        assert flax_auto.config_class_for(config_class.model_type) is config_class
        assert AutoConfig.for_model(config_class.model_type).__class__ is config_class
    for register in (flax_auto.register_config, AutoConfig.register):
        with pytest.raises(ValueError, match="'bert' is already used by a Transformers config"):
            register("bert", BertConfig)
        with pytest.raises(ValueError, match="config has flax-auto-user-bert and you passed bert"):
            register("bert", UserConfig, exist_ok=True)


def test_exist_ok_over_a_builtin_config_class_also_moves_its_model_type_strings() -> None:
    """After register(GPT2Config, M, exist_ok=True), 'gpt2' and 'gpt-sw3' (also GPT2Config) give M."""
    register_in_both("FlaxAutoModelForCausalLM", GPT2Config, FlaxGPT2Model, exist_ok=True)
    assert choice("FlaxAutoModelForCausalLM", GPT2Config()) is FlaxGPT2Model
    assert flax_auto.causal_lm_class_for(GPT2Config()) is FlaxGPT2Model
    assert flax_auto.causal_lm_class_for("gpt2") is FlaxGPT2Model
    assert flax_auto.causal_lm_class_for("gpt-sw3") is FlaxGPT2Model
    assert flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES["gpt2"] == "FlaxGPT2LMHeadModel"  # upstream's names table
    assert flax_auto.config_class_for("gpt2") is GPT2Config


def test_a_config_subclass_with_a_builtin_model_type_does_not_take_over_that_model_type() -> None:
    """The subclass dispatches once registered, but 'bert' strings and config.json files stay BertConfig's."""

    class SubBertConfig(BertConfig):
        pass

    class FlaxSubBertModel(FlaxBertForMaskedLM):
        config_class = SubBertConfig

    register_in_both("FlaxAutoModel", SubBertConfig, FlaxSubBertModel)
    assert flax_auto.model_class_for(SubBertConfig()) is choice("FlaxAutoModel", SubBertConfig()) is FlaxSubBertModel
    assert flax_auto.model_class_for("bert") is FlaxBertModel
    assert flax_auto.config_class_for("bert") is BertConfig
