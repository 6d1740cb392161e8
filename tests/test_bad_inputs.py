"""Bad tables and templates: every problem at file:line with the value, exit 2, nothing written.

Each case breaks a copy of the inputs and returns the exact lines the generator
must print, line numbers looked up in the broken file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from codegen_support import copy_project, edit, line_of, make_stale, run, snapshot

OUT = "generated/flax_auto"
TABLES = "codegen/tables"
INJECTION = 'bert"; import os; os.system("x") #'
GPT_SW3 = '"gpt-sw3"'


def toml_syntax_error(root: Path) -> list[str]:
    table = root / TABLES / "causal_lm.toml"
    edit(table, 'bert = "FlaxBertForCausalLM"', 'bert = "FlaxBertForCausalLM')
    return [f"{TABLES}/causal_lm.toml:{line_of(table, 'bert =')}: invalid TOML: Illegal character '\\n'"]


def unknown_section(root: Path) -> list[str]:
    table = root / TABLES / "model.toml"
    table.write_text(table.read_text() + "\n[extra]\nnote = 1\n")
    line = line_of(table, "[extra]")
    return [f"{TABLES}/model.toml:{line}: unknown section (expected [models], [task]): 'extra'"]


def unknown_task_key_and_missing_field(root: Path) -> list[str]:
    table = root / TABLES / "causal_lm.toml"
    edit(table, "mapping = ", "maping = ")
    return [
        f"{TABLES}/causal_lm.toml:{line_of(table, '[task]')}: missing key in [task]: 'mapping'",
        f"{TABLES}/causal_lm.toml:{line_of(table, 'maping')}: unknown key in [task] "
        "(expected auto_class, head_doc, mapping): 'maping'",
    ]


def missing_field(root: Path) -> list[str]:
    table = root / TABLES / "masked_lm.toml"
    edit(table, 'head_doc = "masked language modeling"\n', "")
    return [f"{TABLES}/masked_lm.toml:{line_of(table, '[task]')}: missing key in [task]: 'head_doc'"]


def duplicate_model_type(root: Path) -> list[str]:
    table = root / TABLES / "causal_lm.toml"
    first = line_of(table, "gpt2 =")
    edit(table, 'xglm = "FlaxXGLMForCausalLM"\n', 'xglm = "FlaxXGLMForCausalLM"\ngpt2 = "FlaxGPT2LMHeadModel"\n')
    configs = root / TABLES / "configs.toml"
    edit(configs, 'bert = "BertConfig"\n', 'bert = "BertConfig"\n"bert" = "BertConfig"\n')
    first_bert, second_bert = line_of(configs, "bert ="), line_of(configs, '"bert" =')
    return [
        f"{TABLES}/causal_lm.toml:{line_of(table, 'xglm') + 1}: duplicate model_type in [models] "
        f"(first at line {first}): 'gpt2'",
        f"{TABLES}/configs.toml:{second_bert}: duplicate model_type in [configs] "
        f"(first at line {first_bert}): 'bert'",
    ]


def model_type_not_in_config_table(root: Path) -> list[str]:
    table = root / TABLES / "masked_lm.toml"
    edit(table, "[models]\n", '[models]\nbertt = "FlaxBertForMaskedLM"\n')
    return [f"{TABLES}/masked_lm.toml:{line_of(table, 'bertt')}: model_type is not in configs.toml: 'bertt'"]


def names_that_are_not_identifiers(root: Path) -> list[str]:
    table = root / TABLES / "causal_lm.toml"
    edit(table, 'auto_class = "FlaxAutoModelForCausalLM"', 'auto_class = "FlaxAutoModel.ForCausalLM"')
    edit(table, 'bert = "FlaxBertForCausalLM"', 'bert = "class"')
    edit(table, 'gpt2 = "FlaxGPT2LMHeadModel"', 'gpt2 = "FlaxGPT2-LMHeadModel"')
    configs = root / TABLES / "configs.toml"
    edit(configs, 'package = "gpt2" }', 'package = "gpt2.models" }')
    edit(configs, 'opt = "OPTConfig"', 'opt = "OPT Config"')
    return [
        f"{TABLES}/causal_lm.toml:{line_of(table, 'auto_class')}: auto_class is not a Python identifier: "
        "'FlaxAutoModel.ForCausalLM'",
        f"{TABLES}/causal_lm.toml:{line_of(table, 'bert =')}: model class is not a Python identifier: 'class'",
        f"{TABLES}/causal_lm.toml:{line_of(table, 'gpt2 =')}: model class is not a Python identifier: "
        "'FlaxGPT2-LMHeadModel'",
        f"{TABLES}/configs.toml:{line_of(configs, GPT_SW3)}: package must be one module name "
        "(lower-case letters, digits, '_'): 'gpt2.models'",
        f"{TABLES}/configs.toml:{line_of(configs, 'opt =')}: config class is not a Python identifier: 'OPT Config'",
    ]


def injection_attempts(root: Path) -> list[str]:
    """Quotes, newlines and code, as a model_type, a class name and a docstring phrase."""
    model = root / TABLES / "model.toml"
    edit(model, "[models]\n", "[models]\n'" + INJECTION + "' = \"FlaxBertModel\"\n")
    causal_lm = root / TABLES / "causal_lm.toml"
    edit(causal_lm, 'bert = "FlaxBertForCausalLM"', "bert = '" + INJECTION.replace("bert", "FlaxBertForCausalLM") + "'")
    masked_lm = root / TABLES / "masked_lm.toml"
    edit(masked_lm, 'head_doc = "masked language modeling"', 'head_doc = "x\\"\\"\\"\\nimport os"')
    return [
        f"{TABLES}/causal_lm.toml:{line_of(causal_lm, 'bert =')}: model class is not a Python identifier: "
        """'FlaxBertForCausalLM"; import os; os.system("x") #'""",
        f"{TABLES}/masked_lm.toml:{line_of(masked_lm, 'head_doc')}: head_doc must be plain words "
        """(letters, digits, spaces, ,()/-): 'x\"\"\"\\nimport os'""",
        f"{TABLES}/model.toml:{line_of(model, repr(INJECTION))}: model_type must be lower-case letters, "
        f"""digits, '_', '-', '.': '{INJECTION}'""",
    ]


def one_class_name_from_two_modules(root: Path) -> list[str]:
    table = root / TABLES / "token_classification.toml"
    edit(table, 'bert = "FlaxBertForTokenClassification"', 'bert = "FlaxAlbertForTokenClassification"')
    return [
        f"{TABLES}/token_classification.toml:{line_of(table, 'bert =')}: one name, two classes: "
        "transformers.models.bert.modeling_flax_bert here, transformers.models.albert.modeling_flax_albert "
        f"at {TABLES}/token_classification.toml:{line_of(table, 'albert =')}: 'FlaxAlbertForTokenClassification'",
    ]


def every_error_of_a_file_at_once(root: Path) -> list[str]:
    table = root / TABLES / "seq2seq_lm.toml"
    edit(table, "[task]\n", "[task]\nmodule = 1\n")
    edit(table, 'head_doc = "sequence-to-sequence language modeling"\n', "")
    edit(table, 'bart = "FlaxBartForConditionalGeneration"', 'bart = "FlaxBart ForConditionalGeneration"')
    edit(table, "[models]\n", '[models]\nunknown-model = "FlaxUnknown"\n')
    return [
        f"{TABLES}/seq2seq_lm.toml:{line_of(table, '[task]')}: missing key in [task]: 'head_doc'",
        f"{TABLES}/seq2seq_lm.toml:{line_of(table, 'module')}: unknown key in [task] "
        "(expected auto_class, head_doc, mapping): 'module'",
        f"{TABLES}/seq2seq_lm.toml:{line_of(table, 'unknown-model')}: model_type is not in configs.toml: 'unknown-model'",
        f"{TABLES}/seq2seq_lm.toml:{line_of(table, 'bart =')}: model class is not a Python identifier: "
        "'FlaxBart ForConditionalGeneration'",
    ]


def upstream_version_not_a_release(root: Path) -> list[str]:
    configs = root / TABLES / "configs.toml"
    edit(configs, 'transformers = "4.57.6"', 'transformers = "4.57"\nrelease = 6')
    return [
        f"{TABLES}/configs.toml:{line_of(configs, 'transformers =')}: transformers must be a release "
        """like "4.57.6": '4.57'""",
        f"{TABLES}/configs.toml:{line_of(configs, 'release =')}: unknown key in [upstream] (expected transformers): 'release'",
    ]


def upstream_section_missing(root: Path) -> list[str]:
    configs = root / TABLES / "configs.toml"
    edit(configs, '[upstream]\ntransformers = "4.57.6"\n', "")
    return [f"{TABLES}/configs.toml:1: missing section: 'upstream'"]


def _append_to_template(root: Path, text: str) -> int:
    """Append to the task template; the line number of the first appended line."""
    template = root / "templates" / "task.py.jinja"
    before = template.read_text()
    template.write_text(before + text)
    return before.count("\n") + 1


def template_undefined_variable(root: Path) -> list[str]:
    line = _append_to_template(root, "{{ task.dispatcher }}\n")
    return [f"templates/task.py.jinja:{line}: UndefinedError: 'codegen.model.Task object' has no attribute 'dispatcher'"]


def template_undefined_in_a_filter(root: Path) -> list[str]:
    line = _append_to_template(root, "x = {{ no_such_name | py }}\n")
    return [f"templates/task.py.jinja:{line}: UndefinedError: 'no_such_name' is undefined"]


def template_syntax_error(root: Path) -> list[str]:
    line = _append_to_template(root, "\n{% for entry in task.entries %}\n")
    return [f"templates/task.py.jinja:{line + 1}: TemplateSyntaxError: Unexpected end of template. Jinja was looking "
            "for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'."]


def template_misusing_a_filter(root: Path) -> list[str]:
    line = _append_to_template(root, "ENTRIES = {{ task.entries | py }}\n")
    return [f"templates/task.py.jinja:{line}: TypeError: py filter: cannot emit a tuple as a literal"]


CASES = [
    toml_syntax_error,
    unknown_section,
    unknown_task_key_and_missing_field,
    missing_field,
    duplicate_model_type,
    model_type_not_in_config_table,
    names_that_are_not_identifiers,
    injection_attempts,
    one_class_name_from_two_modules,
    every_error_of_a_file_at_once,
    upstream_version_not_a_release,
    upstream_section_missing,
    template_undefined_variable,
    template_undefined_in_a_filter,
    template_syntax_error,
    template_misusing_a_filter,
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "project")
    make_stale(root / OUT)  # so that any write at all would show
    return root


@pytest.mark.parametrize("break_inputs", CASES, ids=[case.__name__ for case in CASES])
def test_bad_input_is_reported_at_file_line_exit_2_nothing_written(project: Path, break_inputs: Callable[[Path], list[str]]) -> None:
    expected = break_inputs(project)
    before = snapshot(project)

    code, stdout, stderr = run("generate", "--root", str(project))

    assert (code, stdout) == (2, "")
    assert stderr.splitlines() == [*expected, f"{len(expected)} error(s); nothing was written"]
    assert snapshot(project) == before
    assert run("check", "--root", str(project)) == (2, "", stderr)


@pytest.mark.parametrize(
    ("python", "expected"),
    [
        pytest.param(
            "def broken(:",
            r"flax_auto/vision2seq\.py: black cannot parse the rendered module: "
            r"cannot parse for target version Python 3\.11: \d+:11\n"
            r"    def broken\(:\n"
            r" +\^\n"
            r"ParseError: bad input\n",
            id="black cannot parse",
        ),
        pytest.param(
            "return 1",
            r"flax_auto/vision2seq\.py:\d+: the formatted module does not compile: 'return' outside function\n",
            id="does not compile",
        ),
    ],
)
def test_bad_output_of_one_module_names_it_and_writes_nothing(project: Path, python: str, expected: str) -> None:
    """Only the last module (vision2seq) is broken: all others were rendered and formatted first."""
    _append_to_template(project, '{% if task.module == "vision2seq" %}\n' + python + "\n{% endif %}\n")
    before = snapshot(project)

    code, stdout, stderr = run("generate", "--root", str(project))

    assert (code, stdout) == (2, "")
    assert re.fullmatch(expected + r"1 error\(s\); nothing was written\n", stderr), stderr
    assert snapshot(project) == before
