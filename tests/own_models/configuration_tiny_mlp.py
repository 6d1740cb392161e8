"""The config of the suite's own model."""

from __future__ import annotations

from typing import Any

from transformers.configuration_utils import PretrainedConfig


class TinyMlpConfig(PretrainedConfig):
    """Token embeddings and one dense layer: small enough to build in a blink."""

    model_type = "tiny-mlp"

    def __init__(self, vocab_size: int = 32, hidden_size: int = 8, **kwargs: Any) -> None:
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        super().__init__(**kwargs)
