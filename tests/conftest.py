"""Suite-wide set-up: offline (no model hub is ever reached) and jax on the CPU."""

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
