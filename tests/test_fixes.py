"""Each fix of flax_auto._fixes against its oracle, and where it is (and is not) in place.

The oracle is upstream's own function where it still runs on this jax (the
same inputs, the same outputs, bit for bit), and PyTorch's implementation of
the same function where none runs. torch is installed only in the lowest-bounds
venv (Python 3.11), so the PyTorch tests skip elsewhere; the upstream tests
skip where upstream's function raises, and the tests of the raise skip where it
runs. Each venv thus proves what its jax allows, and `make test` runs both ends.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import itertools
import sys
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from transformers.generation.flax_logits_process import FlaxNoRepeatNGramLogitsProcessor
from transformers.modeling_flax_pytorch_utils import load_flax_weights_in_pytorch_model

import flax_auto
from codegen.settings import RUNTIME
from flax_auto import _fixes

pytestmark = pytest.mark.bounds

ROWS = {fix.name: fix for fix in flax_auto.FIXES}
SITES = {
    "t5-clip": _fixes.sites(_fixes.T5_BUCKETS),
    "bloom-alibi": _fixes.sites(_fixes.BLOOM_ALIBI),
    "no-repeat-ngram": _fixes.sites(_fixes.NGRAM_MASK),
    "eos-none": _fixes.sites(_fixes.EOS_SEARCHES),
    "electra-init-cache": _fixes.sites(_fixes.ELECTRA_CACHE),
    "big-bird-init-cache": _fixes.sites(_fixes.BIG_BIRD_CACHE),
    "encoder-decoder-encode": _fixes.sites(_fixes.ENCODER_DECODER_ENCODE),
}
NEEDED = {
    "t5-clip": _fixes.clip_lacks_a_max,
    "bloom-alibi": _fixes.jnp_lacks_cat,
    "no-repeat-ngram": _fixes.bcoo_gather_fails,
    "eos-none": _fixes.array_refuses_none,
    "electra-init-cache": _fixes.electra_takes_token_types_third,
    "big-bird-init-cache": _fixes.big_bird_needs_token_types,
    "encoder-decoder-encode": _fixes.encode_passes_positions_third,
}
try:
    import torch
except ImportError:  # only the lowest-bounds venv (Python 3.11) has the CPU wheel
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed here (only the lowest-bounds venv has it)")


def upstream(owner: object, attribute: str) -> Callable[..., Any]:
    """Upstream's own function at a site, whether or not a fix stands in front of it."""
    current = inspect.getattr_static(owner, attribute)
    function = current.__func__ if isinstance(current, staticmethod) else current
    return getattr(function, "__wrapped__", function) if _fixes.is_fixed(owner, attribute) else function


def quietly(function: Callable[..., Any], *args: Any) -> Any:
    """Call upstream's code without the warnings of what jax deprecated and later removed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)  # jnp.array(None) on jax 0.4.27 to 0.5
        return function(*args)


def runs_here(name: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(ROWS[name].applied, reason=f"upstream's code of {name} raises on jax {jax.__version__}")


def raises_here(name: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not ROWS[name].applied, reason=f"upstream's code of {name} runs on jax {jax.__version__}")


# --- where the fixes stand ------------------------------------------------------------


def test_the_table_lists_each_fix_with_its_upstream_lines_versions_and_oracle() -> None:
    assert list(ROWS) == list(SITES)
    for fix in flax_auto.FIXES:
        assert fix.upstream and all(line.rsplit(":", 1)[1].isdigit() for line in fix.upstream), fix.name
        assert "jax" in fix.affected and fix.remedy and fix.oracle, fix.name


def test_the_readme_shows_the_table() -> None:
    """One row per fix, naming each of its upstream files and lines."""
    text = (RUNTIME.parent.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## Upstream's Flax defects, fixed\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(ROWS)
    for row, fix in zip(rows, flax_auto.FIXES, strict=True):
        for place in fix.upstream:
            path, line = place.rsplit(":", 1)
            cell = row.split(f"`{path}:", 1)[1].split("`", 1)[0]
            assert line in cell.replace(" ", "").split(","), (fix.name, place)


@pytest.mark.parametrize("name", list(SITES))
def test_a_fix_is_in_place_exactly_where_upstream_raises(name: str) -> None:
    """Applied iff needed here; where not applied, every site holds upstream's own function."""
    assert ROWS[name].applied is NEEDED[name]()
    for owner, attribute in SITES[name]:
        assert _fixes.is_fixed(owner, attribute) is ROWS[name].applied
        function = upstream(owner, attribute)
        assert function.__module__.startswith("transformers.") and not hasattr(function, _fixes.MARK)


