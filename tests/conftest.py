"""Suite-wide set-up: offline (no model hub is ever reached), jax on the CPU, registrations undone."""

import os
from collections.abc import Iterator

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("JAX_PLATFORMS", "cpu")


@pytest.fixture
def restore_registrations() -> Iterator[None]:
    """Undo every register() a test makes, in flax_auto and in upstream's auto module.

    Registrations write into module-level tables that the whole session shares;
    putting them back keeps tests independent of each other and of their order.
    """
    from oracle import TABLES, auto_class
    from transformers.models.auto.configuration_auto import (
        CONFIG_MAPPING as UPSTREAM_CONFIGS,
    )

    import flax_auto

    ours = [getattr(flax_auto, task.mapping) for task in TABLES.tasks]
    upstream_classes = [auto_class(task.auto_class) for task in TABLES.tasks]
    theirs = [upstream._model_mapping._extra_content for upstream in upstream_classes if upstream is not None]
    tables = [*ours, *(mapping.model_types for mapping in ours), *(mapping.config_classes for mapping in ours), *theirs]
    tables += [flax_auto.CONFIG_MAPPING, flax_auto.CONFIG_MAPPING_NAMES, UPSTREAM_CONFIGS._extra_content]
    saved = [dict(table) for table in tables]
    yield
    for table, content in zip(tables, saved, strict=True):
        table.clear()
        table.update(content)
