"""Tiny model configs, dummy inputs and expected output shapes for tests.

The generated Flax auto classes must map every model type of the upstream
``modeling_flax_auto`` tables to the right ``Flax*`` class.  Checking the
mapping alone is cheap; checking that the chosen class can actually be built
and run needs a real config for every model type.  Real checkpoints are far
too large (and need a network), so this module provides:

* ``TINY_CONFIGS``: model_type -> zero-argument factory returning a fresh,
  tiny config of the class upstream registers for that model type
  (``CONFIG_MAPPING[model_type]``).  Every model has a few thousand
  parameters; building and running one on CPU costs mostly JAX's one-off
  per-operation compilation (a few seconds for the first model of a family).
* ``dummy_inputs(class_name, config)``: keyword arguments for one forward call
  ``model(**inputs)``.
* ``expected_shapes(class_name, config, inputs)``: the shapes of the main
  outputs of that call, for a test to assert on.

It is a helper imported by tests; it holds no tests itself and imports only
the standard library, numpy and transformers.
"""

import copy
import functools
import types

import numpy as np
from transformers import (
    CONFIG_MAPPING,
    EncoderDecoderConfig,
    SpeechEncoderDecoderConfig,
    VisionEncoderDecoderConfig,
    VisionTextDualEncoderConfig,
)

# --------------------------------------------------------------------------
# Tiny configs
# --------------------------------------------------------------------------

VOCAB_SIZE = 99
NUM_LABELS = 3
# Encoder-only QA heads split a num_labels-wide projection into start/end
# logits (distilbert even asserts it), so text encoders must use exactly 2.
QA_NUM_LABELS = 2
IMAGE_SIZE = 32
PATCH_SIZE = 8

# Shared sizes, spread into the per-model keyword tables below.
_BERT_LIKE = dict(
    vocab_size=VOCAB_SIZE,
    hidden_size=16,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=32,
    max_position_embeddings=64,
    num_labels=QA_NUM_LABELS,
)
_BART_LIKE = dict(
    vocab_size=VOCAB_SIZE,
    d_model=16,
    encoder_layers=2,
    decoder_layers=2,
    encoder_attention_heads=2,
    decoder_attention_heads=2,
    encoder_ffn_dim=32,
    decoder_ffn_dim=32,
    max_position_embeddings=64,
    num_labels=NUM_LABELS,
)
_T5_LIKE = dict(
    vocab_size=VOCAB_SIZE,
    d_model=16,
    d_kv=8,
    d_ff=32,
    num_layers=2,
    num_heads=2,
    relative_attention_num_buckets=8,
    relative_attention_max_distance=16,
    decoder_start_token_id=0,
)
_LLAMA_LIKE = dict(
    vocab_size=VOCAB_SIZE,
    hidden_size=16,
    intermediate_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    num_key_value_heads=1,
    max_position_embeddings=64,
)
_VIT_LIKE = dict(
    image_size=IMAGE_SIZE,
    patch_size=PATCH_SIZE,
    hidden_size=16,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=32,
    num_labels=NUM_LABELS,
)
# GPT-style defaults put bos/eos at id 50256, outside a tiny vocab (an
# out-of-range id makes jax's gather return NaN instead of failing).
_GPT_SPECIAL_IDS = dict(bos_token_id=VOCAB_SIZE - 1, eos_token_id=VOCAB_SIZE - 1)
_GPT2_LIKE = dict(
    vocab_size=VOCAB_SIZE, n_embd=16, n_layer=2, n_head=2, n_inner=32, n_positions=64, **_GPT_SPECIAL_IDS
)
_CONVNET = dict(embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1], num_labels=NUM_LABELS)

_CLIP_TEXT = dict(
    vocab_size=VOCAB_SIZE,
    hidden_size=16,
    intermediate_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
    max_position_embeddings=64,
    pad_token_id=1,
    bos_token_id=0,
    eos_token_id=2,
)
_CLIP_VISION = dict(
    image_size=IMAGE_SIZE,
    patch_size=PATCH_SIZE,
    hidden_size=16,
    intermediate_size=32,
    num_hidden_layers=2,
    num_attention_heads=2,
)

