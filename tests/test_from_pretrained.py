"""Round trip: save a tiny model with save_pretrained, reload it through flax_auto offline."""

from __future__ import annotations

from pathlib import Path

import jax
import numpy as np
import pytest
from tiny_models import TINY_CONFIGS

import flax_auto


def assert_same_params(left: object, right: object) -> None:
    left_leaves, left_tree = jax.tree_util.tree_flatten_with_path(left)
    right_leaves, right_tree = jax.tree_util.tree_flatten_with_path(right)
    assert [path for path, _ in left_leaves] == [path for path, _ in right_leaves]
    for (path, a), (_, b) in zip(left_leaves, right_leaves, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=str(path))


@pytest.mark.parametrize(
    ("auto_class", "model_type"),
    [
        ("FlaxAutoModel", "bert"),
        ("FlaxAutoModelForCausalLM", "gpt2"),
        ("FlaxAutoModelForSeq2SeqLM", "t5"),
        ("FlaxAutoModelForImageClassification", "vit"),
    ],
)
def test_save_and_reload_gives_same_class_and_parameters(tmp_path: Path, auto_class: str, model_type: str) -> None:
    auto = getattr(flax_auto, auto_class)
    saved = auto.from_config(TINY_CONFIGS[model_type](), seed=0)
    saved.save_pretrained(tmp_path)
    loaded = auto.from_pretrained(tmp_path)
    assert type(loaded) is type(saved)
    assert loaded.config.to_diff_dict() | {"_name_or_path": ""} == saved.config.to_diff_dict() | {
        "_name_or_path": ""
    }
    assert_same_params(loaded.params, saved.params)


def test_kwargs_update_the_loaded_config(tmp_path: Path) -> None:
    flax_auto.FlaxAutoModel.from_config(TINY_CONFIGS["bert"](), seed=0).save_pretrained(tmp_path)
    model = flax_auto.FlaxAutoModel.from_pretrained(tmp_path, output_attentions=True)
    assert model.config.output_attentions is True


def test_folder_without_config_json_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(OSError, match=f"{tmp_path} does not appear to have a file named config.json"):
        flax_auto.FlaxAutoModel.from_pretrained(tmp_path)


def test_config_json_without_model_type_is_refused_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"hidden_size": 16}')
    with pytest.raises(ValueError, match=f"The config.json of {tmp_path} has no `model_type`"):
        flax_auto.FlaxAutoModel.from_pretrained(tmp_path)
