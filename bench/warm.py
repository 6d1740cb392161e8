"""Warm, in-process costs: config -> model class per auto class, the error path, from_config.

Each statement runs under timeit in the same namespace style (every name a
global) and is timed in CPU time; the candidates of one table run in
interleaved rounds, so a busy machine slows them all alike and ratios hold.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

import transformers
from transformers import BertConfig, GPT2Config, PretrainedConfig
from transformers.models.auto import modeling_flax_auto
from transformers.models.auto.auto_factory import _get_model_class
from transformers.models.gpt2.modeling_flax_gpt2 import FlaxGPT2LMHeadModel

import flax_auto
from bench.measure import ROUNDS, per_call
from bench.report import Section
from bench.stats import Summary, ratio, show, times

TINY_GPT2 = dict(n_layer=1, n_embd=32, n_head=2, vocab_size=128, n_positions=16)


class BenchUnknownConfig(PretrainedConfig):
    """A config no auto class knows: the error path."""

    model_type = "bench-unknown"


def sample_config(mapping: dict[type, type]) -> PretrainedConfig:
    """A default instance of a config class of the table (composite configs get two BERTs)."""
    for config_class in mapping:
        try:
            return config_class()
        except Exception:  # composite configs need their parts
            continue
    return next(iter(mapping)).from_encoder_decoder_configs(BertConfig(), BertConfig())


def auto_classes() -> list[type[flax_auto.AutoModelClass]]:
    """flax_auto's auto classes that upstream has too: the extension tasks (CTC, ...) have nothing to race."""
    return sorted(
        (cls for cls in flax_auto.AutoModelClass.__subclasses__() if hasattr(modeling_flax_auto, mapping_name(cls))),
        key=lambda cls: cls.__name__,
    )


def dispatch_function(auto_class: type[flax_auto.AutoModelClass]) -> Callable[[object], type]:
    """The generated `<task>_class_for` of the auto class's module."""
    module = sys.modules[auto_class.__module__]
    return getattr(module, f"{module.__name__.rsplit('.', 1)[1]}_class_for")


def mapping_name(auto_class: type[flax_auto.AutoModelClass]) -> str:
    """The `FLAX_MODEL_*_MAPPING` name of the auto class, the same name upstream."""
    module = sys.modules[auto_class.__module__]
    return next(name for name, value in vars(module).items() if value is auto_class._model_mapping)


def upstream_mapping(auto_class: type[flax_auto.AutoModelClass]) -> Mapping[type, type]:
    """Upstream's lazy mapping of the same name (upstream has no FlaxAutoModelForAudioClassification class)."""
    return getattr(modeling_flax_auto, mapping_name(auto_class))


def dispatch_candidates(
    auto_class: type[flax_auto.AutoModelClass],
) -> dict[str, tuple[str, dict[str, object]]]:
    """flax_auto's dispatch function, upstream's from_config check + lookup, a bare dict lookup."""
    config = sample_config(auto_class._model_mapping)
    namespace = {
        "c": config,
        "d": dict(auto_class._model_mapping),
        "f": dispatch_function(auto_class),
        "M": upstream_mapping(auto_class),
        "g": _get_model_class,
    }
    if namespace["f"](config) is not _get_model_class(config, namespace["M"]):
        raise RuntimeError(
            f"{auto_class.__name__}: flax_auto and upstream disagree on {type(config).__name__}"
        )
    name = auto_class.__name__
    return {
        f"dispatch/{name}/dict": ("d[type(c)]", namespace),
        f"dispatch/{name}/flax_auto": ("f(c)", namespace),
        f"dispatch/{name}/upstream": ("if type(c) in M:\n    g(c, M)", namespace),
    }


def dispatch() -> tuple[list[Section], dict[str, Summary]]:
    """Point 1: warm config -> class, per auto class."""
    candidates: dict[str, tuple[str, dict[str, object]]] = {}
    for auto_class in auto_classes():
        candidates.update(dispatch_candidates(auto_class))
    lookup = candidates["dispatch/FlaxAutoModelForCausalLM/dict"][1]["d"]
    candidates["dispatch/one-line function"] = (
        "h(c)",
        {"h": lambda config: lookup[type(config)], "c": GPT2Config()},
    )
    measured = per_call(candidates)
    section = Section(
        f"1. Warm dispatch: config -> model class, CPU time per call (median of {ROUNDS} rounds)",
        ["auto class", "dict lookup", "flax_auto", "upstream", "flax_auto / dict", "upstream / flax_auto"],
    )
    for auto_class in auto_classes():
        floor, ours, theirs = (
            measured[f"dispatch/{auto_class.__name__}/{side}"] for side in ("dict", "flax_auto", "upstream")
        )
        section.rows.append(
            [
                auto_class.__name__,
                str(floor),
                str(ours),
                str(theirs),
                times(ratio(ours, floor)),
                times(ratio(theirs, ours)),
            ]
        )
    function = measured["dispatch/one-line function"]
    section.notes = [
        "dict lookup: `d[type(c)]` on a plain dict with the same entries (the floor); "
        "flax_auto: the generated `<task>_class_for(c)`; upstream: `if type(c) in M: _get_model_class(c, M)`, "
        "what `from_config` runs before building the model. Config: a default instance of the table's first config class that builds without arguments.",
        f"For scale: a one-line Python function that only does the dict lookup costs {function}, "
        f"{times(ratio(function, measured['dispatch/FlaxAutoModelForCausalLM/dict']))} the bare lookup: "
        "the price of any function call.",
    ]
    return [section], measured