# Keyword arguments for the single-model config classes, by model_type.
_TINY_KWARGS = {
    "albert": {**_BERT_LIKE, "embedding_size": 8},
    "bart": _BART_LIKE,
    "beit": {**_VIT_LIKE, "drop_path_rate": 0.0, "use_relative_position_bias": True},
    "bert": _BERT_LIKE,
    # Block-sparse attention needs sequences of many blocks; full attention
    # works for any length.  block_size still sets the init sequence length
    # (12 * block_size), which must fit max_position_embeddings.
    "big_bird": {**_BERT_LIKE, "attention_type": "original_full", "block_size": 4, "num_random_blocks": 2},
    "blenderbot": _BART_LIKE,
    "blenderbot-small": _BART_LIKE,
    "bloom": dict(vocab_size=VOCAB_SIZE, hidden_size=16, n_layer=2, n_head=2),
    "clip": dict(text_config=_CLIP_TEXT, vision_config=_CLIP_VISION, projection_dim=16),
    "clip_text_model": _CLIP_TEXT,
    "clip_vision_model": _CLIP_VISION,
    "code_llama": _LLAMA_LIKE,
    "dinov2": {**_VIT_LIKE, "mlp_ratio": 2},
    "distilbert": dict(
        vocab_size=VOCAB_SIZE,
        dim=16,
        n_layers=2,
        n_heads=2,
        hidden_dim=32,
        max_position_embeddings=64,
        num_labels=QA_NUM_LABELS,
    ),
    "electra": {**_BERT_LIKE, "embedding_size": 16},
    "gemma": {**_LLAMA_LIKE, "head_dim": 8, "hidden_activation": "gelu_pytorch_tanh"},
    "gpt-sw3": _GPT2_LIKE,
    "gpt2": _GPT2_LIKE,
    "gpt_neo": dict(
        vocab_size=VOCAB_SIZE,
        hidden_size=16,
        num_layers=2,
        attention_types=[[["global", "local"], 1]],
        num_heads=2,
        intermediate_size=32,
        window_size=4,
        max_position_embeddings=64,
        **_GPT_SPECIAL_IDS,
    ),
    "gptj": dict(
        vocab_size=VOCAB_SIZE,
        n_embd=16,
        n_layer=2,
        n_head=2,
        rotary_dim=4,
        n_inner=32,
        n_positions=64,
        **_GPT_SPECIAL_IDS,
    ),
    "llama": _LLAMA_LIKE,
    "longt5": {**_T5_LIKE, "local_radius": 2, "global_block_size": 2, "encoder_attention_type": "local"},
    # Upstream defaults put pad/decoder-start at id 58100, outside a tiny vocab.
    "marian": {**_BART_LIKE, "pad_token_id": 1, "decoder_start_token_id": 1, "eos_token_id": 0},
    "mbart": _BART_LIKE,
    "mistral": {**_LLAMA_LIKE, "sliding_window": 4},
    "mt5": _T5_LIKE,
    "opt": dict(
        vocab_size=VOCAB_SIZE,
        hidden_size=16,
        num_hidden_layers=2,
        ffn_dim=32,
        num_attention_heads=2,
        max_position_embeddings=64,
        word_embed_proj_dim=16,
    ),
    "pegasus": _BART_LIKE,
    "regnet": {**_CONVNET, "groups_width": 8},
    "resnet": {**_CONVNET, "layer_type": "basic"},
    "roberta": _BERT_LIKE,
    "roberta-prelayernorm": _BERT_LIKE,
    "roformer": _BERT_LIKE,
    "t5": _T5_LIKE,
    "vit": _VIT_LIKE,
    # Two strided convs turn 160 samples into 8 frames (see _audio_frames).
    # Flax wav2vec2 only implements the "stable layer norm" variant.
    "wav2vec2": dict(
        do_stable_layer_norm=True,
        feat_extract_norm="layer",
        vocab_size=VOCAB_SIZE,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        conv_dim=(16, 16),
        conv_stride=(4, 4),
        conv_kernel=(8, 8),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        num_codevectors_per_group=8,
        num_codevector_groups=2,
        codevector_dim=16,
        proj_codevector_dim=8,
        num_labels=NUM_LABELS,
    ),
    # The encoder requires input_features of shape (mel_bins, 2 * max_source_positions).
    "whisper": dict(
        vocab_size=VOCAB_SIZE,
        num_mel_bins=8,
        d_model=16,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_source_positions=16,
        max_target_positions=32,
        pad_token_id=1,
        bos_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=3,
        begin_suppress_tokens=None,
        classifier_proj_size=8,
        num_labels=NUM_LABELS,
    ),
    "xglm": dict(
        vocab_size=VOCAB_SIZE,
        d_model=16,
        ffn_dim=32,
        num_layers=2,
        attention_heads=2,
        max_position_embeddings=64,
    ),
    "xlm-roberta": _BERT_LIKE,
}


