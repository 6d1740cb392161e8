"""The suite's own Flax model: a FlaxPreTrainedModel subclass over a few lines of flax.linen."""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax.core.frozen_dict import FrozenDict, freeze, unfreeze
from flax.traverse_util import flatten_dict, unflatten_dict
from transformers.modeling_flax_outputs import FlaxBaseModelOutput
from transformers.modeling_flax_utils import FlaxPreTrainedModel

from own_models.configuration_tiny_mlp import TinyMlpConfig


class TinyMlpModule(nn.Module):
    config: TinyMlpConfig
    dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, input_ids: jax.Array) -> FlaxBaseModelOutput:
        hidden = nn.Embed(self.config.vocab_size, self.config.hidden_size, dtype=self.dtype)(input_ids)
        return FlaxBaseModelOutput(last_hidden_state=nn.tanh(nn.Dense(self.config.hidden_size)(hidden)))


class FlaxTinyMlpModel(FlaxPreTrainedModel):
    config_class = TinyMlpConfig
    base_model_prefix = "tiny_mlp"
    module_class = TinyMlpModule

    def __init__(
        self,
        config: TinyMlpConfig,
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

    def __call__(self, input_ids: Any, params: Any = None) -> FlaxBaseModelOutput:
        params = self.params if params is None else params
        return self.module.apply({"params": params}, jnp.asarray(input_ids, dtype="i4"))
