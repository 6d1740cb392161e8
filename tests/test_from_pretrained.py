"""from_pretrained, offline, against upstream: save a tiny checkpoint, load it through both.

Checkpoints are saved once per session (saving means building, the slow part)
and shared. Loading uses `_do_init=False` where it can: it reads the weights
without a random init, so the comparison costs little. Upstream's auto classes
refuse an extension row (ours); there the oracle is upstream's auto machinery
given that one row (oracle.upstream_with_row).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax.numpy as jnp
import numpy as np
import pytest
from oracle import (
    EXTENSIONS,
    FAMILIAR_ROWS,
    TABLES,
    assert_same_tree,
    auto_class,
    choice,
    upstream_with_row,
)
from tiny_models import TINY_CONFIGS, dummy_inputs

import flax_auto

pytestmark = pytest.mark.bounds

Checkpoint = tuple[Path, Any]  # the folder, the model that was saved there
# Every row of the base table, and the first row of each head table.
ROUND_TRIPS = [("FlaxAutoModel", model_type) for model_type in flax_auto.FLAX_MODEL_MAPPING_NAMES] + [
    (task.auto_class, task.entries[0].model_type.name) for task in TABLES.tasks if task.auto_class != "FlaxAutoModel"
]
# Upstream's composite models refuse `_do_init=False`; they are loaded with a random init first.
NEEDS_INIT = {
    "FlaxEncoderDecoderModel",
    "FlaxSpeechEncoderDecoderModel",
    "FlaxVisionEncoderDecoderModel",
    "FlaxVisionTextDualEncoderModel",
}


def row_class(auto_name: str, model_type: str) -> str:
    return getattr(flax_auto, auto_name)._model_mapping.model_types[model_type].__name__
HUB_REPO = "flax-auto/tiny-bert"


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Checkpoint]:
    """(auto class, model_type) -> a checkpoint of the class that row names, built with seed 0."""
    root = tmp_path_factory.mktemp("checkpoints")
    saved: dict[tuple[str, str], Checkpoint] = {}

    def save(auto_name: str, model_type: str) -> Checkpoint:
        if (auto_name, model_type) not in saved:
            model = getattr(flax_auto, auto_name).from_config(TINY_CONFIGS[model_type](), seed=0)
            path = root / f"{auto_name}-{model_type}"
            model.save_pretrained(path)
            saved[auto_name, model_type] = (path, model)
        return saved[auto_name, model_type]

    return save


def load_both(auto_name: str, path: Path | str, oracle: Any = None, **kwargs: Any) -> tuple[Any, Any]:
    """The same from_pretrained call through flax_auto and through upstream (or `oracle`)."""
    ours = getattr(flax_auto, auto_name).from_pretrained(path, **kwargs)
    theirs = (oracle or auto_class(auto_name)).from_pretrained(path, **kwargs)
    return ours, theirs


def same_config(left: Any, right: Any) -> bool:
    return type(left) is type(right) and left.to_dict() == right.to_dict()


@pytest.mark.parametrize(("auto_name", "model_type"), ROUND_TRIPS, ids=[f"{a}-{m}" for a, m in ROUND_TRIPS])
def test_reload_gives_upstreams_class_config_and_the_saved_parameters(
    checkpoint: Callable[[str, str], Checkpoint], auto_name: str, model_type: str
) -> None:
    path, saved = checkpoint(auto_name, model_type)
    refused = (auto_name, model_type) in EXTENSIONS and choice(auto_name, saved.config) is None
    oracle = upstream_with_row(auto_name, model_type) if refused else None
    if row_class(auto_name, model_type) in NEEDS_INIT:
        ours, theirs = load_both(auto_name, path, oracle)
        ours_params, theirs_params = ours.params, theirs.params
    else:
        (ours, ours_params), (theirs, theirs_params) = load_both(auto_name, path, oracle, _do_init=False)
    assert type(ours) is type(theirs) is type(saved)
    assert same_config(ours.config, theirs.config)
    assert_same_tree(ours_params, saved.params)
    assert_same_tree(theirs_params, saved.params)


def test_the_round_trips_cover_the_base_table_and_every_head_table() -> None:
    assert {auto_name for auto_name, _ in ROUND_TRIPS} == {task.auto_class for task in TABLES.tasks}
    assert len(ROUND_TRIPS) == len(flax_auto.FLAX_MODEL_MAPPING_NAMES) + len(TABLES.tasks) - 1


@pytest.mark.parametrize(
    ("auto_name", "model_type"), [row for row in ROUND_TRIPS if row_class(*row) in NEEDS_INIT]
)
def test_composites_need_an_init_in_both(
    checkpoint: Callable[[str, str], Checkpoint], auto_name: str, model_type: str
) -> None:
    path, _ = checkpoint(auto_name, model_type)
    for auto in (getattr(flax_auto, auto_name), auto_class(auto_name)):
        with pytest.raises(ValueError, match="cannot be created without initializing, `_do_init` must be `True`"):
            auto.from_pretrained(path, _do_init=False)


@pytest.mark.parametrize(("auto_name", "model_type"), FAMILIAR_ROWS)
def test_default_load_with_its_random_init_matches_upstream(
    checkpoint: Callable[[str, str], Checkpoint], auto_name: str, model_type: str
) -> None:
    path, saved = checkpoint(auto_name, model_type)
    ours, theirs = load_both(auto_name, path)
    assert type(ours) is type(theirs) is type(saved)
    assert ours.config.to_diff_dict() == theirs.config.to_diff_dict()
    assert_same_tree(ours.params, saved.params)
    assert_same_tree(theirs.params, saved.params)


# Keyword arguments: each reaches the concrete class and does there what it does upstream.


def test_dtype_sets_the_compute_dtype(checkpoint: Callable[[str, str], Checkpoint]) -> None:
    path, saved = checkpoint("FlaxAutoModel", "bert")
    inputs = dummy_inputs("FlaxBertModel", saved.config)
    for model in load_both("FlaxAutoModel", path, dtype=jnp.bfloat16):
        assert model.dtype == jnp.bfloat16
        assert model(**inputs).last_hidden_state.dtype == jnp.bfloat16
        assert_same_tree(model.params, saved.params)  # the weights stay float32


def test_seed_initialises_the_weights_the_checkpoint_lacks(checkpoint: Callable[[str, str], Checkpoint]) -> None:
    """A base checkpoint loaded into a classifier: the new head is random, from `seed`."""
    path, saved = checkpoint("FlaxAutoModel", "bert")
    ours, theirs = load_both("FlaxAutoModelForSequenceClassification", path, seed=1)
    assert_same_tree(ours.params, theirs.params)
    assert_same_tree(ours.params["bert"], saved.params)
    other = flax_auto.FlaxAutoModelForSequenceClassification.from_pretrained(path, seed=2)
    assert not np.array_equal(ours.params["classifier"]["kernel"], other.params["classifier"]["kernel"])


def test_do_init_false_returns_the_model_and_its_parameters(checkpoint: Callable[[str, str], Checkpoint]) -> None:
    path, saved = checkpoint("FlaxAutoModel", "bert")
    for loaded in load_both("FlaxAutoModel", path, _do_init=False):
        model, params = loaded
        assert type(model) is type(saved)
        assert_same_tree(params, saved.params)
        with pytest.raises(ValueError, match="created with `_do_init=False`"):
            _ = model.params


def test_config_argument_is_used_instead_of_the_folders(
    checkpoint: Callable[[str, str], Checkpoint], tmp_path: Path
) -> None:
    """Only the weights in the folder: `config=` alone picks the class and configures it."""
    path, saved = checkpoint("FlaxAutoModelForCausalLM", "gpt2")
    shutil.copy(path / "flax_model.msgpack", tmp_path)
    config = TINY_CONFIGS["gpt2"]()
    config.output_hidden_states = True
    ours, theirs = load_both("FlaxAutoModelForCausalLM", tmp_path, config=config)
    assert ours.config is config and theirs.config is config
    assert type(ours) is type(theirs) is type(saved)
    assert_same_tree(ours.params, theirs.params)


def test_subfolder_loads_from_inside_the_folder(checkpoint: Callable[[str, str], Checkpoint], tmp_path: Path) -> None:
    path, saved = checkpoint("FlaxAutoModel", "bert")
    shutil.copytree(path, tmp_path / "weights")
    (ours, ours_params), (theirs, _) = load_both("FlaxAutoModel", tmp_path, subfolder="weights", _do_init=False)
    assert type(ours) is type(theirs) is type(saved)
    assert_same_tree(ours_params, saved.params)
    with pytest.raises(OSError, match="does not appear to have a file named config.json"):
        flax_auto.FlaxAutoModel.from_pretrained(tmp_path, subfolder="elsewhere")


@pytest.fixture
def hub_cache(checkpoint: Callable[[str, str], Checkpoint], tmp_path: Path) -> dict[str, Any]:
    """A Hugging Face cache folder holding HUB_REPO at two revisions: main (seed 0) and v1 (seed 1).

    The layout the hub client writes (refs/<revision> -> snapshots/<commit>), so
    offline loading by repo id, revision and cache_dir goes the real way.
    """
    path, saved = checkpoint("FlaxAutoModel", "bert")
    v1 = flax_auto.FlaxAutoModel.from_config(saved.config, seed=1)
    repo = tmp_path / f"models--{HUB_REPO.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    shutil.copytree(path, repo / "snapshots" / ("0" * 40))
    v1.save_pretrained(repo / "snapshots" / ("1" * 40))
    (repo / "refs" / "main").write_text("0" * 40)
    (repo / "refs" / "v1").write_text("1" * 40)
    return {"cache_dir": tmp_path, "main": saved.params, "v1": v1.params}


@pytest.mark.parametrize("revision", ["main", "v1"])
def test_revision_and_cache_dir_select_the_snapshot(hub_cache: dict[str, Any], revision: str) -> None:
    for model, params in load_both(
        "FlaxAutoModel", HUB_REPO, cache_dir=hub_cache["cache_dir"], revision=revision, _do_init=False
    ):
        assert type(model).__name__ == "FlaxBertModel"
        assert_same_tree(params, hub_cache[revision])


def test_without_cache_dir_the_repo_is_not_found_the_same_way(hub_cache: dict[str, Any]) -> None:
    errors = []
    for auto in (flax_auto.FlaxAutoModel, auto_class("FlaxAutoModel")):
        with pytest.raises(OSError, match="couldn't find them in the cached files") as raised:
            auto.from_pretrained(HUB_REPO)
        errors.append(str(raised.value))
    assert errors[0] == errors[1]


def test_local_files_only_and_token_are_accepted_like_upstream(hub_cache: dict[str, Any]) -> None:
    kwargs = {"cache_dir": hub_cache["cache_dir"], "local_files_only": True, "token": "hf_unused", "_do_init": False}
    for _, params in load_both("FlaxAutoModel", HUB_REPO, **kwargs):
        assert_same_tree(params, hub_cache["main"])
    for auto in (flax_auto.FlaxAutoModel, auto_class("FlaxAutoModel")):
        with pytest.raises(OSError):
            auto.from_pretrained(HUB_REPO, **kwargs, revision="v2")
        with pytest.raises(ValueError, match="`token` and `use_auth_token` are both specified"):
            auto.from_pretrained(HUB_REPO, **kwargs, use_auth_token="hf_other")


def test_kwargs_update_the_loaded_config(checkpoint: Callable[[str, str], Checkpoint]) -> None:
    path, _ = checkpoint("FlaxAutoModel", "bert")
    for model, _ in load_both("FlaxAutoModel", path, output_attentions=True, _do_init=False):
        assert model.config.output_attentions is True


@pytest.mark.parametrize(
    ("auto_name", "row", "alias"),
    [("FlaxAutoModelForCausalLM", "llama", "code_llama"), ("FlaxAutoModelForVision2Seq", "vision-encoder-decoder", "nougat")],
)
def test_a_config_json_naming_an_upstream_alias_loads_as_upstream_loads_it(
    checkpoint: Callable[[str, str], Checkpoint], tmp_path: Path, auto_name: str, row: str, alias: str
) -> None:
    """upstream's config table maps code_llama to LlamaConfig and nougat to VisionEncoderDecoderConfig."""
    path, saved = checkpoint(auto_name, row)
    shutil.copytree(path, tmp_path / alias)
    config_json = tmp_path / alias / "config.json"
    config_json.write_text(json.dumps(json.loads(config_json.read_text()) | {"model_type": alias}))
    ours, theirs = load_both(auto_name, tmp_path / alias)
    assert type(ours) is type(theirs) is type(saved)
    assert same_config(ours.config, theirs.config)
    assert_same_tree(ours.params, saved.params)
    assert_same_tree(theirs.params, saved.params)


