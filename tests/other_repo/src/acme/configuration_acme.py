"""Acme's config: the model type `acme`, unknown to transformers."""

from __future__ import annotations

from typing import Any

from transformers.configuration_utils import PretrainedConfig


class AcmeConfig(PretrainedConfig):
    """Token embeddings and one dense layer per head: small enough to build in a blink."""

    model_type = "acme"

    def __init__(self, vocab_size: int = 32, hidden_size: int = 8, **kwargs: Any) -> None:
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        super().__init__(**kwargs)