def test_the_probes_tell_what_upstream_meets() -> None:
    """Each probe reads a signature, an attribute or a version; what it says is what jax does."""
    try:
        quietly(lambda: jnp.clip(jnp.arange(3), a_max=1))
    except TypeError:
        clip_raises = True
    else:
        clip_raises = False
    assert _fixes.clip_lacks_a_max() is clip_raises
    assert _fixes.jnp_lacks_cat() is not hasattr(jnp, "cat")
    processor, ids, _ = ngram_case(np.random.default_rng(0), ngram_size=2, batch=2, length=6, vocab=5)
    seen = processor.get_previous_ngrams(ids, 5, 6)
    try:
        upstream(*_fixes.sites(_fixes.NGRAM_MASK)[0])(processor, ids[:, -1:], seen)
    except (NotImplementedError, ValueError):  # 0.4.35 to 0.8: a shape mismatch; 0.9 on: not implemented
        mask_raises = True
    else:
        mask_raises = False
    assert _fixes.bcoo_gather_fails() is mask_raises
    try:
        quietly(lambda: jnp.array(None))
    except ValueError:
        none_raises = True
    else:
        none_raises = False
    assert _fixes.array_refuses_none() is none_raises
    for name, model_type in CACHE_FIXES.items():
        try:
            upstream(*SITES[name][0])(causal_lm(model_type), 2, 8)
        except AttributeError:  # the embeddings get None for position_ids or token_type_ids
            cache_raises = True
        else:
            cache_raises = False
        assert NEEDED[name]() is cache_raises, name
    model = bert2bert()
    theirs = upstream(*SITES["encoder-decoder-encode"][0])(model, ENCODER_INPUT)
    assert _fixes.encode_passes_positions_third() is not np.array_equal(theirs.last_hidden_state, forward_encoding(model))


def test_the_originals_raise_where_the_fixes_apply() -> None:
    """What each fix is for: on this jax, upstream's function fails (skipped where none is applied)."""
    processor = FlaxNoRepeatNGramLogitsProcessor(2)
    seen = processor.get_previous_ngrams(jnp.ones((1, 4), "i4"), 5, 4)
    failures: dict[str, Callable[[], object]] = {
        "t5-clip": lambda: upstream(*_fixes.sites(_fixes.T5_BUCKETS)[0])(jnp.arange(-4, 4)),
        "bloom-alibi": lambda: upstream(*_fixes.sites(_fixes.BLOOM_ALIBI)[0])(jnp.ones((1, 4), "i4"), 3),
        "no-repeat-ngram": lambda: upstream(*_fixes.sites(_fixes.NGRAM_MASK)[0])(processor, jnp.ones((1, 1), "i4"), seen),
        "eos-none": lambda: upstream(*_fixes.sites(_fixes.EOS_SEARCHES)[0])(no_eos_model(), PROMPT, 6, 0, None, trace=False),
        "electra-init-cache": lambda: upstream(*SITES["electra-init-cache"][0])(causal_lm("electra"), 2, 8),
        "big-bird-init-cache": lambda: upstream(*SITES["big-bird-init-cache"][0])(causal_lm("big_bird"), 2, 8),
    }
    applied = [name for name in failures if ROWS[name].applied]
    if not applied:
        pytest.skip(f"no fix is applied on jax {jax.__version__}")
    for name in applied:
        with pytest.raises((TypeError, AttributeError, NotImplementedError, ValueError)):
            quietly(failures[name])


