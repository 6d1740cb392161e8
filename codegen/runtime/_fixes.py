"""Upstream's Flax defects, fixed: each listed once in apply_fixes, applied when the package is imported.

transformers 4.57 is the last release with Flax models, and jax moved on. Where
a function of upstream's raises on the jax installed here, it is replaced by
our own; where upstream's runs, it stays. Each replacement carries a mark, so
that applying the fixes again (or from a second generated package) installs
nothing twice. The probes read signatures and attributes only: importing the
package runs no jax computation and leaves jax's backends uninitialised.

The generated package's `__init__` calls apply_fixes() after importing its
model modules, and a fix reaches only the modules already imported: a package
that serves no T5 row never imports T5's code for the sake of its fix.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import sys
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from flax.core import frozen_dict

# The attribute that marks a function installed here: the name of its fix.
MARK = "__flax_auto_fix__"

Function = Callable[..., Any]
# Where a fix goes: (module, class in it or "" for the module itself, attribute).
Site = tuple[str, str, str]
T5 = "transformers.models.t5.modeling_flax_t5"
LONGT5 = "transformers.models.longt5.modeling_flax_longt5"


def sites(table: tuple[Site, ...]) -> list[tuple[object, str]]:
    """The (owner, attribute) of each site whose module is imported; the others need no fix here."""
    found: list[tuple[object, str]] = []
    for module_name, owner, attribute in table:
        module = sys.modules.get(module_name)
        if module is not None:
            found.append((getattr(module, owner) if owner else module, attribute))
    return found


@dataclasses.dataclass(frozen=True)
class Fix:
    """One upstream defect: where it is, where it fails, what replaces it, against what it is tested."""

    name: str
    upstream: tuple[
        str, ...
    ]  # file:line in transformers 4.57.6, under src/transformers/
    affected: str  # the versions on which upstream's code raises
    remedy: str  # what the fix does
    oracle: str  # what tests/test_fixes.py compares the fix with
    applied: bool  # whether the replacement is in place in this process


def _jax_version() -> tuple[int, ...]:
    return tuple(int(part) for part in jax.__version__.split(".")[:3] if part.isdigit())


def install(
    owner: type | object, attribute: str, fix: str, make: Callable[[Function], Function]
) -> bool:
    """Put make(upstream's function) in place of owner.attribute, once: False if a fix is there already.

    The replacement is a fresh function per site that carries the mark, keeps
    upstream's name and docstring, and points back at upstream's function
    through __wrapped__. A staticmethod stays a staticmethod.
    """
    current = inspect.getattr_static(owner, attribute)
    static = isinstance(current, staticmethod)
    original: Function = current.__func__ if static else current
    if getattr(original, MARK, None) is not None:
        return False
    replacement = make(original)

    def fixed(*args: Any, **kwargs: Any) -> Any:
        return replacement(*args, **kwargs)

    functools.update_wrapper(fixed, original)
    setattr(fixed, MARK, fix)
    setattr(owner, attribute, staticmethod(fixed) if static else fixed)
    return True


def is_fixed(owner: type | object, attribute: str) -> bool:
    """Whether owner.attribute is a replacement installed by a copy of this module."""
    current = inspect.getattr_static(owner, attribute)
    function = current.__func__ if isinstance(current, staticmethod) else current
    return getattr(function, MARK, None) is not None


# --- T5, mT5, LongT5: jnp.clip(a_min=, a_max=) ---------------------------------------


def relative_position_bucket(
    relative_position: jax.Array,
    bidirectional: bool = True,
    num_buckets: int = 32,
    max_distance: int = 128,
) -> jax.Array:
    """T5's bucket of each relative position, bounded with jnp.minimum where upstream calls clip(a_max=).

    Half of the buckets (per direction, when bidirectional) count small
    distances one by one; the other half cover the distances up to
    max_distance on a log scale, and everything farther shares the last one.
    """
    offset: jax.Array | int = 0  # the forward half of the buckets, when bidirectional
    if bidirectional:
        num_buckets //= 2
        offset = (relative_position > 0) * num_buckets
        distance = jnp.abs(relative_position)
    else:
        distance = -jnp.minimum(relative_position, 0)
    exact = num_buckets // 2
    log_scaled = exact + (
        jnp.log(distance / exact)
        / jnp.log(max_distance / exact)
        * (num_buckets - exact)
    )
    far = jnp.minimum(log_scaled, num_buckets - 1)
    bucket = offset + jnp.where(distance < exact, distance, far)
    return bucket.astype("i4")


T5_BUCKETS: tuple[Site, ...] = (
    (T5, "FlaxT5Attention", "_relative_position_bucket"),
    (LONGT5, "FlaxLongT5Attention", "_relative_position_bucket"),
    (LONGT5, "FlaxLongT5LocalAttention", "_relative_position_bucket"),
    (LONGT5, "FlaxLongT5TransientGlobalAttention", "_relative_position_bucket"),
)


def clip_lacks_a_max() -> bool:
    """jax 0.10.0 removed clip's a_min/a_max keywords (min/max exist since 0.4.27)."""
    return "a_max" not in inspect.signature(jnp.clip).parameters


# --- BLOOM: jnp.cat ----------------------------------------------------------------


def alibi_slopes(num_heads: int) -> jax.Array:
    """ALiBi's slope per head, float32: 2^(-8k/n) for k = 1..n, n the largest power of 2 up to num_heads.

    The heads beyond n take every other slope of 2n heads (k = 1, 3, 5, ...).
    """
    n = 2 ** math.floor(math.log2(num_heads))

    def geometric(heads: int, count: int, step: int) -> jax.Array:
        ratio = jnp.array(2 ** (-(2 ** -(math.log2(heads) - 3))), dtype=jnp.float32)
        return jax.lax.pow(
            ratio, jnp.arange(1, 1 + step * count, step, dtype=jnp.float32)
        )

    if n == num_heads:
        return geometric(n, n, 1)
    return jnp.concatenate(
        [geometric(n, n, 1), geometric(2 * n, min(n, num_heads - n), 2)], axis=0
    )


def alibi_tensor(
    attention_mask: jax.Array, num_heads: int, dtype: Any = jnp.float32
) -> jax.Array:
    """BLOOM's position bias, shape (batch, num_heads, 1, seq): each head's slope times the token's position."""
    positions = (attention_mask.cumsum(axis=-1) - 1) * attention_mask
    bias = alibi_slopes(num_heads)[None, :, None, None] * positions[:, None, None, :]
    return jnp.asarray(bias, dtype)


def alibi_for_any_head_count(original: Function) -> Function:
    """Upstream's build_alibi_tensor for a power-of-2 head count (it runs), ours for the others (it raises)."""

    def build_alibi_tensor(
        attention_mask: jax.Array, num_heads: int, dtype: Any = jnp.float32
    ) -> jax.Array:
        if num_heads & (num_heads - 1) == 0:
            result: jax.Array = original(attention_mask, num_heads, dtype)
            return result
        return alibi_tensor(attention_mask, num_heads, dtype)

    return build_alibi_tensor


BLOOM_ALIBI: tuple[Site, ...] = (
    ("transformers.models.bloom.modeling_flax_bloom", "", "build_alibi_tensor"),
)


def jnp_lacks_cat() -> bool:
    """No jax ever had jnp.cat; should one appear, upstream's line runs as written."""
    return not hasattr(jnp, "cat")


# --- generate(no_repeat_ngram_size=): a BCOO gather under vmap ----------------------


def banned_tokens_mask(
    self: Any, latest_tokens: jax.Array, previous_ngrams: Any
) -> jax.Array:
    """How often each token would complete an n-gram already seen, per batch row (float32, dense).

    previous_ngrams is upstream's BCOO: an entry (row, token_1..token_n) of
    value 1 per n-gram generated so far, and filler entries of value 0. An
    entry counts for a row when it belongs to that row and its first n-1
    tokens are the row's latest ones; it counts for its last token.
    """
    indices, data = previous_ngrams.indices, previous_ngrams.data
    batch_size, vocab_size = previous_ngrams.shape[0], previous_ngrams.shape[-1]
    own_row = (
        indices[None, :, 0] == jnp.arange(batch_size, dtype=indices.dtype)[:, None]
    )
    same_prefix = jnp.all(indices[None, :, 1:-1] == latest_tokens[:, None, :], axis=-1)
    counts = jnp.where(own_row & same_prefix, data[None, :], jnp.zeros((), data.dtype))
    result: jax.Array = (
        jnp.zeros((batch_size, vocab_size), data.dtype)
        .at[:, indices[:, -1]]
        .add(counts)
    )
    return result


NGRAM_MASK: tuple[Site, ...] = (
    (
        "transformers.generation.flax_logits_process",
        "FlaxNoRepeatNGramLogitsProcessor",
        "get_banned_tokens_mask",
    ),
)


def bcoo_gather_fails() -> bool:
    """Measured: upstream's mask runs on jax 0.4.34; from 0.4.35 on, jax's sparse gather rule raises."""
    return _jax_version() >= (0, 4, 35)


# --- generate() of a model without eos_token_id: jnp.array(None) -----------------------

# A token id that no generated token equals, as none equalled upstream's NaN.
NO_TOKEN = -1


def eos_never_none(original: Function) -> Function:
    """Upstream's search with eos_token_id NO_TOKEN where it would be None, and as it is otherwise."""

    def search(
        self: Any,
        input_ids: Any,
        max_length: Any = None,
        pad_token_id: Any = None,
        eos_token_id: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if eos_token_id is None and self.generation_config.eos_token_id is None:
            eos_token_id = NO_TOKEN
        return original(
            self, input_ids, max_length, pad_token_id, eos_token_id, *args, **kwargs
        )

    return search


EOS_SEARCHES: tuple[Site, ...] = tuple(
    ("transformers.generation.flax_utils", "FlaxGenerationMixin", name)
    for name in ("_greedy_search", "_sample", "_beam_search")
)


def array_refuses_none() -> bool:
    """Measured: jnp.array(None) warns and gives NaN up to jax 0.5.3; from 0.6.0 on it raises ValueError."""
    return _jax_version() >= (0, 6, 0)


# --- init_cache of ELECTRA and BigBird: the module called with the wrong arguments ----

ELECTRA = "transformers.models.electra.modeling_flax_electra"
BIG_BIRD = "transformers.models.big_bird.modeling_flax_big_bird"


def positional(function: Function) -> list[str]:
    """The names of a function's positional parameters after self."""
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    parameters = inspect.signature(function).parameters.values()
    return [parameter.name for parameter in parameters if parameter.kind in kinds][1:]


def takes_positions_third(module_class: type) -> bool:
    """Whether a Flax module reads position_ids where upstream's composites pass them: third."""
    expected = ["input_ids", "attention_mask", "position_ids"]
    return positional(module_class.__call__)[:3] == expected


def init_cache_by_keyword(
    self: Any, batch_size: int, max_length: int
) -> dict[str, Any]:
    """The decoding cache: the module initialised once with every input named, token types included.

    Only the shapes of the inputs matter: the cache starts as zeros.
    """
    input_ids = jnp.ones((batch_size, max_length), dtype="i4")
    variables = self.module.init(
        jax.random.PRNGKey(0),
        input_ids=input_ids,
        attention_mask=jnp.ones_like(input_ids),
        token_type_ids=jnp.zeros_like(input_ids),
        position_ids=jnp.broadcast_to(jnp.arange(max_length), input_ids.shape),
        return_dict=False,
        init_cache=True,
    )
    cache: dict[str, Any] = frozen_dict.unfreeze(variables["cache"])
    return cache


ELECTRA_CACHE: tuple[Site, ...] = (
    (ELECTRA, "FlaxElectraPreTrainedModel", "init_cache"),
)
BIG_BIRD_CACHE: tuple[Site, ...] = (
    (BIG_BIRD, "FlaxBigBirdPreTrainedModel", "init_cache"),
)


def electra_takes_token_types_third() -> bool:
    """Upstream's init_cache passes position_ids third; ELECTRA's causal LM reads token_type_ids there."""
    module = sys.modules[ELECTRA]
    return not takes_positions_third(module.FlaxElectraForCausalLMModule)


def big_bird_needs_token_types() -> bool:
    """Upstream's init_cache passes no token_type_ids; BigBird's model takes them without a default."""
    module = sys.modules[BIG_BIRD]
    parameters = inspect.signature(module.FlaxBigBirdModule.__call__).parameters
    return parameters["token_type_ids"].default is inspect.Parameter.empty


# --- FlaxEncoderDecoderModel.encode: position_ids read as token types ------------------

ENCODER_DECODER = "transformers.models.encoder_decoder.modeling_flax_encoder_decoder"


def encoder_by_keyword(
    module: Any, input_ids: Any, attention_mask: Any, position_ids: Any, **kwargs: Any
) -> Any:
    """The encoder called as upstream's forward pass calls it: every input by name."""
    encoder = module._get_encoder_module()
    return encoder(
        input_ids=input_ids,
        attention_mask=attention_mask,
        position_ids=position_ids,
        **kwargs,
    )


def encode_by_keyword(original: Function) -> Function:
    """Upstream's encode where the encoder reads position_ids third; ours, by keyword, elsewhere."""
    signature = inspect.signature(original)

    def encode(self: Any, *args: Any, **kwargs: Any) -> Any:
        from transformers.modeling_flax_outputs import FlaxBaseModelOutput
        from transformers.models.auto.modeling_flax_auto import FLAX_MODEL_MAPPING

        # The encoder's class, found as the composite module's setup finds it.
        model_class: Any = FLAX_MODEL_MAPPING[type(self.config.encoder)]
        encoder: type = model_class.module_class
        if takes_positions_third(encoder):
            return original(self, *args, **kwargs)
        call = signature.bind(self, *args, **kwargs)
        call.apply_defaults()
        given = call.arguments
        for name in ("output_attentions", "output_hidden_states", "return_dict"):
            if given[name] is None:
                given[name] = getattr(self.config, name)
        input_ids = jnp.asarray(given["input_ids"], dtype="i4")
        if given["attention_mask"] is None:
            given["attention_mask"] = jnp.ones_like(input_ids)
        if given["position_ids"] is None:
            given["position_ids"] = jnp.broadcast_to(
                jnp.arange(input_ids.shape[-1]), input_ids.shape
            )
        dropout_rng = given["dropout_rng"]
        outputs = self.module.apply(
            {"params": given["params"] or self.params},
            input_ids=input_ids,
            attention_mask=jnp.asarray(given["attention_mask"], dtype="i4"),
            position_ids=jnp.asarray(given["position_ids"], dtype="i4"),
            output_attentions=given["output_attentions"],
            output_hidden_states=given["output_hidden_states"],
            return_dict=given["return_dict"],
            deterministic=not given["train"],
            rngs={} if dropout_rng is None else {"dropout": dropout_rng},
            method=encoder_by_keyword,
        )
        if not given["return_dict"]:
            return outputs
        return FlaxBaseModelOutput(
            last_hidden_state=outputs.last_hidden_state,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )

    return encode


ENCODER_DECODER_ENCODE: tuple[Site, ...] = (
    (ENCODER_DECODER, "FlaxEncoderDecoderModel", "encode"),
)


def encode_passes_positions_third() -> bool:
    """Upstream's encode hands the encoder (input_ids, attention_mask, position_ids) by position.

    Installed wherever the module is: which encoder reads them right is
    known only per model, so the replacement asks at each call and runs
    upstream's encode for those that do.
    """
    return True


def _apply(
    name: str,
    upstream: tuple[str, ...],
    affected: str,
    remedy: str,
    oracle: str,
    needed: Callable[[], bool],
    table: tuple[Site, ...],
    make: Callable[[Function], Function],
) -> Fix:
    """Install the fix at every imported site if this environment needs it; its row of the table."""
    present = sites(table)
    if present and needed():
        for owner, attribute in present:
            install(owner, attribute, name, make)
    applied = bool(present) and all(
        is_fixed(owner, attribute) for owner, attribute in present
    )
    return Fix(name, upstream, affected, remedy, oracle, applied)


def apply_fixes() -> tuple[Fix, ...]:
    """Apply every fix this environment needs to the modules imported so far; one row per fix."""
    return (
        _apply(
            "t5-clip",
            (
                "models/t5/modeling_flax_t5.py:250",
                "models/t5/modeling_flax_t5.py:261",
                "models/longt5/modeling_flax_longt5.py:390",
                "models/longt5/modeling_flax_longt5.py:401",
                "models/longt5/modeling_flax_longt5.py:675",
                "models/longt5/modeling_flax_longt5.py:686",
                "models/longt5/modeling_flax_longt5.py:898",
                "models/longt5/modeling_flax_longt5.py:909",
            ),
            "jax >= 0.10.0 (clip lost a_min/a_max): every T5, mT5 and LongT5 model",
            "_relative_position_bucket of the four T5/LongT5 attention classes, bounded with jnp.minimum",
            "upstream's function on jax < 0.10, bit for bit",
            clip_lacks_a_max,
            T5_BUCKETS,
            lambda original: relative_position_bucket,
        ),
        _apply(
            "bloom-alibi",
            ("models/bloom/modeling_flax_bloom.py:139",),
            "every jax (jnp.cat never existed): BLOOM whose head count is not a power of 2",
            "build_alibi_tensor joins the slopes with jnp.concatenate; power-of-2 head counts still run upstream's",
            "PyTorch's build_alibi_tensor; upstream's for power-of-2 head counts, bit for bit",
            jnp_lacks_cat,
            BLOOM_ALIBI,
            alibi_for_any_head_count,
        ),
        _apply(
            "no-repeat-ngram",
            ("generation/flax_logits_process.py:521",),
            "jax >= 0.4.35 (its sparse gather rule raises): generate(no_repeat_ngram_size=N)",
            "get_banned_tokens_mask reads the seen n-grams off the BCOO's indices with dense jnp operations",
            "upstream's processor on jax < 0.4.35, bit for bit; PyTorch's NoRepeatNGramLogitsProcessor",
            bcoo_gather_fails,
            NGRAM_MASK,
            lambda original: banned_tokens_mask,
        ),
        _apply(
            "eos-none",
            (
                "generation/flax_utils.py:593",
                "generation/flax_utils.py:682",
                "generation/flax_utils.py:820",
            ),
            "jax >= 0.6.0 (jnp.array(None) raises): generate() of a model whose config has no eos_token_id",
            "greedy, sampling and beam search get eos_token_id -1, a token never generated, instead of None",
            "upstream's generate on jax < 0.6, the same tokens",
            array_refuses_none,
            EOS_SEARCHES,
            eos_never_none,
        ),
        _apply(
            "electra-init-cache",
            ("models/electra/modeling_flax_electra.py:765",),
            "every jax (upstream passes position_ids where the module reads token_type_ids): generate() of ELECTRA as a causal LM",
            "init_cache initialises the module with every input named, token_type_ids as zeros",
            "PyTorch's ElectraForCausalLM.generate, the same tokens; upstream's uncached forward picks each token",
            electra_takes_token_types_third,
            ELECTRA_CACHE,
            lambda original: init_cache_by_keyword,
        ),
        _apply(
            "big-bird-init-cache",
            (
                "models/big_bird/modeling_flax_big_bird.py:1713",
                "models/big_bird/modeling_flax_big_bird.py:227",
            ),
            "every jax (upstream passes no token_type_ids, and the embeddings need them): generate() of BigBird as a causal LM",
            "init_cache initialises the module with every input named, token_type_ids as zeros",
            "PyTorch's BigBirdForCausalLM.generate, the same tokens; upstream's uncached forward picks each token",
            big_bird_needs_token_types,
            BIG_BIRD_CACHE,
            lambda original: init_cache_by_keyword,
        ),
        _apply(
            "encoder-decoder-encode",
            ("models/encoder_decoder/modeling_flax_encoder_decoder.py:478",),
            "every jax, silently (upstream passes position_ids where BERT-like encoders read token_type_ids):"
            " encode() and generate() of an encoder-decoder with a BERT, RoBERTa, ELECTRA, ALBERT or BigBird encoder",
            "encode calls the encoder with every input named, as upstream's forward pass does;"
            " encoders that read position_ids third still run upstream's encode",
            "upstream's forward pass (its encoder output), bit for bit; PyTorch's EncoderDecoderModel.generate, the same tokens",
            encode_passes_positions_third,
            ENCODER_DECODER_ENCODE,
            encode_by_keyword,
        ),
    )