def _from_kwargs(model_type):
    """A fresh tiny config of the class upstream registers for ``model_type``."""
    # Deep copy: configs keep list/dict arguments, and tests may mutate them.
    return CONFIG_MAPPING[model_type](**copy.deepcopy(_TINY_KWARGS[model_type]))


def _tiny_decoder(model_type):
    """A tiny config usable as the decoder of a composite model."""
    config = _from_kwargs(model_type)
    config.is_decoder = True
    config.add_cross_attention = True
    return config


def _encoder_decoder():
    """bert encoder + bert decoder (FlaxEncoderDecoderModel)."""
    return EncoderDecoderConfig.from_encoder_decoder_configs(_from_kwargs("bert"), _tiny_decoder("bert"))


def _vision_encoder_decoder():
    """vit encoder + gpt2 decoder (FlaxVisionEncoderDecoderModel)."""
    return VisionEncoderDecoderConfig.from_encoder_decoder_configs(_from_kwargs("vit"), _tiny_decoder("gpt2"))


def _speech_encoder_decoder():
    """wav2vec2 encoder + bert decoder (FlaxSpeechEncoderDecoderModel)."""
    return SpeechEncoderDecoderConfig.from_encoder_decoder_configs(_from_kwargs("wav2vec2"), _tiny_decoder("bert"))


def _vision_text_dual_encoder():
    """vit vision tower + bert text tower (FlaxVisionTextDualEncoderModel)."""
    return VisionTextDualEncoderConfig.from_vision_text_configs(
        _from_kwargs("vit"), _from_kwargs("bert"), projection_dim=16
    )


def bloom_with_three_heads():
    """BLOOM with a head count that is not a power of 2 (its ALiBi slopes take another path)."""
    return CONFIG_MAPPING["bloom"](vocab_size=VOCAB_SIZE, hidden_size=24, n_layer=2, n_head=3)


# model_type -> zero-argument factory returning a fresh tiny config.
TINY_CONFIGS = {
    **{model_type: functools.partial(_from_kwargs, model_type) for model_type in _TINY_KWARGS},
    "encoder-decoder": _encoder_decoder,
    "speech-encoder-decoder": _speech_encoder_decoder,
    "vision-encoder-decoder": _vision_encoder_decoder,
    "vision-text-dual-encoder": _vision_text_dual_encoder,
}
TINY_CONFIGS = dict(sorted(TINY_CONFIGS.items()))

# --------------------------------------------------------------------------
# Dummy inputs
# --------------------------------------------------------------------------

BATCH_SIZE = 2
SEQ_LEN = 8  # encoder / decoder-only text length
DECODER_SEQ_LEN = 5  # differs from SEQ_LEN so shape checks see which one is used
NUM_CHOICES = 4
AUDIO_LEN = 160  # raw samples for wav2vec2
SEED = 0

# What the main (encoder-side) input of each model type is.  Anything not
# listed takes text (input_ids + attention_mask).
_MODALITY = {
    "beit": "image",
    "dinov2": "image",
    "regnet": "image",
    "resnet": "image",
    "vit": "image",
    "clip_vision_model": "image",
    "vision-encoder-decoder": "image",
    "clip": "text+image",
    "vision-text-dual-encoder": "text+image",
    "wav2vec2": "audio",
    "speech-encoder-decoder": "audio",
    "whisper": "mel",
}