def test_applying_again_or_from_a_second_copy_installs_nothing_twice() -> None:
    """A second copy of the module (another generated package) finds every site marked and leaves it."""
    before = {(name, id(owner), attribute): inspect.getattr_static(owner, attribute) for name, sites in SITES.items() for owner, attribute in sites}
    spec = importlib.util.spec_from_file_location("second_copy_of_fixes", RUNTIME / "_fixes.py")
    assert spec is not None and spec.loader is not None
    second = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = second  # dataclasses resolve the module of their class by name
    try:
        spec.loader.exec_module(second)
    finally:
        del sys.modules[spec.name]
    after = {(name, id(owner), attribute): inspect.getattr_static(owner, attribute) for name, sites in SITES.items() for owner, attribute in sites}
    assert all(after[key] is before[key] for key in before)
    assert [(fix.name, fix.applied) for fix in second.apply_fixes()] == [(fix.name, fix.applied) for fix in flax_auto.FIXES]


def test_install_replaces_a_function_once_and_keeps_upstreams_behind_it() -> None:
    class Owner:
        @staticmethod
        def double(x: int) -> int:
            """Upstream's."""
            return 2 * x

        def name(self) -> str:
            return "upstream"

    original = Owner.double
    assert _fixes.install(Owner, "double", "probe-fix", lambda old: lambda x: old(x) + 1)
    assert not _fixes.install(Owner, "double", "probe-fix", lambda old: lambda x: 0)
    assert isinstance(inspect.getattr_static(Owner, "double"), staticmethod)
    assert Owner.double(3) == 7 and Owner().double(3) == 7
    assert Owner.double.__wrapped__ is original and Owner.double.__doc__ == "Upstream's."  # type: ignore[attr-defined]
    assert getattr(Owner.double, _fixes.MARK) == "probe-fix" and _fixes.is_fixed(Owner, "double")
    assert _fixes.install(Owner, "name", "probe-fix", lambda old: lambda self: old(self) + " fixed")
    assert Owner().name() == "upstream fixed" and _fixes.is_fixed(Owner, "name")


# --- T5, mT5, LongT5 ------------------------------------------------------------------

# (bidirectional, num_buckets, max_distance): T5's defaults, the tiny test models', odd sizes.
BUCKET_SETTINGS = list(itertools.product([True, False], [32, 8, 7], [128, 16, 5]))


def relative_positions() -> list[jax.Array]:
    """A line through 0 and beyond every max_distance, a query x key grid, and random int32s."""
    grid = jnp.arange(24, dtype="i4")[None, :] - jnp.arange(17, dtype="i4")[:, None]
    spread = jnp.asarray(np.random.default_rng(5).integers(-5000, 5000, size=(3, 64)), dtype="i4")
    return [jnp.arange(-300, 301, dtype="i4"), grid, spread]


@runs_here("t5-clip")
@pytest.mark.parametrize(("owner", "attribute"), _fixes.sites(_fixes.T5_BUCKETS), ids=lambda x: getattr(x, "__name__", x))
def test_t5_buckets_equal_upstreams_bit_for_bit(owner: object, attribute: str) -> None:
    original = upstream(owner, attribute)
    for positions, (bidirectional, num_buckets, max_distance) in itertools.product(relative_positions(), BUCKET_SETTINGS):
        theirs = quietly(original, positions, bidirectional, num_buckets, max_distance)
        ours = _fixes.relative_position_bucket(positions, bidirectional, num_buckets, max_distance)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_t5_buckets_where_fixed_are_ours() -> None:
    """Through the class, as compute_bias calls it: the same answers as the function itself."""
    positions = relative_positions()[1]
    for owner, attribute in _fixes.sites(_fixes.T5_BUCKETS):
        through_class = quietly(getattr(owner, attribute), positions, False, 8, 16)
        np.testing.assert_array_equal(np.asarray(through_class), np.asarray(_fixes.relative_position_bucket(positions, False, 8, 16)))


# --- BLOOM ----------------------------------------------------------------------------

HEAD_COUNTS = [1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 40]


def attention_masks() -> list[jax.Array]:
    """All ones, left padding, holes, and random masks."""
    random = np.random.default_rng(1).integers(0, 2, size=(3, 11))
    return [
        jnp.ones((2, 7), "i4"),
        jnp.asarray([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], "i4"),
        jnp.asarray([[1, 0, 1, 0, 1, 1]], "i4"),
        jnp.asarray(random, "i4"),
    ]


