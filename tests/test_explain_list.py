"""codegen explain and codegen list tell what the tables (and so flax_auto) do, checked against upstream."""

from __future__ import annotations

import importlib
import io
import json

from transformers.models.auto import modeling_flax_auto as upstream

from codegen.build import ROOT, TABLES, load_tables
from codegen.cli import main
from codegen.listing import column_labels

TABLE_DATA = load_tables()


def run(*args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def line_of(table: str, start: str) -> int:
    text = (ROOT / TABLES / table).read_text()
    return next(number for number, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def upstream_names(mapping: str) -> dict[str, str]:
    """Upstream's rows of a table (none for a task of ours)."""
    return dict(getattr(upstream, f"{mapping}_NAMES", {}))


def extension_names(mapping: str) -> dict[str, str]:
    """The `[extension]` rows of a table, read from its TOML."""
    task = next(task for task in TABLE_DATA.tasks if task.mapping == mapping)
    return {entry.model_type.name: entry.model_class for entry in task.extension_entries}


def test_explain_names_the_class_upstream_picks_its_module_and_the_rows() -> None:
    code, out, _ = run("explain", "FlaxAutoModelForCausalLM", "opt")
    assert code == 0
    picked = upstream_names("FLAX_MODEL_FOR_CAUSAL_LM_MAPPING")["opt"]
    assert out.splitlines() == [
        f"FlaxAutoModelForCausalLM, model_type 'opt' -> {picked}",
        f"  model class   {picked} from transformers.models.opt.modeling_flax_opt",
        f"  table row     codegen/tables/causal_lm.toml:{line_of('causal_lm.toml', 'opt = ')}",
        "  origin        upstream: a row of transformers 4.57.6's Flax tables, kept in step by `sync`",
        "  config class  OPTConfig from transformers.models.opt.configuration_opt",
        f"  config row    codegen/tables/configs.toml:{line_of('configs.toml', 'opt = ')}",
        "  generated     flax_auto.causal_lm: causal_lm_class_for(), FLAX_MODEL_FOR_CAUSAL_LM_MAPPING",
    ]
    assert hasattr(importlib.import_module("transformers.models.opt.modeling_flax_opt"), picked)


def test_explain_an_extension_row_says_it_is_ours() -> None:
    code, out, _ = run("explain", "FlaxAutoModel", "clip_text_model")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "FlaxAutoModel, model_type 'clip_text_model' -> FlaxCLIPTextModel"
    assert lines[2] == f"  table row     codegen/tables/model.toml:{line_of('model.toml', 'clip_text_model = ')}"
    assert lines[3] == (
        "  origin        extension: a row beyond upstream's Flax tables; `sync` never touches it"
    )
    assert "clip_text_model" not in upstream_names("FLAX_MODEL_MAPPING")


def test_explain_a_shared_config_says_which_row_a_config_instance_gets() -> None:
    code, out, _ = run("explain", "causal_lm", "gpt-sw3")
    assert code == 0
    assert "  model class   FlaxGPT2LMHeadModel from transformers.models.gpt2.modeling_flax_gpt2" in out
    gpt2_row = f"codegen/tables/causal_lm.toml:{line_of('causal_lm.toml', 'gpt2 = ')}"
    assert (
        "  shared config GPT2Config also serves 'gpt2': a GPT2Config instance gets FlaxGPT2LMHeadModel of row "
        f"'gpt2' ({gpt2_row}; as upstream: 'gpt2' is the last GPT2Config row of [configs] in configs.toml); "
        "the string 'gpt-sw3' gets this row"
    ) in out
    _, out, _ = run("explain", "causal_lm", "llama")
    assert out.splitlines()[-1] == (
        "  shared config LlamaConfig also serves 'code_llama': a LlamaConfig instance gets this row too "
        "(an upstream row goes before extension rows)"
    )


def test_explain_a_model_type_lists_exactly_the_auto_classes_upstream_supports_it_in() -> None:
    code, out, _ = run("explain", "bert")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "model_type 'bert': config class BertConfig from transformers.models.bert.configuration_bert "
        f"(codegen/tables/configs.toml:{line_of('configs.toml', 'bert = ')})"
    )
    rows = {
        line.split()[0]: (line.split()[1], line.rsplit(", ", 1)[1].rstrip(")"))
        for line in lines[1:]
        if line.startswith("  FlaxAuto")
    }
    expected = {
        task.auto_class: (upstream_names(task.mapping)["bert"], "upstream")
        for task in TABLE_DATA.tasks
        if "bert" in upstream_names(task.mapping)
    } | {
        task.auto_class: (extension_names(task.mapping)["bert"], "extension")
        for task in TABLE_DATA.tasks
        if "bert" in extension_names(task.mapping)
    }
    assert rows == expected
    assert rows["FlaxAutoModelForTextEncoding"] == ("FlaxBertModel", "extension")
    unsupported = lines[-1].removeprefix("  not supported by: ").split(", ")
    assert sorted(unsupported) == sorted({task.auto_class for task in TABLE_DATA.tasks} - expected.keys())


def test_explain_unknown_names_suggest_the_closest_and_exit_2() -> None:
    assert run("explain", "FlaxAutoModelForCausalLM", "gtp2")[::2] == (
        2,
        "FlaxAutoModelForCausalLM has no model_type 'gtp2'; did you mean 'gpt2'?\n",
    )
    code, out, err = run("explain", "FlaxAutoModelForCasualLM", "gpt2")
    assert (code, out) == (2, "")
    assert err.startswith(
        "unknown auto class 'FlaxAutoModelForCasualLM'; did you mean 'FlaxAutoModelForCausalLM'?"
    )
    assert run("explain", "robbbbberta")[2] == (
        "unknown model_type 'robbbbberta'; did you mean 'roberta'? (`list` shows all)\n"
    )
    assert run("explain", "FlaxAutoModelForCausalLM", "beit")[2] == (
        "FlaxAutoModelForCausalLM has no model_type 'beit'; 'beit' is in: "
        "FlaxAutoModelForImageClassification, FlaxAutoModel\n"
    )


def test_list_json_holds_every_row_as_upstream_has_it() -> None:
    code, out, _ = run("list", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [task["auto_class"] for task in data["tasks"]] == [task.auto_class for task in TABLE_DATA.tasks]
    for task in data["tasks"]:
        theirs, ours = upstream_names(task["mapping"]), extension_names(task["mapping"])
        assert list(task["models"].items()) == [*theirs.items(), *ours.items()], task["module"]
        assert task["origins"] == {name: "upstream" for name in theirs} | {name: "extension" for name in ours}
        assert task["origin"] == ("upstream" if hasattr(upstream, task["mapping"]) else "extension")
        assert task["table"] == f"codegen/tables/{task['module']}.toml"
    assert data["model_types"]["gpt-sw3"] == {
        "config": "GPT2Config",
        "package": "gpt2",
        "module": "transformers.models.gpt2.configuration_gpt2",
        "models": "transformers.models.gpt2.modeling_flax_gpt2",
        "origin": "upstream",
    }
    assert data["model_types"].keys() == {model_type.name for model_type in TABLE_DATA.model_types}
    # Where rows share a config class, the row a config instance gets, as upstream resolves it.
    for task in data["tasks"]:
        if task["module"] in ("causal_lm", "model"):
            resolved = getattr(upstream, task["mapping"])
            for config, model_type in [("GPT2Config", "gpt2"), ("LlamaConfig", "llama")]:
                config_class = getattr(importlib.import_module(data["model_types"][model_type]["module"]), config)
                assert task["served"][config] == model_type
                assert resolved[config_class].__name__ == task["models"][model_type]


def test_list_text_marks_each_supported_pair() -> None:
    code, out, _ = run("list")
    assert code == 0
    lines = out.splitlines()
    labels = column_labels(TABLE_DATA.tasks)
    assert lines[0].split() == ["model_type", *labels]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1 : 1 + len(TABLE_DATA.model_types)]}
    for label, task in zip(labels, TABLE_DATA.tasks, strict=True):
        column = labels.index(label)
        marked = {name for name, marks in rows.items() if marks[column] == "x"}
        assert marked == upstream_names(task.mapping).keys(), task.module
        ours = {name for name, marks in rows.items() if marks[column] == "+"}
        assert ours == extension_names(task.mapping).keys(), task.module
        kind = "" if hasattr(upstream, task.mapping) else ", extension task"
        assert f"{label} = {task.module}: {task.auto_class} ({len(marked | ours)}{kind})" in lines
    assert lines[-1] == (
        "shared config classes (an instance gets the row named first, a model_type string its own row): "
        "LlamaConfig: llama over code_llama (CL, M); GPT2Config: gpt2 over gpt-sw3 (CL, M)"
    )


def test_readme_coverage_is_the_markdown_listing() -> None:
    code, out, _ = run("list", "--format", "markdown")
    assert code == 0
    assert out.count("\n| `") == len(TABLE_DATA.model_types)
    readme = (ROOT / "README.md").read_text()
    start = "<!-- coverage: python -m codegen list --format markdown -->\n"
    shown = readme[readme.index(start) + len(start) : readme.index("<!-- end coverage -->")]
    assert (
        shown.strip() == out.strip()
    ), "README coverage is stale: paste `python -m codegen list --format markdown`"
