"""Bad tables and templates: every problem at file:line with the value, exit 2, nothing written.

Each case breaks a copy of the inputs and returns the exact lines the generator
must print, line numbers looked up in the broken file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from codegen_support import copy_project, edit, line_of, make_stale, run, snapshot

from codegen.load import TABLE_LIMIT

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
    return [f"{TABLES}/model.toml:{line}: unknown section (expected [extension], [models], [task]): 'extra'"]


def rows_naming_classes_that_cannot_exist(root: Path) -> list[str]:
    """A module path that is not dotted identifiers; classes the named module's source lacks
    (found on sys.path and read, never imported); one model_type in both sections."""
    configs = root / TABLES / "configs.toml"
    bert = "transformers.models.bert"
    configs.write_text(
        configs.read_text()
        + "\n[extension]\n"
        + 'bad-path = { config = "MyConfig", module = "my pkg.configuration" }\n'
        + f'no-such = {{ config = "NoSuchConfig", module = "{bert}.configuration_bert", models = "{bert}.modeling_flax_bert" }}\n'
    )
    table = root / TABLES / "model.toml"
    edit(table, "[extension]\n", '[extension]\nno-such = "FlaxNoSuchModel"\nbert = "FlaxBertModel"\n')
    return [
        f"{TABLES}/configs.toml:{line_of(configs, 'bad-path')}: module must be a dotted module path "
        "of Python identifiers: 'my pkg.configuration'",
        f"{TABLES}/configs.toml:{line_of(configs, 'no-such')}: {bert}.configuration_bert does not define "
        "the config class: 'NoSuchConfig'",
        f"{TABLES}/model.toml:{line_of(table, 'no-such')}: {bert}.modeling_flax_bert does not define "
        "the model class: 'FlaxNoSuchModel'",
        f"{TABLES}/model.toml:{line_of(table, 'no-such') + 1}: model_type in both [models] "
        "and [extension]: 'bert'",
    ]


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


def names_the_package_already_uses(root: Path) -> list[str]:
    """The runtime's classes, typing names, builtins the code calls, dunders: all refused where named."""
    causal_lm = root / TABLES / "causal_lm.toml"
    edit(causal_lm, 'auto_class = "FlaxAutoModelForCausalLM"', 'auto_class = "ModelMapping"')
    edit(causal_lm, 'mapping = "FLAX_MODEL_FOR_CAUSAL_LM_MAPPING"', 'mapping = "CONFIG_MAPPING"')
    edit(causal_lm, 'bert = "FlaxBertForCausalLM"', 'bert = "overload"')
    edit(causal_lm, 'gpt2 = "FlaxGPT2LMHeadModel"', 'gpt2 = "Any"')
    edit(causal_lm, 'opt = "FlaxOPTForCausalLM"', 'opt = "type"')
    masked_lm = root / TABLES / "masked_lm.toml"
    edit(masked_lm, 'bert = "FlaxBertForMaskedLM"', 'bert = "AutoModelClass"')
    edit(masked_lm, 'roberta = "FlaxRobertaForMaskedLM"', 'roberta = "__version__"')
    configs = root / TABLES / "configs.toml"
    edit(configs, 'opt = "OPTConfig"', 'opt = "closest"')
    causal, masked = f"{TABLES}/causal_lm.toml", f"{TABLES}/masked_lm.toml"
    return [
        f"{causal}:{line_of(causal_lm, 'auto_class')}: auto_class is a name generated/flax_auto/__init__.py already uses, "
        "pick another: 'ModelMapping'",
        f"{causal}:{line_of(causal_lm, 'mapping')}: mapping is a name generated/flax_auto/__init__.py already uses, "
        "pick another: 'CONFIG_MAPPING'",
        f"{causal}:{line_of(causal_lm, 'mapping')}: CONFIG_MAPPING_NAMES (from mapping) is a name "
        "generated/flax_auto/__init__.py already uses, pick another: 'CONFIG_MAPPING_NAMES'",
        f"{causal}:{line_of(causal_lm, 'bert =')}: model class is a name every task module already uses, "
        "pick another: 'overload'",
        f"{causal}:{line_of(causal_lm, 'gpt2 =')}: model class is a name generated/flax_auto/_auto.py already uses, "
        "pick another: 'Any'",
        f"{causal}:{line_of(causal_lm, 'opt =')}: model class is a name generated/flax_auto/_auto.py already uses, "
        "pick another: 'type'",
        f"{TABLES}/configs.toml:{line_of(configs, 'opt =')}: config class is a name generated/flax_auto/_auto.py already "
        "uses, pick another: 'closest'",
        f"{masked}:{line_of(masked_lm, 'bert =')}: model class is a name generated/flax_auto/__init__.py already uses, "
        "pick another: 'AutoModelClass'",
        f"{masked}:{line_of(masked_lm, 'roberta =')}: model class is a name Python reserves (__special__), "
        "pick another: '__version__'",
    ]


