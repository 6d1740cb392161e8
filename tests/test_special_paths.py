"""Upstream's less travelled paths: remote code (refused, pointing to register) and text_config unwrapping."""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

import pytest
from oracle import TABLES, assert_same_tree
from tiny_models import TINY_CONFIGS
from transformers import BertConfig, CLIPConfig, CLIPTextConfig
from transformers.models.auto.auto_factory import _BaseAutoModelClass, _LazyAutoMapping
from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES
from transformers.models.clip.modeling_flax_clip import FlaxCLIPTextModel

import flax_auto
from flax_auto import CONFIG_MAPPING, AutoModelClass, ModelMapping

REMOTE = r"FlaxAutoModel does not load remote code .* call FlaxAutoModel\.register\(config_class, model_class\)"


def tiny_bert() -> BertConfig:
    return BertConfig(vocab_size=99, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32)


@pytest.fixture
def bert_folder(tmp_path: Path) -> Path:
    flax_auto.FlaxAutoModel.from_config(tiny_bert(), seed=0).save_pretrained(tmp_path)
    return tmp_path


def add_auto_map(folder: Path, auto_map: dict[str, str]) -> None:
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "auto_map": auto_map}))


def test_from_config_refuses_remote_code_and_points_to_register() -> None:
    with pytest.raises(ValueError, match=REMOTE):
        flax_auto.FlaxAutoModel.from_config(tiny_bert(), trust_remote_code=True)
    config = tiny_bert()
    config.auto_map = {"FlaxAutoModel": "modeling_remote.FlaxRemoteModel"}
    with pytest.raises(ValueError, match=REMOTE):
        flax_auto.FlaxAutoModel.from_config(config)


def test_an_auto_map_for_another_auto_class_is_not_remote_code_for_this_one() -> None:
    config = tiny_bert()
    config.auto_map = {"FlaxAutoModelForMaskedLM": "modeling_remote.FlaxRemoteModel"}
    assert type(flax_auto.FlaxAutoModel.from_config(config, _do_init=False)).__name__ == "FlaxBertModel"


def test_from_pretrained_refuses_trust_remote_code(bert_folder: Path) -> None:
    with pytest.raises(ValueError, match=REMOTE):
        flax_auto.FlaxAutoModel.from_pretrained(bert_folder, trust_remote_code=True)


def test_from_pretrained_refuses_a_config_json_with_auto_map_for_the_class(bert_folder: Path) -> None:
    add_auto_map(bert_folder, {"FlaxAutoModel": "modeling_remote.FlaxRemoteModel"})
    with pytest.raises(ValueError, match=REMOTE):
        flax_auto.FlaxAutoModel.from_pretrained(bert_folder)


def test_from_pretrained_refuses_a_remote_config_class_by_path(bert_folder: Path) -> None:
    add_auto_map(bert_folder, {"AutoConfig": "configuration_remote.RemoteConfig"})
    with pytest.raises(ValueError, match=f"The config.json of {bert_folder} asks for remote code.*register_config"):
        flax_auto.FlaxAutoModel.from_pretrained(bert_folder)


def test_no_row_of_the_real_tables_unwraps_a_text_config() -> None:
    """Upstream hands a model `config.get_text_config()` when the model's config class is the
    composite's text sub-config. No Flax row is such a model, so the next test builds one."""
    for task in TABLES.tasks:
        mapping = getattr(flax_auto, task.mapping)
        for config_class, model_class in mapping.items():
            assert model_class.config_class is not config_class.sub_configs.get("text_config"), model_class


def test_a_text_model_under_a_composite_config_gets_the_text_config_like_upstream(tmp_path: Path) -> None:
    """A CLIP config.json with the weights of FlaxCLIPTextModel: both load the text model, given CLIPTextConfig."""

    class TextTowerAuto(AutoModelClass):
        _model_mapping = ModelMapping("TextTowerAuto", CONFIG_MAPPING, {"clip": (CLIPConfig, FlaxCLIPTextModel)})

    class UpstreamTextTowerAuto(_BaseAutoModelClass):
        _model_mapping = _LazyAutoMapping(CONFIG_MAPPING_NAMES, OrderedDict([("clip", "FlaxCLIPTextModel")]))

    config = TINY_CONFIGS["clip"]()
    saved = FlaxCLIPTextModel(config.text_config, seed=0)
    saved.save_pretrained(tmp_path)
    config.save_pretrained(tmp_path)  # the composite's config.json replaces the text model's

    ours = TextTowerAuto.from_pretrained(tmp_path)
    theirs = UpstreamTextTowerAuto.from_pretrained(tmp_path)
    assert type(ours) is type(theirs) is FlaxCLIPTextModel
    assert type(ours.config) is type(theirs.config) is CLIPTextConfig
    assert ours.config.to_dict() == theirs.config.to_dict()
    assert_same_tree(ours.params, saved.params)
    assert_same_tree(theirs.params, saved.params)