def test_alibi_equals_upstreams_bit_for_bit_where_upstream_runs() -> None:
    """For power-of-2 head counts upstream's build_alibi_tensor runs: ours gives its every bit."""
    original = upstream(*_fixes.sites(_fixes.BLOOM_ALIBI)[0])
    for mask, heads, dtype in itertools.product(attention_masks(), [1, 2, 4, 8, 16, 32], [jnp.float32, jnp.bfloat16]):
        theirs = original(mask, heads, dtype)
        ours = _fixes.alibi_tensor(mask, heads, dtype)
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape == (mask.shape[0], heads, 1, mask.shape[1])
        np.testing.assert_array_equal(np.asarray(ours, np.float32), np.asarray(theirs, np.float32))


@raises_here("bloom-alibi")
def test_bloom_keeps_upstreams_alibi_for_power_of_two_heads() -> None:
    """The fix stands in front of upstream's function: power-of-2 head counts run upstream's computation."""
    original = upstream(*_fixes.sites(_fixes.BLOOM_ALIBI)[0])
    installed = flax_auto_alibi()
    mask = attention_masks()[1]

    def program(function: Callable[..., jax.Array], heads: int) -> str:
        return str(jax.make_jaxpr(lambda m: function(m, heads))(mask))

    assert program(installed, 4) == program(original, 4) != program(_fixes.alibi_tensor, 4)
    assert program(installed, 5) == program(_fixes.alibi_tensor, 5)


@needs_torch
def test_alibi_equals_pytorchs_for_every_head_count() -> None:
    from transformers.models.bloom.modeling_bloom import build_alibi_tensor

    alibi = flax_auto_alibi()
    worst = 0.0
    for mask, heads in itertools.product(attention_masks(), HEAD_COUNTS):
        theirs = build_alibi_tensor(torch.tensor(np.asarray(mask)), heads, torch.float32).numpy()
        ours = np.asarray(alibi(mask, heads))
        batch, length = mask.shape
        assert ours.shape == (batch, heads, 1, length) and theirs.shape == (batch * heads, 1, length)
        np.testing.assert_allclose(ours.reshape(theirs.shape), theirs, rtol=2e-7, atol=0)
        worst = max(worst, float(np.max(np.abs(ours.reshape(theirs.shape) - theirs))))
    print(f"alibi vs PyTorch: max |difference| {worst:.3g}")


def flax_auto_alibi() -> Callable[..., jax.Array]:
    """What BLOOM calls here: the fixed function where a fix is applied, upstream's otherwise."""
    from transformers.models.bloom import modeling_flax_bloom

    result: Callable[..., jax.Array] = modeling_flax_bloom.build_alibi_tensor
    return result


# --- generate(no_repeat_ngram_size=) --------------------------------------------------


class FixedNGramProcessor(FlaxNoRepeatNGramLogitsProcessor):
    """Upstream's processor with our mask, whether or not the fix is applied here."""

    get_banned_tokens_mask = _fixes.banned_tokens_mask


def ngram_case(
    rng: np.random.Generator, ngram_size: int, batch: int, length: int, vocab: int
) -> tuple[FlaxNoRepeatNGramLogitsProcessor, jax.Array, jax.Array]:
    """Ids from a small vocabulary, so that n-grams repeat, and random scores."""
    ids = jnp.asarray(rng.integers(0, vocab, size=(batch, length)), "i4")
    scores = jnp.asarray(rng.standard_normal((batch, vocab)), "f4")
    return FlaxNoRepeatNGramLogitsProcessor(ngram_size), ids, scores


# (ngram_size, batch, length, vocab)
NGRAM_CASES = [(1, 2, 6, 5), (2, 1, 4, 3), (2, 3, 12, 4), (3, 2, 10, 3), (2, 4, 16, 11), (4, 2, 20, 2)]


def each_ngram_case() -> Any:
    rng = np.random.default_rng(7)
    for ngram_size, batch, length, vocab in NGRAM_CASES:
        processor, ids, scores = ngram_case(rng, ngram_size, batch, length, vocab)
        for cur_len in range(1, length + 1):
            yield processor, ids, scores, cur_len