# Encoder-decoder heads that derive decoder_input_ids from input_ids
# themselves and need both to have the same length (they pool over the
# decoder states at the encoder's eos positions), or that have no decoder.
# An encoder of an encoder-decoder model (FlaxT5EncoderModel) takes no decoder inputs at all.
_NO_DECODER_INPUTS_SUFFIXES = (
    "ForSequenceClassification",
    "ForQuestionAnswering",
    "ForAudioClassification",
    "EncoderModel",
)


def _token_ids(rng, config, shape):
    """Random ids that avoid special tokens, each row ending with eos."""
    ids = rng.integers(4, config.vocab_size, size=shape, dtype=np.int32)
    eos = getattr(config, "eos_token_id", None)
    if isinstance(eos, int):
        ids[..., -1] = eos  # BART-style classification heads pool at eos
    return ids


def _text_config(config):
    """The config that describes the token ids the model reads."""
    return getattr(config, "text_config", None) or getattr(config, "encoder", None) or config


def dummy_inputs(model_class_name, config):
    """Keyword arguments for one forward call of ``model_class_name`` built from ``config``.

    Arrays are numpy, batch ``BATCH_SIZE``, deterministic (seeded).
    """
    rng = np.random.default_rng(SEED)
    modality = _MODALITY.get(config.model_type, "text")
    inputs = {}

    if "text" in modality:
        shape = (BATCH_SIZE, SEQ_LEN)
        if model_class_name.endswith("ForMultipleChoice"):
            shape = (BATCH_SIZE, NUM_CHOICES, SEQ_LEN)
        inputs["input_ids"] = _token_ids(rng, _text_config(config), shape)
        inputs["attention_mask"] = np.ones(shape, dtype=np.int32)
    if "image" in modality:
        vision = getattr(config, "vision_config", None) or getattr(config, "encoder", None) or config
        size = getattr(vision, "image_size", IMAGE_SIZE)
        inputs["pixel_values"] = rng.standard_normal((BATCH_SIZE, vision.num_channels, size, size), dtype=np.float32)
    if modality == "audio":
        # The speech composite names its encoder input generically "inputs".
        key = "inputs" if config.model_type == "speech-encoder-decoder" else "input_values"
        inputs[key] = rng.standard_normal((BATCH_SIZE, AUDIO_LEN), dtype=np.float32)
    if modality == "mel":
        inputs["input_features"] = rng.standard_normal(
            (BATCH_SIZE, config.num_mel_bins, 2 * config.max_source_positions), dtype=np.float32
        )

    if config.is_encoder_decoder and not model_class_name.endswith(_NO_DECODER_INPUTS_SUFFIXES):
        decoder = getattr(config, "decoder", None) or config
        inputs["decoder_input_ids"] = _token_ids(rng, decoder, (BATCH_SIZE, DECODER_SEQ_LEN))
    return inputs


# --------------------------------------------------------------------------
# Expected output shapes
# --------------------------------------------------------------------------

# Head kind by class-name suffix; the first matching suffix wins, so the
# generic "Model" suffix comes last.
HEAD_KINDS = (
    ("ForMultipleChoice", "multiple_choice"),
    ("ForQuestionAnswering", "question_answering"),
    ("ForTokenClassification", "token_classification"),
    ("ForSequenceClassification", "classification"),
    ("ForImageClassification", "classification"),
    ("ForAudioClassification", "classification"),
    ("ForNextSentencePrediction", "next_sentence"),
    ("ForPreTraining", "pretraining"),
    ("ForCTC", "ctc"),
    ("ForMaskedLM", "lm"),
    ("ForCausalLM", "lm"),
    ("LMHeadModel", "lm"),
    ("ForConditionalGeneration", "lm"),
    ("MTModel", "lm"),
    ("EncoderDecoderModel", "lm"),
    ("CLIPModel", "contrastive"),
    ("DualEncoderModel", "contrastive"),
    ("Model", "base"),
)