def error_path() -> tuple[list[Section], dict[str, Summary]]:
    """Point 1, error half: an unknown config, until the ValueError is caught."""
    unknown = BenchUnknownConfig()
    namespace = {
        "u": unknown,
        "d": dict(flax_auto.FLAX_MODEL_FOR_CAUSAL_LM_MAPPING),
        "f": flax_auto.causal_lm_class_for,
        "A": flax_auto.FlaxAutoModelForCausalLM,
        "U": transformers.FlaxAutoModelForCausalLM,
    }
    statements = {
        "dict miss + KeyError": ("d[type(u)]", "KeyError"),
        "flax_auto causal_lm_class_for(u)": ("f(u)", "ValueError"),
        "flax_auto FlaxAutoModelForCausalLM.from_config(u)": ("A.from_config(u)", "ValueError"),
        "upstream FlaxAutoModelForCausalLM.from_config(u)": ("U.from_config(u)", "ValueError"),
    }
    for stmt, error in statements.values():
        try:
            eval(stmt, namespace)  # noqa: S307 - our own constant statements
        except (KeyError, ValueError) as raised:
            if type(raised).__name__ != error:
                raise
        else:
            raise RuntimeError(f"{stmt} did not raise {error}")
    measured = per_call(
        {
            name: (f"try:\n    {stmt}\nexcept {error}:\n    pass", namespace)
            for name, (stmt, error) in statements.items()
        }
    )
    floor = measured["dict miss + KeyError"]
    upstream = measured["upstream FlaxAutoModelForCausalLM.from_config(u)"]
    section = Section(
        "1b. Error path: an unknown config until the exception is caught, CPU time per call",
        ["call", "per call", "vs dict miss", "vs upstream"],
    )
    for name, summary in measured.items():
        section.rows.append(
            [name, str(summary), times(ratio(summary, floor)), times(ratio(summary, upstream))]
        )
    section.notes = [
        "Both raise ValueError listing what is supported; flax_auto also suggests the closest model_type (difflib)."
    ]
    return [section], {f"error/{name}": summary for name, summary in measured.items()}


def from_config() -> tuple[list[Section], dict[str, Summary]]:
    """Point 4: what the auto class adds on top of building the model directly."""
    namespace = {
        "c": GPT2Config(**TINY_GPT2),
        "K": FlaxGPT2LMHeadModel,
        "A": flax_auto.FlaxAutoModelForCausalLM,
        "U": transformers.FlaxAutoModelForCausalLM,
    }
    candidates = {}
    for init, argument in [("_do_init=False", ", _do_init=False"), ("with init", "")]:
        candidates[f"{init}/direct"] = (f"K(c{argument})", namespace)
        candidates[f"{init}/flax_auto"] = (f"A.from_config(c{argument})", namespace)
        candidates[f"{init}/upstream"] = (f"U.from_config(c{argument})", namespace)
    for stmt, _ in candidates.values():
        if type(eval(stmt, namespace)) is not FlaxGPT2LMHeadModel:  # noqa: S307 - our own statements
            raise RuntimeError(f"{stmt} did not build a FlaxGPT2LMHeadModel")
    measured = per_call(candidates)
    section = Section(
        "4. from_config overhead: tiny GPT-2 (1 layer, 32 wide), CPU time per call",
        [
            "build",
            "FlaxGPT2LMHeadModel(c) directly",
            "flax_auto from_config",
            "upstream from_config",
            "flax_auto overhead",
            "upstream overhead",
        ],
    )
    for init in ("_do_init=False", "with init"):
        direct, ours, theirs = (measured[f"{init}/{side}"] for side in ("direct", "flax_auto", "upstream"))
        section.rows.append(
            [
                init,
                str(direct),
                str(ours),
                str(theirs),
                f"{show(ours.median - direct.median)} ({times(ratio(ours, direct))})",
                f"{show(theirs.median - direct.median)} ({times(ratio(theirs, direct))})",
            ]
        )
    section.notes = [
        "Overhead: median minus the direct build's median; it can come out negative when it is below the noise."
    ]
    return [section], {f"from_config/{name}": summary for name, summary in measured.items()}
