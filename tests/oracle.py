"""transformers 4.57.6's own answers, which flax_auto must give too, and how to compare them.

The parity tests ask upstream's `modeling_flax_auto` (its lazy mappings, its
`_get_model_class`, its auto classes) the same question they ask flax_auto.
Upstream has a FLAX_MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING but no auto class
for it; `auto_class` builds that one from upstream's own base class and mapping.
Extension rows (ours, beyond upstream's Flax tables) are answered by upstream
with a refusal; EXTENSIONS says which rows those are.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import jax
import numpy as np
from transformers.models.auto import modeling_flax_auto as upstream
from transformers.models.auto.auto_factory import (
    _BaseAutoModelClass,
    _get_model_class,
    _LazyAutoMapping,
)
from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

from codegen.build import load_tables

TABLES = load_tables()
# (auto class name, model_type) of every row of every task table.
ENTRIES = [(task.auto_class, entry.model_type.name) for task in TABLES.tasks for entry in task.entries]
# (auto class name, model_type) -> model class name, for the extension rows only.
EXTENSIONS = {
    (task.auto_class, entry.model_type.name): entry.model_class
    for task in TABLES.tasks
    for entry in task.extension_entries
}
# Well-known rows (text encoder, decoder, encoder-decoder, vision) that tests build through both.
FAMILIAR_ROWS = [
    ("FlaxAutoModel", "bert"),
    ("FlaxAutoModelForCausalLM", "gpt2"),
    ("FlaxAutoModelForSeq2SeqLM", "t5"),
    ("FlaxAutoModelForImageClassification", "vit"),
]


class FlaxAutoModelForAudioClassification(_BaseAutoModelClass):
    """The auto class upstream would have: its base class over its own mapping."""

    _model_mapping = upstream.FLAX_MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING


def auto_class(name: str) -> Any:
    """Upstream's auto class of that name, or None for a task of ours (FlaxAutoModelForCTC)."""
    return getattr(upstream, name, None) or {
        "FlaxAutoModelForAudioClassification": FlaxAutoModelForAudioClassification
    }.get(name)


def upstream_with_row(auto_name: str, model_type: str) -> Any:
    """Upstream's own auto machinery over one extension row: what upstream would do if it had it."""
    names = OrderedDict([(model_type, EXTENSIONS[auto_name, model_type])])  # upstream sets attributes on it
    mapping = _LazyAutoMapping(CONFIG_MAPPING_NAMES, names)
    return type(auto_name, (_BaseAutoModelClass,), {"_model_mapping": mapping})


def choice(auto_name: str, config: Any) -> type | None:
    """The class upstream's auto class builds for this config, or None where it refuses.

    The same test as upstream's from_config / from_pretrained: membership of
    type(config) in the mapping (by class name), then `_get_model_class`.
    Upstream has no auto class for a task of ours: it refuses every config.
    """
    upstream_class = auto_class(auto_name)
    if upstream_class is None:
        return None
    mapping = upstream_class._model_mapping
    return _get_model_class(config, mapping) if type(config) in mapping else None


def assert_same_tree(left: Any, right: Any) -> None:
    """Same tree structure (paths) and, leaf by leaf, identical arrays."""
    left_leaves, _ = jax.tree_util.tree_flatten_with_path(left)
    right_leaves, _ = jax.tree_util.tree_flatten_with_path(right)
    assert [path for path, _ in left_leaves] == [path for path, _ in right_leaves]
    for (path, a), (_, b) in zip(left_leaves, right_leaves, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=jax.tree_util.keystr(path))