def task_modules_named_after_the_package(root: Path) -> list[str]:
    """A task file named after a function or module of the package, or an auto class after another task's function."""
    tables = root / TABLES
    (tables / "vision2seq.toml").rename(tables / "config_class_for.toml")
    (tables / "speech_seq2seq.toml").rename(tables / "os.toml")
    (tables / "next_sentence_prediction.toml").rename(tables / "_auto.toml")
    (tables / "image_classification.toml").rename(tables / "__init__.toml")
    causal_lm = tables / "causal_lm.toml"
    edit(causal_lm, 'auto_class = "FlaxAutoModelForCausalLM"', 'auto_class = "model_class_for"')
    return [
        f"{TABLES}/__init__.toml:1: table file name is not a usable module name: '__init__'",
        f"{TABLES}/_auto.toml:1: table file name is not a usable module name: '_auto'",
        f"{TABLES}/config_class_for.toml:1: task module (the table's file name) is a name "
        "generated/flax_auto/__init__.py already uses, pick another: 'config_class_for'",
        f"{TABLES}/model.toml:1: model_class_for (from the file name) is already a name of flax_auto.causal_lm "
        f"({TABLES}/causal_lm.toml:{line_of(causal_lm, 'auto_class =')}): one name, two definitions, pick another: "
        "'model_class_for'",
        f"{TABLES}/os.toml:1: task module (the table's file name) is a name generated/flax_auto/_auto.py already uses, "
        "pick another: 'os'",
    ]


def line_after_a_unicode_line_separator(root: Path) -> list[str]:
    """TOML ends lines only at LF: a U+2028 or NEL in a comment above must not shift the line reported."""
    table = root / TABLES / "causal_lm.toml"
    edit(table, "[models]\n", "[models]\n# a note\u2028that goes on\x85and on\n")
    edit(table, 'gpt2 = "FlaxGPT2LMHeadModel"', 'gpt2 = "FlaxGPT2 LMHeadModel"')
    lines = table.read_text(encoding="utf-8").split("\n")
    line = next(number for number, text in enumerate(lines, 1) if text.startswith("gpt2 ="))
    return [f"{TABLES}/causal_lm.toml:{line}: model class is not a Python identifier: 'FlaxGPT2 LMHeadModel'"]


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


def template_divides_by_zero(root: Path) -> list[str]:
    line = _append_to_template(root, "x = {{ 1 // 0 }}\n")
    return [f"templates/task.py.jinja:{line}: ZeroDivisionError: integer division or modulo by zero"]


def template_makes_a_bad_call(root: Path) -> list[str]:
    line = _append_to_template(root, '\n\nx = {{ task.module.encode("no-such-codec") }}\n')
    return [f"templates/task.py.jinja:{line + 2}: LookupError: unknown encoding: no-such-codec"]


def template_is_a_folder(root: Path) -> list[str]:
    (root / "templates" / "configs.py.jinja").unlink()
    (root / "templates" / "configs.py.jinja").mkdir()
    return [f"templates/configs.py.jinja:1: TemplateNotFound: 'configs.py.jinja' not found in search path: '{root / 'templates'}'"]


BERT_ROW = 'bert = "Flax Bert For NSP"'
GPT2_ROW = 'gpt2 = "not a class"'


def a_multi_line_string_that_holds_rows_and_a_section(root: Path) -> list[str]:
    """Lines inside a string are not keys or headers: each problem is at its own line."""
    table = root / TABLES / "next_sentence_prediction.toml"
    edit(table, '[models]\nbert = "FlaxBertForNextSentencePrediction"\n', '''notes = """
[models]
bert = "Flax Bert"
"""

[models]
bert = "Flax Bert For NSP"
''')
    return [
        f"{TABLES}/next_sentence_prediction.toml:{line_of(table, 'notes')}: unknown key in [task] "
        "(expected auto_class, head_doc, mapping): 'notes'",
        f"{TABLES}/next_sentence_prediction.toml:{line_of(table, BERT_ROW)}: "
        "model class is not a Python identifier: 'Flax Bert For NSP'",
    ]


