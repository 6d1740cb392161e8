"""Every row that generates really generates: greedy, beam, sampling and no_repeat_ngram_size.

For each causal-LM, seq2seq, speech-seq2seq and vision-to-text row of the
tables, a tiny model built through flax_auto (seed 0) and the one upstream's own
auto class builds from the same config and seed must generate the same tokens
in each mode. Beyond that agreement, each mode is held to what it means:
greedy picks the argmax of the model's own logits over its output (teacher
forcing); a fixed PRNG key samples the same tokens every time and another key
other ones; no_repeat_ngram_size=2 repeats no bigram and follows greedy up to
the first bigram greedy repeats. BLOOM is generated again with 3 heads, not a
power of 2.

Generation runs with trace=False: the same model and processor code, step by
step, so that each jax operation is compiled once for all rows instead of one
whole-loop compilation per row and mode (about ten times faster here).
tests/test_fixes.py runs the n-gram processor under jit, as trace=True does.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import jax
import numpy as np
import pytest
from oracle import ENTRIES, EXTENSIONS, TABLES, auto_class, choice, upstream_with_row
from tiny_models import TINY_CONFIGS, bloom_with_three_heads, dummy_inputs

import flax_auto

pytestmark = pytest.mark.bounds

GENERATING = {
    "FlaxAutoModelForCausalLM",
    "FlaxAutoModelForSeq2SeqLM",
    "FlaxAutoModelForSpeechSeq2Seq",
    "FlaxAutoModelForVision2Seq",
}
ODD_HEADS = "bloom-3-heads"  # BLOOM with a head count that is not a power of 2
ROWS = [(auto_name, model_type) for auto_name, model_type in ENTRIES if auto_name in GENERATING]
ROWS.append(("FlaxAutoModelForCausalLM", ODD_HEADS))
MODES = ["greedy", "beam", "sample", "no_repeat_ngram"]
NEW_TOKENS = 4
PROMPT = np.arange(10, 18, dtype=np.int32).reshape(2, 4)  # no bigram repeats in it
SAMPLE_KEY = jax.random.PRNGKey(0)


# Text encoders as causal LMs: their Flax classes cache keys (and so generate) only as decoders
# with cross-attention, as upstream's own tests build them.
ENCODERS = {"bert", "big_bird", "electra", "roberta", "roberta-prelayernorm", "xlm-roberta"}


def config_of(auto_name: str, model_type: str) -> Any:
    config = bloom_with_three_heads() if model_type == ODD_HEADS else TINY_CONFIGS[model_type]()
    if auto_name == "FlaxAutoModelForCausalLM" and model_type in ENCODERS:
        config.is_decoder = config.add_cross_attention = True
    return config


@functools.cache
def models(auto_name: str, model_type: str) -> tuple[Any, Any, tuple[Any, dict[str, Any]]]:
    """Ours, upstream's (same config, same seed) and the inputs: built once for the four modes."""
    ours = getattr(flax_auto, auto_name).from_config(config_of(auto_name, model_type), seed=0)
    config = config_of(auto_name, model_type)
    if choice(auto_name, config) is None:  # a row of ours: upstream's auto machinery over that row alone
        theirs = upstream_with_row(auto_name, model_type if model_type != ODD_HEADS else "bloom")
        assert (auto_name, model_type) in EXTENSIONS
    else:
        theirs = auto_class(auto_name)
    theirs = theirs.from_config(config, seed=0)
    assert type(ours) is type(theirs)
    if not ours.config.is_encoder_decoder:
        return ours, theirs, (PROMPT, {"attention_mask": np.ones_like(PROMPT)})
    inputs = dummy_inputs(type(ours).__name__, ours.config)
    inputs.pop("decoder_input_ids", None)
    first = next(iter(inputs))
    return ours, theirs, (inputs.pop(first), inputs)


@functools.cache
def generated(auto_name: str, model_type: str, mode: str, key: int = 0) -> np.ndarray:
    """What our model generates in a mode (sampling under PRNGKey(key)): once per session."""
    ours, _, (main, inputs) = models(auto_name, model_type)
    return generate(ours, main, inputs, mode, jax.random.PRNGKey(key))


def generate(model: Any, main: Any, inputs: dict[str, Any], mode: str, key: Any = SAMPLE_KEY) -> np.ndarray:
    options: dict[str, Any] = {
        "greedy": {},
        "beam": {"num_beams": 2},
        "sample": {"do_sample": True, "prng_key": key},
        "no_repeat_ngram": {"no_repeat_ngram_size": 2},
    }[mode]
    if model.config.is_encoder_decoder and model.generation_config.decoder_start_token_id is None:
        options["decoder_start_token_id"] = 2  # a composite's or mBART's config names none (a checkpoint's does); not pad (0)
    output = model.generate(main, max_new_tokens=NEW_TOKENS, trace=False, **inputs, **options)
    return np.asarray(output.sequences)