# Bad folders: the error names the path.


def test_folder_without_config_json_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(OSError, match=f"{tmp_path} does not appear to have a file named config.json"):
        flax_auto.FlaxAutoModel.from_pretrained(tmp_path)


def test_config_json_without_model_type_is_refused_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"hidden_size": 16}')
    with pytest.raises(ValueError, match=f"The config.json of {tmp_path} has no `model_type`"):
        flax_auto.FlaxAutoModel.from_pretrained(tmp_path)


def test_config_json_with_an_unknown_model_type_names_the_path_and_the_type(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "bret"}')
    with pytest.raises(ValueError, match=rf"In the config.json of {tmp_path}: Unrecognized model_type 'bret'.*Did you mean 'bert'\?"):
        flax_auto.FlaxAutoModel.from_pretrained(tmp_path)


def test_malformed_config_json_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "bert",')
    with pytest.raises(OSError, match=f"config file at '{tmp_path / 'config.json'}' is not a valid JSON file"):
        flax_auto.FlaxAutoModel.from_pretrained(tmp_path)


MALFORMED = {
    "an array": ('["bert"]', "holds a JSON array, not an object"),
    "a string": ('"bert"', "holds a JSON string, not an object"),
    "null": ("null", "holds a JSON null, not an object"),
    "model_type a number": ('{"model_type": 3}', "has a `model_type` that is not a string: 3"),
    "model_type a list": ('{"model_type": ["bert"]}', "has a `model_type` that is not a string: \\['bert'\\]"),
    "auto_map not an object": ('{"model_type": "bert", "auto_map": 3}', "has an `auto_map` that is not a JSON object: 3"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_config_json_content_is_a_value_error_naming_the_file_and_the_auto_class(
    tmp_path: Path, case: str
) -> None:
    """Upstream trips over each of these with a TypeError that names neither."""
    content, problem = MALFORMED[case]
    (tmp_path / "config.json").write_text(content)
    with pytest.raises(TypeError if case != "model_type a number" else ValueError):
        auto_class("FlaxAutoModel").from_pretrained(tmp_path)
    with pytest.raises(ValueError, match=f"^FlaxAutoModel.from_pretrained: {tmp_path / 'config.json'} {problem}"):
        flax_auto.FlaxAutoModel.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match=f"^config_from_pretrained: {tmp_path / 'config.json'} {problem}"):
        flax_auto.config_from_pretrained(tmp_path)