# As generate calls a processor: under jit, cur_len traced (one compilation per case, not per
# cur_len). The processor is a static argument, hashed by identity: one instance per size.
FIXED_NGRAM = {size: FixedNGramProcessor(size) for size, _, _, _ in NGRAM_CASES}
traced = jax.jit(lambda processor, ids, scores, cur_len: processor(ids, scores, cur_len), static_argnums=0)


@runs_here("no-repeat-ngram")
def test_ngram_processor_equals_upstreams_bit_for_bit() -> None:
    """The processor at every cur_len of each case, and the mask itself (counts, not only bools)."""
    cases = 0
    for processor, ids, scores, cur_len in each_ngram_case():
        ours = FIXED_NGRAM[processor.ngram_size]
        np.testing.assert_array_equal(
            np.asarray(traced(ours, ids, scores, jnp.asarray(cur_len))),
            np.asarray(traced(processor, ids, scores, jnp.asarray(cur_len))),
        )
        if cur_len == ids.shape[1]:
            seen = processor.get_previous_ngrams(ids, scores.shape[1], cur_len)
            latest = ids[:, cur_len - processor.ngram_size + 1 : cur_len]
            theirs_mask = processor.get_banned_tokens_mask(latest, seen)
            ours_mask = ours.get_banned_tokens_mask(latest, seen)
            assert ours_mask.dtype == theirs_mask.dtype and ours_mask.shape == theirs_mask.shape
            np.testing.assert_array_equal(np.asarray(ours_mask), np.asarray(theirs_mask))
        cases += 1
    assert cases == sum(length for _, _, length, _ in NGRAM_CASES)


@needs_torch
def test_ngram_processor_equals_pytorchs() -> None:
    """PyTorch's processor sees the ids generated so far (ids[:, :cur_len]): the same tokens banned."""
    from transformers.generation.logits_process import NoRepeatNGramLogitsProcessor

    banned = 0
    for processor, ids, scores, cur_len in each_ngram_case():
        ours = np.asarray(traced(FIXED_NGRAM[processor.ngram_size], ids, scores, jnp.asarray(cur_len)))
        theirs = NoRepeatNGramLogitsProcessor(processor.ngram_size)(
            torch.tensor(np.asarray(ids[:, :cur_len]), dtype=torch.long), torch.tensor(np.asarray(scores))
        ).numpy()
        np.testing.assert_array_equal(ours, theirs)
        banned += int(np.isinf(ours).sum())
    assert banned > 0  # the cases do ban tokens
    print(f"no_repeat_ngram vs PyTorch: {banned} tokens banned, all the same")


# --- generate() without eos_token_id ------------------------------------------------

PROMPT = np.arange(10, 16, dtype=np.int32).reshape(2, 3)


@functools.cache
def no_eos_model() -> Any:
    """A tiny GPT-2 whose config names no eos_token_id (as BERT's, used as a causal LM)."""
    from tiny_models import TINY_CONFIGS

    config = TINY_CONFIGS["gpt2"]()
    config.eos_token_id = config.bos_token_id = None
    config.pad_token_id = 0
    return flax_auto.FlaxAutoModelForCausalLM.from_config(config, seed=0)