def a_multi_line_array_and_inline_table_then_a_bad_row(root: Path) -> list[str]:
    """Values over several lines, with brackets and '#' inside strings, end where TOML ends them."""
    table = root / TABLES / "next_sentence_prediction.toml"
    edit(table, 'head_doc = "next sentence prediction"\n', '''head_doc = "next sentence prediction"
extra = [
  "]", # a comment ]
  { key = "[models]" },
  \'\'\'
[models]
gpt2 = "x"\'\'\',
]
''')
    edit(table, 'bert = "FlaxBertForNextSentencePrediction"', 'bert = "FlaxBertForNextSentencePrediction"\ngpt2 = "not a class"')
    return [
        f"{TABLES}/next_sentence_prediction.toml:{line_of(table, 'extra')}: unknown key in [task] "
        "(expected auto_class, head_doc, mapping): 'extra'",
        f"{TABLES}/next_sentence_prediction.toml:{line_of(table, GPT2_ROW)}: "
        "model class is not a Python identifier: 'not a class'",
    ]


def an_array_of_tables(root: Path) -> list[str]:
    """[[extension]] is valid TOML, but not a table section: refused at its line, no false 'missing'."""
    table = root / TABLES / "next_sentence_prediction.toml"
    table.write_text(table.read_text() + '\n[[extension]]\nroberta = "FlaxRobertaForNextSentencePrediction"\n')
    return [
        f"{TABLES}/next_sentence_prediction.toml:{line_of(table, '[[extension]]')}: "
        "an array of tables is not a table section; write [extension]"
    ]


def a_dotted_key(root: Path) -> list[str]:
    table = root / TABLES / "next_sentence_prediction.toml"
    table.write_text(table.read_text() + 'roberta.class = "FlaxRobertaForNextSentencePrediction"\n')
    return [
        f"{TABLES}/next_sentence_prediction.toml:{line_of(table, 'roberta.class')}: "
        "a dotted key is not a row; write roberta = { ... }: 'roberta.class'"
    ]


def a_sub_table_header(root: Path) -> list[str]:
    table = root / TABLES / "next_sentence_prediction.toml"
    table.write_text(table.read_text() + '\n[task.sub]\nnote = "x"\n')
    return [
        f"{TABLES}/next_sentence_prediction.toml:{line_of(table, '[task.sub]')}: "
        "a sub-table is not a table section; write [task] and the row as sub = { ... }: 'task.sub'"
    ]


def table_is_a_folder(root: Path) -> list[str]:
    (root / TABLES / "extra.toml").mkdir()
    return [f"{TABLES}/extra.toml: cannot read the table: not a regular file (a folder)"]


def table_is_a_named_pipe(root: Path) -> list[str]:
    """Opening it to read would wait for a writer forever."""
    os.mkfifo(root / TABLES / "extra.toml")
    return [f"{TABLES}/extra.toml: cannot read the table: not a regular file (a named pipe)"]


def table_links_to_dev_zero(root: Path) -> list[str]:
    """Reading it would never end, and fill memory on the way."""
    (root / TABLES / "extra.toml").symlink_to("/dev/zero")
    return [f"{TABLES}/extra.toml: cannot read the table: not a regular file (a character device)"]


def table_larger_than_the_limit(root: Path) -> list[str]:
    """A regular file, but one no table needs to be: refused, not read whole."""
    with (root / TABLES / "extra.toml").open("wb") as stream:
        stream.truncate(TABLE_LIMIT + 1)
    return [f"{TABLES}/extra.toml: cannot read the table: larger than {TABLE_LIMIT >> 20} MiB"]


def table_is_a_dangling_link(root: Path) -> list[str]:
    (root / TABLES / "extra.toml").symlink_to("nowhere.toml")
    return [f"{TABLES}/extra.toml: cannot read the table: No such file or directory"]


def table_starts_with_a_bom(root: Path) -> list[str]:
    table = root / TABLES / "masked_lm.toml"
    table.write_bytes(b"\xef\xbb\xbf" + table.read_bytes())
    return [f"{TABLES}/masked_lm.toml:1: starts with a UTF-8 byte order mark; save it without one"]