def until_eos(row: np.ndarray, config: Any) -> list[int]:
    """The tokens of one generated row up to its first eos (what follows is padding)."""
    eos = getattr(getattr(config, "decoder", config), "eos_token_id", None)
    tokens = [int(token) for token in row]
    return tokens[: tokens.index(eos) + 1] if eos in tokens else tokens


def first_repeat(tokens: list[int], start: int) -> int | None:
    """The first position from `start` on whose bigram (ending there) came earlier, if any."""
    seen = {tuple(tokens[i - 1 : i + 1]) for i in range(1, start)}
    for position in range(max(start, 1), len(tokens)):
        bigram = (tokens[position - 1], tokens[position])
        if bigram in seen:
            return position
        seen.add(bigram)
    return None


def test_every_row_of_the_generating_tasks_is_generated() -> None:
    tasks = [task for task in TABLES.tasks if task.auto_class in GENERATING]
    assert {task.auto_class for task in tasks} == GENERATING
    assert len(ROWS) == 1 + sum(len(getattr(flax_auto, task.mapping_names)) for task in tasks)
    assert bloom_with_three_heads().n_head == 3


@pytest.mark.parametrize(("auto_name", "model_type", "mode"), [(auto_name, model_type, mode) for auto_name, model_type in ROWS for mode in MODES])
def test_row_generates_as_upstream_and_as_the_mode_means(auto_name: str, model_type: str, mode: str) -> None:
    ours, theirs, (main, inputs) = models(auto_name, model_type)
    sequences = generated(auto_name, model_type, mode)
    np.testing.assert_array_equal(sequences, generate(theirs, main, inputs, mode))
    config = ours.config
    decoder = getattr(config, "decoder", config)
    start = 1 if config.is_encoder_decoder else PROMPT.shape[1]  # decoder start token, or the prompt
    assert sequences.shape == (main.shape[0], start + NEW_TOKENS)
    assert ((0 <= sequences) & (sequences < decoder.vocab_size)).all()
    if not config.is_encoder_decoder:
        np.testing.assert_array_equal(sequences[:, :start], PROMPT)
    if mode == "greedy":
        assert_each_token_is_the_argmax(ours, main, inputs, sequences, start)
    if mode == "sample":  # the key reaches the sampler (the same key gave theirs our tokens)
        assert (generated(auto_name, model_type, mode, key=1) != sequences).any()
    if mode == "no_repeat_ngram":
        greedy = generated(auto_name, model_type, "greedy")
        for row, greedy_row in zip(sequences, greedy, strict=True):
            tokens, greedy_tokens = until_eos(row, config), until_eos(greedy_row, config)
            assert first_repeat(tokens, start) is None, tokens
            repeat = first_repeat(greedy_tokens, start)
            agreed = len(greedy_tokens) if repeat is None else repeat
            assert tokens[:agreed] == greedy_tokens[:agreed]
            if repeat is not None:
                assert tokens[repeat] != greedy_tokens[repeat]


def assert_each_token_is_the_argmax(model: Any, main: Any, inputs: dict[str, Any], sequences: np.ndarray, start: int) -> None:
    """Teacher forcing: the model's logits over the generated sequence pick each next token.

    Where the generation config forces eos (BART-like models, at the last
    position), that token is eos instead.
    """
    if model.config.is_encoder_decoder:
        logits = model(main, decoder_input_ids=sequences[:, :-1], **inputs).logits
    else:  # positions counted from 0, as generate counts them (RoBERTa's own forward starts at pad + 1)
        forced = sequences[:, :-1]
        positions = {"position_ids": np.broadcast_to(np.arange(forced.shape[1]), forced.shape)}
        accepts = "position_ids" in inspect.signature(model.__call__).parameters
        logits = model(forced, attention_mask=np.ones_like(forced), **(positions if accepts else {})).logits
    forced_eos = model.generation_config.forced_eos_token_id
    last = sequences.shape[1] - 1
    for row, (tokens, row_logits) in enumerate(zip(sequences, np.asarray(logits), strict=True)):
        kept = until_eos(tokens, model.config)
        for position in range(start, len(kept)):
            expected = forced_eos if position == last and forced_eos is not None else row_logits[position - 1].argmax()
            assert kept[position] == expected, (row, position)
