"""Every row of every table really works: built through flax_auto, run once on the CPU.

`pytest -m sweep` runs this file alone. Each (auto class, model_type) row builds a
tiny model with from_config (seed 0), checks the class is the one transformers'
own auto class picks for that config (for an extension row, which upstream
refuses, the class the row names), and runs one forward pass on dummy inputs:
outputs of the expected shape, all finite. Most of the time goes to jax compiling
each operation the first time it meets it.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
import pytest
from oracle import (
    ENTRIES,
    EXTENSIONS,
    FAMILIAR_ROWS,
    TABLES,
    assert_same_tree,
    auto_class,
    choice,
)
from tiny_models import TINY_CONFIGS, dummy_inputs, expected_shapes

import flax_auto

pytestmark = [pytest.mark.sweep, pytest.mark.bounds]


def run_once(model: Any, config: Any) -> Any:
    return model(**dummy_inputs(type(model).__name__, config))


@pytest.mark.parametrize(("auto_name", "model_type"), ENTRIES, ids=[f"{a}-{m}" for a, m in ENTRIES])
def test_row_builds_the_class_upstream_picks_and_runs(auto_name: str, model_type: str) -> None:
    config = TINY_CONFIGS[model_type]()
    model = getattr(flax_auto, auto_name).from_config(config, seed=0)
    upstream_class = choice(auto_name, config)
    if upstream_class is None:
        assert type(model).__name__ == EXTENSIONS[auto_name, model_type]
    else:
        assert type(model) is upstream_class
    inputs = dummy_inputs(type(model).__name__, config)
    outputs = model(**inputs)
    for name, shape in expected_shapes(type(model).__name__, config, inputs).items():
        assert outputs[name].shape == shape, name
    leaves = jax.tree_util.tree_leaves(outputs.to_tuple())
    assert leaves
    for leaf in leaves:
        assert np.isfinite(np.asarray(leaf)).all()


def test_the_sweep_covers_every_row_of_every_table() -> None:
    assert len(set(ENTRIES)) == len(ENTRIES) == sum(len(getattr(flax_auto, t.mapping_names)) for t in TABLES.tasks)
    assert {model_type for _, model_type in ENTRIES} == set(TINY_CONFIGS)


@pytest.mark.parametrize(("auto_name", "model_type"), FAMILIAR_ROWS)
def test_same_seed_builds_the_same_model_as_upstream(auto_name: str, model_type: str) -> None:
    ours = getattr(flax_auto, auto_name).from_config(TINY_CONFIGS[model_type](), seed=3)
    theirs = auto_class(auto_name).from_config(TINY_CONFIGS[model_type](), seed=3)
    assert type(ours) is type(theirs)
    assert_same_tree(ours.params, theirs.params)
    assert_same_tree(run_once(ours, ours.config).to_tuple(), run_once(theirs, theirs.config).to_tuple())
    # The seed reached the model: another one gives other weights.
    other = auto_class(auto_name).from_config(TINY_CONFIGS[model_type](), seed=0)
    with pytest.raises(AssertionError):
        assert_same_tree(ours.params, other.params)