# Expected shapes per head kind, from the dimensions ``d`` (see expected_shapes).
_SHAPES_BY_KIND = {
    "base": lambda d: {"last_hidden_state": (d.batch, d.seq, d.hidden)},
    "lm": lambda d: {"logits": (d.batch, d.seq, d.vocab)},
    "ctc": lambda d: {"logits": (d.batch, d.seq, d.vocab)},  # per audio frame, over the vocabulary
    "classification": lambda d: {"logits": (d.batch, d.num_labels)},
    "token_classification": lambda d: {"logits": (d.batch, d.seq, d.num_labels)},
    "question_answering": lambda d: {"start_logits": (d.batch, d.seq), "end_logits": (d.batch, d.seq)},
    "multiple_choice": lambda d: {"logits": (d.batch, d.num_choices)},
    "next_sentence": lambda d: {"logits": (d.batch, 2)},
    "contrastive": lambda d: {
        "logits_per_image": (d.batch, d.batch),
        "logits_per_text": (d.batch, d.batch),
    },
}

# Pretraining heads differ per model, so they are listed by class.
_PRETRAINING_SHAPES = {
    "FlaxAlbertForPreTraining": lambda d: {
        "prediction_logits": (d.batch, d.seq, d.vocab),
        "sop_logits": (d.batch, 2),
    },
    "FlaxBertForPreTraining": lambda d: {
        "prediction_logits": (d.batch, d.seq, d.vocab),
        "seq_relationship_logits": (d.batch, 2),
    },
    "FlaxBigBirdForPreTraining": lambda d: {
        "prediction_logits": (d.batch, d.seq, d.vocab),
        "seq_relationship_logits": (d.batch, 2),
    },
    "FlaxElectraForPreTraining": lambda d: {"logits": (d.batch, d.seq)},
    "FlaxWav2Vec2ForPreTraining": lambda d: {
        "projected_states": (d.batch, d.seq, d.proj_codevector_dim),
        "projected_quantized_states": (d.batch, d.seq, d.proj_codevector_dim),
    },
}


def _audio_frames(config, num_samples):
    """Frames left after wav2vec2's strided feature-extractor convolutions."""
    for kernel, stride in zip(config.conv_kernel, config.conv_stride, strict=True):
        num_samples = (num_samples - kernel) // stride + 1
    return num_samples


def _output_length(config, inputs):
    """Length of the sequence axis of the main output."""
    if "decoder_input_ids" in inputs:
        return inputs["decoder_input_ids"].shape[-1]
    if "input_ids" in inputs:
        return inputs["input_ids"].shape[-1]
    if "input_values" in inputs:
        return _audio_frames(config, inputs["input_values"].shape[-1])
    if "pixel_values" in inputs and hasattr(config, "patch_size"):
        return (config.image_size // config.patch_size) ** 2 + 1  # patches + [CLS]
    return None


def expected_shapes(model_class_name, config, inputs):
    """Output name -> expected shape for ``model(**inputs)`` of ``model_class_name``.

    Convolutional vision base models (resnet, regnet) return feature maps whose
    size depends on the stage layout; for those only ``pooler_output`` is given.
    """
    kind = head_kind(model_class_name)
    decoder = getattr(config, "decoder", None) or config  # composites predict with the decoder
    input_ids = inputs.get("input_ids")
    dims = types.SimpleNamespace(
        batch=next(iter(inputs.values())).shape[0],
        seq=_output_length(config, inputs),
        hidden=getattr(decoder, "hidden_size", None),
        vocab=getattr(decoder, "vocab_size", None),
        num_labels=config.num_labels,
        num_choices=input_ids.shape[1] if input_ids is not None and input_ids.ndim == 3 else None,
        proj_codevector_dim=getattr(config, "proj_codevector_dim", None),
    )
    if kind == "pretraining":
        return _PRETRAINING_SHAPES[model_class_name](dims)
    if kind == "base" and config.model_type in ("resnet", "regnet"):
        return {"pooler_output": (dims.batch, config.hidden_sizes[-1], 1, 1)}
    return _SHAPES_BY_KIND[kind](dims)


def head_kind(model_class_name):
    """The head kind (a key of the shape tables) of a Flax model class name."""
    for suffix, kind in HEAD_KINDS:
        if model_class_name.endswith(suffix):
            return kind
    raise KeyError(f"no head kind for {model_class_name}")
