"""The types pyright must infer for flax_auto; tests/test_typecheck.py checks this file.

Never run and not collected by pytest: pyright reads it. Each `assert_type` is an
error when the inferred type is not exactly the one written. The lines marked
`# pyright: ignore[rule]` must be errors: pyright is set to report an ignore
that is not needed (reportUnnecessaryTypeIgnoreComment), so a check that
accepted them would fail too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, assert_type

from transformers import (
    AlbertConfig,
    BertConfig,
    CLIPTextConfig,
    DistilBertConfig,
    ElectraConfig,
    FlaxAlbertForQuestionAnswering,
    FlaxBertForNextSentencePrediction,
    FlaxBertForPreTraining,
    FlaxBertModel,
    FlaxCLIPTextModel,
    FlaxDistilBertForSequenceClassification,
    FlaxElectraForTokenClassification,
    FlaxGPT2LMHeadModel,
    FlaxGPT2Model,
    FlaxRobertaForMaskedLM,
    FlaxT5EncoderModel,
    FlaxT5ForConditionalGeneration,
    FlaxVisionEncoderDecoderModel,
    FlaxViTForImageClassification,
    FlaxWav2Vec2ForCTC,
    FlaxWhisperForAudioClassification,
    FlaxWhisperForConditionalGeneration,
    FlaxXLMRobertaForMultipleChoice,
    GPT2Config,
    PretrainedConfig,
    RobertaConfig,
    T5Config,
    VisionEncoderDecoderConfig,
    ViTConfig,
    Wav2Vec2Config,
    WhisperConfig,
    XLMRobertaConfig,
)
from transformers.modeling_flax_utils import FlaxPreTrainedModel

from flax_auto import (
    FLAX_MODEL_FOR_CAUSAL_LM_MAPPING,
    FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
    FlaxAutoModel,
    FlaxAutoModelForAudioClassification,
    FlaxAutoModelForCausalLM,
    FlaxAutoModelForCTC,
    FlaxAutoModelForImageClassification,
    FlaxAutoModelForMaskedLM,
    FlaxAutoModelForMultipleChoice,
    FlaxAutoModelForNextSentencePrediction,
    FlaxAutoModelForPreTraining,
    FlaxAutoModelForQuestionAnswering,
    FlaxAutoModelForSeq2SeqLM,
    FlaxAutoModelForSequenceClassification,
    FlaxAutoModelForSpeechSeq2Seq,
    FlaxAutoModelForTextEncoding,
    FlaxAutoModelForTokenClassification,
    FlaxAutoModelForVision2Seq,
    ModelMapping,
    causal_lm_class_for,
    model_class_for,
    vision2seq_class_for,
)


class MyConfig(PretrainedConfig):
    """A config class no table lists: every call falls back to the base types."""

    model_type = "my-model"


def some_config() -> PretrainedConfig:
    """A config whose class is known only as PretrainedConfig, as after loading."""
    return GPT2Config()


gpt2 = GPT2Config()

# One config per task: from_config gives the concrete model class.
assert_type(FlaxAutoModel.from_config(BertConfig()), FlaxBertModel)
assert_type(FlaxAutoModelForCausalLM.from_config(gpt2), FlaxGPT2LMHeadModel)
assert_type(FlaxAutoModelForMaskedLM.from_config(RobertaConfig()), FlaxRobertaForMaskedLM)
assert_type(FlaxAutoModelForPreTraining.from_config(BertConfig()), FlaxBertForPreTraining)
assert_type(FlaxAutoModelForSeq2SeqLM.from_config(T5Config()), FlaxT5ForConditionalGeneration)
assert_type(
    FlaxAutoModelForSequenceClassification.from_config(DistilBertConfig()),
    FlaxDistilBertForSequenceClassification,
)
assert_type(FlaxAutoModelForQuestionAnswering.from_config(AlbertConfig()), FlaxAlbertForQuestionAnswering)
assert_type(FlaxAutoModelForTokenClassification.from_config(ElectraConfig()), FlaxElectraForTokenClassification)
assert_type(FlaxAutoModelForMultipleChoice.from_config(XLMRobertaConfig()), FlaxXLMRobertaForMultipleChoice)
assert_type(FlaxAutoModelForNextSentencePrediction.from_config(BertConfig()), FlaxBertForNextSentencePrediction)
assert_type(FlaxAutoModelForImageClassification.from_config(ViTConfig()), FlaxViTForImageClassification)
assert_type(FlaxAutoModelForVision2Seq.from_config(VisionEncoderDecoderConfig()), FlaxVisionEncoderDecoderModel)
assert_type(FlaxAutoModelForSpeechSeq2Seq.from_config(WhisperConfig()), FlaxWhisperForConditionalGeneration)
assert_type(FlaxAutoModelForAudioClassification.from_config(WhisperConfig()), FlaxWhisperForAudioClassification)
# Extension rows and tasks (ours, beyond upstream's Flax tables) are typed the same way.
assert_type(FlaxAutoModelForCTC.from_config(Wav2Vec2Config()), FlaxWav2Vec2ForCTC)
assert_type(FlaxAutoModelForTextEncoding.from_config(T5Config()), FlaxT5EncoderModel)
assert_type(FlaxAutoModel.from_config(CLIPTextConfig()), FlaxCLIPTextModel)

# gpt2 and gpt-sw3 share GPT2Config: one overload, the class both model types select.
assert_type(FlaxAutoModel.from_config(gpt2), FlaxGPT2Model)
assert_type(causal_lm_class_for(gpt2), type[FlaxGPT2LMHeadModel])
assert_type(model_class_for(gpt2), type[FlaxGPT2Model])

# from_pretrained: config= selects the class; without it, only the file knows.
assert_type(FlaxAutoModelForCausalLM.from_pretrained("ckpt", config=gpt2), FlaxGPT2LMHeadModel)
assert_type(FlaxAutoModelForCausalLM.from_pretrained(Path("ckpt"), config=gpt2, dtype=None), FlaxGPT2LMHeadModel)
assert_type(FlaxAutoModelForCausalLM.from_pretrained("ckpt"), FlaxPreTrainedModel)
assert_type(FlaxAutoModelForCausalLM.from_pretrained("ckpt", config=MyConfig()), FlaxPreTrainedModel)

# upstream's _do_init=False returns (model, params); a plain bool may give either.
assert_type(
    FlaxAutoModelForCausalLM.from_pretrained("ckpt", _do_init=False),
    tuple[FlaxPreTrainedModel, dict[str, Any]],
)
assert_type(
    FlaxAutoModelForCausalLM.from_pretrained("ckpt", config=gpt2, _do_init=False),
    tuple[FlaxPreTrainedModel, dict[str, Any]],
)
assert_type(
    FlaxAutoModelForCausalLM.from_pretrained("ckpt", config=gpt2, _do_init=bool(gpt2.use_cache)),
    FlaxGPT2LMHeadModel | tuple[FlaxPreTrainedModel, dict[str, Any]],
)

# The dispatch functions: a config gives its class; a model_type string or a
# config of another class gives the base type (the fallback overload).
assert_type(vision2seq_class_for(VisionEncoderDecoderConfig()), type[FlaxVisionEncoderDecoderModel])
assert_type(causal_lm_class_for("gpt-sw3"), type[FlaxPreTrainedModel])
assert_type(causal_lm_class_for(some_config()), type[FlaxPreTrainedModel])
assert_type(causal_lm_class_for(MyConfig()), type[FlaxPreTrainedModel])
assert_type(FlaxAutoModelForCausalLM.from_config(some_config()), FlaxPreTrainedModel)
assert_type(FlaxAutoModelForCausalLM.from_config(MyConfig()), FlaxPreTrainedModel)

# A config class from another task's table is not special here.
assert_type(FlaxAutoModelForCausalLM.from_config(T5Config()), FlaxPreTrainedModel)

# The upstream names keep their types.
assert_type(FLAX_MODEL_FOR_CAUSAL_LM_MAPPING, ModelMapping)
assert_type(FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES, Mapping[str, str])
assert_type(FLAX_MODEL_FOR_CAUSAL_LM_MAPPING[GPT2Config], type[FlaxPreTrainedModel])

# Must be errors: the inferred type is the concrete class, not the base or a sibling ...
assert_type(FlaxAutoModelForCausalLM.from_config(gpt2), FlaxPreTrainedModel)  # pyright: ignore[reportAssertTypeFailure]
assert_type(FlaxAutoModel.from_config(gpt2), FlaxGPT2LMHeadModel)  # pyright: ignore[reportAssertTypeFailure]
# ... and what is not a config is refused.
causal_lm_class_for(42)  # pyright: ignore[reportCallIssue, reportArgumentType]
FlaxAutoModelForCausalLM.from_config("gpt2")  # pyright: ignore[reportCallIssue, reportArgumentType]