@runs_here("eos-none")
@pytest.mark.parametrize("options", [{}, {"num_beams": 2}, {"do_sample": True, "prng_key": jax.random.PRNGKey(0)}], ids=["greedy", "beam", "sample"])
def test_generate_without_eos_equals_upstreams(options: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Upstream's searches with eos None (a NaN that no token equals) and ours with -1: the same tokens."""
    model = no_eos_model()
    theirs = quietly(lambda: model.generate(PROMPT, max_new_tokens=5, trace=False, **options).sequences)
    for owner, attribute in _fixes.sites(_fixes.EOS_SEARCHES):
        monkeypatch.setattr(owner, attribute, _fixes.eos_never_none(getattr(owner, attribute)))
    ours = model.generate(PROMPT, max_new_tokens=5, trace=False, **options).sequences
    assert ours.shape == (2, 8)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


# --- init_cache of ELECTRA and BigBird ----------------------------------------------

CACHE_FIXES = {"electra-init-cache": "electra", "big-bird-init-cache": "big_bird"}


@functools.cache
def causal_lm(model_type: str) -> Any:
    """A tiny text encoder as a causal LM: a decoder with cross-attention, as upstream's tests build it."""
    from tiny_models import TINY_CONFIGS

    config = TINY_CONFIGS[model_type]()
    config.is_decoder = config.add_cross_attention = True
    return flax_auto.FlaxAutoModelForCausalLM.from_config(config, seed=0)


def greedy(model: Any, prompt: np.ndarray, new_tokens: int = 5) -> np.ndarray:
    output = model.generate(prompt, attention_mask=np.ones_like(prompt), max_new_tokens=new_tokens, trace=False)
    return np.asarray(output.sequences)


@pytest.mark.parametrize("model_type", list(CACHE_FIXES.values()))
def test_the_cache_starts_empty_with_upstreams_shapes(model_type: str) -> None:
    """What init_cache gives: zeros and index 0 at every layer, keys shaped (batch, length, heads, head size)."""
    model = causal_lm(model_type)
    config = model.config
    cache = jax.tree_util.tree_leaves_with_path(model.init_cache(2, 8))
    head_size = config.hidden_size // config.num_attention_heads
    paths = {jax.tree_util.keystr(path) for path, _ in cache}
    assert len(paths) == 3 * config.num_hidden_layers  # cached_key, cached_value, cache_index per layer
    for path, leaf in cache:
        assert not np.asarray(leaf).any(), jax.tree_util.keystr(path)
        if "cache_index" not in jax.tree_util.keystr(path):
            assert leaf.shape == (2, 8, config.num_attention_heads, head_size)


@pytest.mark.parametrize("model_type", list(CACHE_FIXES.values()))
def test_cached_greedy_tokens_are_the_argmax_of_upstreams_uncached_forward(model_type: str) -> None:
    """The cache the fix builds decodes as upstream's forward pass (no cache) computes, token by token."""
    model = causal_lm(model_type)
    sequences = greedy(model, PROMPT)
    forced = sequences[:, :-1]
    positions = np.broadcast_to(np.arange(forced.shape[1]), forced.shape)
    logits = np.asarray(model(forced, attention_mask=np.ones_like(forced), position_ids=positions).logits)
    start = PROMPT.shape[1]
    np.testing.assert_array_equal(sequences[:, :start], PROMPT)
    np.testing.assert_array_equal(sequences[:, start:], logits[:, start - 1 :].argmax(-1))


def pytorch_twin(model: Any, torch_class: Any) -> Any:
    """The same weights in PyTorch's implementation, converted by transformers' own Flax-to-PyTorch loader."""
    twin = torch_class(model.config)
    load_flax_weights_in_pytorch_model(twin, model.params)
    twin.tie_weights()  # the Flax model holds a tied head as the embeddings alone
    return twin.eval()


@needs_torch
@pytest.mark.parametrize("model_type", list(CACHE_FIXES.values()))
def test_causal_lm_generates_as_pytorchs(model_type: str) -> None:
    import transformers

    torch_class = {"electra": transformers.ElectraForCausalLM, "big_bird": transformers.BigBirdForCausalLM}[model_type]
    model = causal_lm(model_type)
    twin = pytorch_twin(model, torch_class)
    prompt = torch.tensor(PROMPT, dtype=torch.long)
    # Upstream's Flax ELECTRA takes token type 1 where none is given (modeling_flax_electra.py:796), PyTorch's 0.
    types = {"token_type_ids": torch.full_like(prompt, int(model_type == "electra"))}
    with torch.no_grad():  # the same model: the same logits over the prompt
        logits = twin(prompt, attention_mask=torch.ones_like(prompt), **types).logits.numpy()
    np.testing.assert_allclose(np.asarray(model(PROMPT, attention_mask=np.ones_like(PROMPT)).logits), logits, atol=1e-5)
    with torch.no_grad():
        theirs = twin.generate(prompt, attention_mask=torch.ones_like(prompt), **types, max_new_tokens=5, do_sample=False, num_beams=1, pad_token_id=0)
    np.testing.assert_array_equal(greedy(model, PROMPT), theirs.numpy())


# --- FlaxEncoderDecoderModel.encode -------------------------------------------------

ENCODER_INPUT = np.arange(20, 36, dtype=np.int32).reshape(2, 8)  # longer than type_vocab_size (2)
DECODER_START = 2


@functools.cache
def bert2bert() -> Any:
    from tiny_models import TINY_CONFIGS

    return flax_auto.FlaxAutoModelForSeq2SeqLM.from_config(TINY_CONFIGS["encoder-decoder"](), seed=0)


@functools.cache
def gpt2_to_bert() -> Any:
    """An encoder that reads position_ids third (GPT-2's), for which upstream's encode is right."""
    from tiny_models import TINY_CONFIGS
    from transformers import EncoderDecoderConfig

    decoder = TINY_CONFIGS["encoder-decoder"]().decoder
    config = EncoderDecoderConfig.from_encoder_decoder_configs(TINY_CONFIGS["gpt2"](), decoder)
    return flax_auto.FlaxAutoModelForSeq2SeqLM.from_config(config, seed=0)


def forward_encoding(model: Any, **inputs: Any) -> np.ndarray:
    """The encoder's output in upstream's forward pass, which names the encoder's inputs."""
    decoder_input_ids = np.full((ENCODER_INPUT.shape[0], 1), DECODER_START, dtype=np.int32)
    return np.asarray(model(ENCODER_INPUT, decoder_input_ids=decoder_input_ids, **inputs).encoder_last_hidden_state)


ENCODE_INPUTS = [
    {},
    {"attention_mask": np.array([[1] * 8, [1] * 5 + [0] * 3], dtype=np.int32)},
    {"position_ids": np.broadcast_to(np.arange(3, 11), (2, 8))},
]


@pytest.mark.parametrize("inputs", ENCODE_INPUTS, ids=["defaults", "padding", "positions"])
def test_encode_equals_upstreams_forward_pass_bit_for_bit(inputs: dict[str, Any]) -> None:
    model = bert2bert()
    ours = model.encode(ENCODER_INPUT, **inputs)
    np.testing.assert_array_equal(np.asarray(ours.last_hidden_state), forward_encoding(model, **inputs))
    assert np.isfinite(np.asarray(ours.last_hidden_state)).all()


def test_encode_keeps_upstreams_options() -> None:
    """Tuples without return_dict, every hidden state and attention when asked, dropout under train."""
    model = bert2bert()
    as_tuple = model.encode(ENCODER_INPUT, return_dict=False)
    np.testing.assert_array_equal(np.asarray(as_tuple[0]), forward_encoding(model))
    full = model.encode(ENCODER_INPUT, output_hidden_states=True, output_attentions=True)
    layers = model.config.encoder.num_hidden_layers
    assert len(full.hidden_states) == layers + 1 and len(full.attentions) == layers
    trained = model.encode(ENCODER_INPUT, train=True, dropout_rng=jax.random.PRNGKey(3))
    assert not np.array_equal(np.asarray(trained.last_hidden_state), forward_encoding(model))


def test_encode_runs_upstreams_where_the_encoder_reads_positions_third(monkeypatch: pytest.MonkeyPatch) -> None:
    model = gpt2_to_bert()
    calls: list[str] = []
    original = upstream(*SITES["encoder-decoder-encode"][0])

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append("upstream")
        return original(*args, **kwargs)

    owner, attribute = SITES["encoder-decoder-encode"][0]
    monkeypatch.setattr(owner, attribute, _fixes.encode_by_keyword(counted))
    ours = model.encode(ENCODER_INPUT)
    assert calls == ["upstream"]
    np.testing.assert_array_equal(np.asarray(ours.last_hidden_state), forward_encoding(model))


@needs_torch
def test_encoder_decoder_generates_as_pytorchs() -> None:
    from transformers import EncoderDecoderModel

    model = bert2bert()
    twin = pytorch_twin(model, EncoderDecoderModel)
    ours = model.generate(ENCODER_INPUT, max_new_tokens=5, trace=False, decoder_start_token_id=DECODER_START)
    source = torch.tensor(ENCODER_INPUT, dtype=torch.long)
    with torch.no_grad():
        theirs = twin.generate(source, max_new_tokens=5, do_sample=False, num_beams=1, decoder_start_token_id=DECODER_START, pad_token_id=0)
    np.testing.assert_array_equal(np.asarray(ours.sequences), theirs.numpy())
