"""Acme's Flax models: one config, two heads, each served by an auto class of the generated acme.auto."""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax.core.frozen_dict import FrozenDict, freeze, unfreeze
from flax.traverse_util import flatten_dict, unflatten_dict
from transformers.modeling_flax_outputs import (
    FlaxCausalLMOutput,
    FlaxSequenceClassifierOutput,
)
from transformers.modeling_flax_utils import FlaxPreTrainedModel

from acme.configuration_acme import AcmeConfig


class AcmeLMModule(nn.Module):
    config: AcmeConfig
    dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, input_ids: jax.Array) -> FlaxCausalLMOutput:
        hidden = nn.Embed(self.config.vocab_size, self.config.hidden_size, dtype=self.dtype)(input_ids)
        return FlaxCausalLMOutput(logits=nn.Dense(self.config.vocab_size, dtype=self.dtype)(nn.tanh(hidden)))


class AcmeScoringModule(nn.Module):
    config: AcmeConfig
    dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, input_ids: jax.Array) -> FlaxSequenceClassifierOutput:
        hidden = nn.Embed(self.config.vocab_size, self.config.hidden_size, dtype=self.dtype)(input_ids)
        return FlaxSequenceClassifierOutput(logits=nn.Dense(1, dtype=self.dtype)(hidden.mean(axis=1)))


class FlaxAcmePreTrainedModel(FlaxPreTrainedModel):
    """What both heads share: the config class, weight init, and a call that takes token ids."""

    config_class = AcmeConfig
    base_model_prefix = "acme"
    module_class: type[nn.Module]

    def __init__(
        self,
        config: AcmeConfig,
        input_shape: tuple[int, int] = (1, 4),
        seed: int = 0,
        dtype: jnp.dtype = jnp.float32,
        _do_init: bool = True,
        **kwargs: Any,
    ) -> None:
        module = self.module_class(config=config, dtype=dtype, **kwargs)
        super().__init__(config, module, input_shape=input_shape, seed=seed, dtype=dtype, _do_init=_do_init)

    def init_weights(self, rng: jax.Array, input_shape: tuple[int, int], params: Any = None) -> FrozenDict:
        random_params = self.module.init(rng, jnp.zeros(input_shape, dtype="i4"))["params"]
        if params is None:
            return random_params
        # Weights a checkpoint lacks keep their random values.
        params, random = flatten_dict(unfreeze(params)), flatten_dict(unfreeze(random_params))
        for key in self._missing_keys:
            params[key] = random[key]
        self._missing_keys = set()
        return freeze(unflatten_dict(params))

    def __call__(self, input_ids: Any, params: Any = None) -> Any:
        params = self.params if params is None else params
        return self.module.apply({"params": params}, jnp.asarray(input_ids, dtype="i4"))


class FlaxAcmeForCausalLM(FlaxAcmePreTrainedModel):
    """Next-token logits: served by FlaxAutoModelForCausalLM beside upstream's rows."""

    module_class = AcmeLMModule


class FlaxAcmeForTextScoring(FlaxAcmePreTrainedModel):
    """One score per sequence: served by FlaxAutoModelForTextScoring, a task of Acme's own."""

    module_class = AcmeScoringModule
