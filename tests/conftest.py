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
    theirs.append(UPSTREAM_CONFIGS._extra_content)
    # flax_auto's registries are read-only; each holds its rows in one attribute that register() replaces.
    saved_rows = [mapping.rows for mapping in ours]
    saved_configs = flax_auto.CONFIG_MAPPING._classes  # pyright: ignore[reportPrivateUsage]
    saved = [dict(table) for table in theirs]
    yield
    for mapping, rows in zip(ours, saved_rows, strict=True):
        mapping.rows = rows
    flax_auto.CONFIG_MAPPING._classes = saved_configs  # pyright: ignore[reportPrivateUsage]
    for table, content in zip(theirs, saved, strict=True):
        table.clear()
        table.update(content)