def a_byte_that_is_not_utf8(root: Path) -> list[str]:
    """At the line that holds the byte, not at line 1."""
    table = root / TABLES / "masked_lm.toml"
    line = line_of(table, "bert =")
    table.write_bytes(table.read_bytes().replace(b'\nbert = "', b'\nbert = "\xff', 1))
    return [
        f"{TABLES}/masked_lm.toml:{line}: not UTF-8 text: 'utf-8' codec can't decode byte 0xff in position "
        f"{table.read_bytes().index(bytes([0xFF]))}: invalid start byte"
    ]


def syntax_errors_in_two_tables_and_a_bad_row_in_a_third(root: Path) -> list[str]:
    """One run reports them all: the tables that parse are validated too."""
    causal_lm, masked_lm, model = (root / TABLES / f"{name}.toml" for name in ["causal_lm", "masked_lm", "model"])
    edit(causal_lm, 'bert = "FlaxBertForCausalLM"', 'bert = "FlaxBertForCausalLM')
    edit(masked_lm, 'bert = "FlaxBertForMaskedLM"', "bert = FlaxBertForMaskedLM")
    edit(model, 'bert = "FlaxBertModel"', 'bert = "Flax Bert Model"')
    return [
        f"{TABLES}/causal_lm.toml:{line_of(causal_lm, 'bert =')}: invalid TOML: Illegal character '\\n'",
        f"{TABLES}/masked_lm.toml:{line_of(masked_lm, 'bert =')}: invalid TOML: Invalid value",
        f"{TABLES}/model.toml:{line_of(model, 'bert =')}: model class is not a Python identifier: 'Flax Bert Model'",
    ]


CASES = [
    toml_syntax_error,
    unknown_section,
    rows_naming_classes_that_cannot_exist,
    unknown_task_key_and_missing_field,
    missing_field,
    duplicate_model_type,
    model_type_not_in_config_table,
    names_that_are_not_identifiers,
    injection_attempts,
    one_class_name_from_two_modules,
    every_error_of_a_file_at_once,
    names_the_package_already_uses,
    task_modules_named_after_the_package,
    line_after_a_unicode_line_separator,
    upstream_version_not_a_release,
    upstream_section_missing,
    template_undefined_variable,
    template_undefined_in_a_filter,
    template_syntax_error,
    template_misusing_a_filter,
    template_divides_by_zero,
    template_makes_a_bad_call,
    template_is_a_folder,
    a_multi_line_string_that_holds_rows_and_a_section,
    a_multi_line_array_and_inline_table_then_a_bad_row,
    an_array_of_tables,
    a_dotted_key,
    a_sub_table_header,
    table_is_a_folder,
    table_is_a_named_pipe,
    table_links_to_dev_zero,
    table_larger_than_the_limit,
    table_is_a_dangling_link,
    table_starts_with_a_bom,
    a_byte_that_is_not_utf8,
    syntax_errors_in_two_tables_and_a_bad_row_in_a_third,
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
            r"generated/flax_auto/vision2seq\.py: black cannot parse the rendered module: "
            r"cannot parse for target version Python 3\.11: \d+:11\n"
            r"    def broken\(:\n"
            r" +\^\n"
            r"ParseError: bad input\n",
            id="black cannot parse",
        ),
        pytest.param(
            "return 1",
            r"generated/flax_auto/vision2seq\.py:\d+: the formatted module does not compile: 'return' outside function\n",
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


def test_a_name_a_template_starts_to_use_is_reserved_without_a_list_to_update(tmp_path: Path) -> None:
    """The reserved names come from the rendered package, so a new runtime helper is reserved at once."""
    root = copy_project(tmp_path / "project")
    edit(root / "codegen" / "runtime" / "_auto.py", "HUB_KWARGS = (", "def shiny_new_helper() -> None: ...\n\n\nHUB_KWARGS = (")
    table = root / TABLES / "causal_lm.toml"
    edit(table, 'bert = "FlaxBertForCausalLM"', 'bert = "shiny_new_helper"')
    code, _, stderr = run("generate", "--root", str(root))
    assert code == 2
    assert stderr.splitlines()[0] == (
        f"{TABLES}/causal_lm.toml:{line_of(table, 'bert =')}: model class is a name generated/flax_auto/_auto.py "
        "already uses, pick another: 'shiny_new_helper'"
    )
