"""codegen sync: the committed tables are upstream 4.57.6, and a changed upstream file is synced row by row.

Every sync that could write runs as `python -m codegen` inside a temp copy of
the project inputs (the generator with its tables, the templates), never on
the committed tables. The fixtures that play "upstream added a row" use
clip_text_model / clip_vision_model, which the committed tables serve through
extension rows; `project` drops those rows first, `full_project` keeps them.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from codegen.build import ROOT, TABLES, load_tables
from codegen.tableedit import rewrite_rows
from codegen.upstream import installed_auto_files

MODELING, CONFIGS, _ = installed_auto_files()

# The fixture's three changes to upstream's file: one row added, one removed, one renamed.
ADD_CLIP_VISION = (
    '("clip", "FlaxCLIPModel"),\n',
    '("clip", "FlaxCLIPModel"),\n        ("clip_vision_model", "FlaxCLIPVisionModel"),\n',
)
REMOVE_XGLM = ('        ("xglm", "FlaxXGLMForCausalLM"),\n', "")
RENAME_T5 = ('("t5", "FlaxT5Model")', '("t5", "FlaxT5EncoderModel")')


def codegen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "codegen", *args], cwd=cwd, capture_output=True, text=True)


def table_texts(root: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted((root / TABLES).glob("*.toml"))}


def upstream_with(folder: Path, *edits: tuple[str, str]) -> Path:
    """A copy of the installed modeling_flax_auto.py with each (old, new) edit made exactly once."""
    text = MODELING.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = folder / "modeling_flax_auto.py"
    path.write_text(text)
    return path


def line_of(path: Path, needle: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.fixture
def full_project(tmp_path: Path) -> Path:
    """A temp copy of the project inputs; sync and generate run inside it."""
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "codegen", copy / "codegen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", copy / "templates")
    return copy


@pytest.fixture
def project(full_project: Path) -> Path:
    """The copy without the rows of clip_text_model and clip_vision_model: new to it, as upstream adds them."""
    for path in (full_project / TABLES).glob("*.toml"):
        lines = path.read_text().splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(("clip_text_model = ", "clip_vision_model = "))]
        path.write_text("".join(kept))
    return full_project


def test_committed_tables_equal_the_installed_upstream_and_transformers_is_never_imported() -> None:
    script = (
        "import sys\n"
        "from codegen.cli import main\n"
        "code = main(['sync', '--dry-run', '--from-installed'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'transformers', 'jax', 'flax'}))\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("upstream: transformers 4.57.6 (")
    assert lines[1:] == ["no change: the tables match upstream", "[]"]


def test_dry_run_lists_exactly_the_three_changes_and_writes_nothing(project: Path) -> None:
    fork = upstream_with(project.parent, ADD_CLIP_VISION, REMOVE_XGLM, RENAME_T5)
    config_line = line_of(CONFIGS, '("clip_vision_model", ')
    before = table_texts(project)
    result = codegen(project, "sync", str(fork), "--config-auto", str(CONFIGS), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"upstream: {fork} and {CONFIGS}\n"
        "codegen/tables/causal_lm.toml (FlaxAutoModelForCausalLM <- FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES):\n"
        "  removed  xglm = FlaxXGLMForCausalLM\n"
        "codegen/tables/model.toml (FlaxAutoModel <- FLAX_MODEL_MAPPING_NAMES):\n"
        f"  added    clip_vision_model = FlaxCLIPVisionModel  (modeling_flax_auto.py:{line_of(fork, 'clip_vision_model')})\n"
        f"  changed  t5 = FlaxT5Model -> FlaxT5EncoderModel  (modeling_flax_auto.py:{line_of(fork, 'FlaxT5EncoderModel')})\n"
        "codegen/tables/configs.toml (config classes <- CONFIG_MAPPING_NAMES):\n"
        f"  added    clip_vision_model = CLIPVisionConfig (package clip)  (configuration_auto.py:{config_line})\n"
        "dry run: 4 change(s) in 3 file(s); nothing written\n"
    )
    assert table_texts(project) == before


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_sync_edits_only_the_changed_rows_and_the_new_row_dispatches_after_generate(project: Path) -> None:
    fork = upstream_with(project.parent, ADD_CLIP_VISION, REMOVE_XGLM, RENAME_T5)
    before = table_texts(project)
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "4 change(s) written to 3 file(s); now run `make generate`"
    after = table_texts(project)
    assert {
        name: changed_lines(before[name], after[name]) for name in before if before[name] != after[name]
    } == {
        "causal_lm.toml": ['-xglm = "FlaxXGLMForCausalLM"'],
        "model.toml": [
            '+clip_vision_model = "FlaxCLIPVisionModel"',
            '-t5 = "FlaxT5Model"',
            '+t5 = "FlaxT5EncoderModel"',
        ],
        "configs.toml": ['+clip_vision_model = { config = "CLIPVisionConfig", package = "clip" }'],
    }
    again = codegen(project, "sync", str(fork), str(CONFIGS), "--dry-run")
    assert again.stdout.splitlines()[-1] == "no change: the tables match upstream"

    generated = codegen(project, "generate")
    assert generated.returncode == 0, generated.stderr
    script = (
        "import json, flax_auto\n"
        "from transformers import CLIPVisionConfig, T5Config\n"
        "from flax_auto import FlaxAutoModel, causal_lm_class_for, model_class_for\n"
        "config = CLIPVisionConfig(hidden_size=32, intermediate_size=37, num_hidden_layers=1,\n"
        "                          num_attention_heads=4, image_size=30, patch_size=10)\n"
        "model = FlaxAutoModel.from_config(config)\n"
        "try:\n"
        "    causal_lm_class_for('xglm')\n"
        "    xglm = 'dispatched'\n"
        "except ValueError as error:\n"
        "    xglm = str(error)\n"
        "print(json.dumps([flax_auto.__file__, type(model).__name__, model_class_for('clip_vision_model').__name__,\n"
        "                  model_class_for(T5Config()).__name__, xglm]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=project / "generated", capture_output=True, text=True, check=True
    )
    package_file, built, by_name, t5, xglm = json.loads(run.stdout.strip().splitlines()[-1])
    assert Path(package_file).parent == project / "generated" / "flax_auto"
    assert (built, by_name, t5) == ("FlaxCLIPVisionModel", "FlaxCLIPVisionModel", "FlaxT5EncoderModel")
    assert xglm.startswith("Unrecognized model_type 'xglm' for FlaxAutoModelForCausalLM.")


def test_an_unused_model_type_loses_its_config_row_and_moved_rows_are_reported(project: Path) -> None:
    albert, bart = '("albert", "FlaxAlbertForMaskedLM"),', '("bart", "FlaxBartForConditionalGeneration"),'
    swap = (f"{albert}\n        {bart}\n", f"{bart}\n        {albert}\n")
    fork = upstream_with(project.parent, ('        ("xglm", "FlaxXGLMModel"),\n', ""), REMOVE_XGLM, swap)
    result = codegen(project, "sync", str(fork), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert (
        "codegen/tables/masked_lm.toml (FlaxAutoModelForMaskedLM <- FLAX_MODEL_FOR_MASKED_LM_MAPPING_NAMES):\n"
        "  reordered  rows follow upstream's order\n"
    ) in result.stdout
    assert (
        "codegen/tables/configs.toml (config classes <- CONFIG_MAPPING_NAMES):\n  removed  xglm = XGLMConfig\n"
    ) in result.stdout


GPT2_ROW = '("gpt2", "FlaxGPT2LMHeadModel")'
CLIP_TEXT = '        ("clip_text_model", "FlaxCLIPNoSuchModel"),\n'

# case -> (edits to upstream's file, text on the line the error names, the error expected).
# {fork}, {line} (of that text in the edited file), {models} and the other lines are filled in per case.
REFUSALS = {
    "not a pair of strings": (
        [(GPT2_ROW, '("gpt2", FlaxGPT2LMHeadModel)')],
        '("gpt2", FlaxGPT2LMHeadModel)',
        "{fork}:{line}: FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES: expected a pair of strings: "
        "\"('gpt2', FlaxGPT2LMHeadModel)\"",
    ),
    "not an identifier": (
        [(GPT2_ROW, '("gpt2", "Flax GPT2")')],
        '("gpt2", "Flax GPT2")',
        "{fork}:{line}: model class is not a Python identifier: 'Flax GPT2'",
    ),
    "duplicate row": (
        [(GPT2_ROW + ",\n", GPT2_ROW + ',\n        ("gpt2", "FlaxGPT2Model"),  # again\n')],
        "# again",
        "{fork}:{line}: FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES: duplicate key (first at line {gpt2}): 'gpt2'",
    ),
    "table missing": (
        [("FLAX_MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING_NAMES = OrderedDict", "AUDIO_NAMES = OrderedDict")],
        "",
        "codegen/tables/audio_classification.toml:{audio_mapping}: {fork} has no table FLAX_MODEL_FOR_AUDIO_CLASSIFICATION_MAPPING_NAMES",
    ),
    "fails validation once written": (
        [('("bert", "FlaxBertForCausalLM")', '("bert", "FlaxGPT2LMHeadModel")')],
        "",
        "codegen/tables/causal_lm.toml:{gpt_sw3}: one name, two classes: transformers.models.gpt2.modeling_flax_gpt2 "
        "here, transformers.models.bert.modeling_flax_bert at codegen/tables/causal_lm.toml:{bert}: 'FlaxGPT2LMHeadModel'",
    ),
    "changed row, class not in the tree": (
        [(GPT2_ROW, '("gpt2", "FlaxGPT2NoSuchModel")')],
        '"FlaxGPT2NoSuchModel"',
        "{fork}:{line}: FlaxGPT2NoSuchModel (model_type 'gpt2') is not defined in {models}/gpt2/modeling_flax_gpt2.py",
    ),
    "added row, class not in the tree": (
        [('("bert", "FlaxBertForMaskedLM"),', '("bert", "FlaxBertForMaskedLM"),\n        ("gpt2", "FlaxGPT2ForMaskedLM"),')],
        '"FlaxGPT2ForMaskedLM"',
        "{fork}:{line}: FlaxGPT2ForMaskedLM (model_type 'gpt2') is not defined in {models}/gpt2/modeling_flax_gpt2.py",
    ),
    "new model_type, no config table given": (
        [ADD_CLIP_VISION],
        "clip_vision_model",
        "{fork}:{line}: new model_type 'clip_vision_model' needs a config class, but no "
        "CONFIG_MAPPING_NAMES of a configuration_auto.py was given (--config-auto PATH)",
    ),
    "new model_type, its classes nowhere": (
        [(ADD_CLIP_VISION[0], ADD_CLIP_VISION[0] + CLIP_TEXT)],
        "clip_text_model",
        "{fork}:{line}: new model_type 'clip_text_model': no package under {models} defines "
        "CLIPTextConfig (configuration_<package>.py) and FlaxCLIPNoSuchModel (modeling_flax_<package>.py); "
        'add its row to configs.toml by hand with package = "..."',
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_bad_upstream_is_refused_with_file_and_line_and_nothing_is_written(project: Path, case: str) -> None:
    edits, needle, expected = REFUSALS[case]
    fork = upstream_with(project.parent, *edits)
    config = [] if case == "new model_type, no config table given" else ["--config-auto", str(CONFIGS)]
    before = table_texts(project)
    result = codegen(project, "sync", str(fork), *config)
    assert result.returncode == 2
    line = line_of(fork, needle) if needle else 0
    tables = ROOT / TABLES
    expected = expected.format(
        fork=fork,
        line=line,
        models=CONFIGS.parent.parent,
        gpt2=line_of(MODELING, GPT2_ROW),
        audio_mapping=line_of(tables / "audio_classification.toml", "mapping = "),
        bert=line_of(tables / "causal_lm.toml", "bert = "),
        gpt_sw3=line_of(tables / "causal_lm.toml", '"gpt-sw3" = '),
    )
    assert f"{expected}\n" in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1].endswith("error(s); nothing was written")
    assert table_texts(project) == before


def test_a_file_without_the_tables_is_refused(project: Path) -> None:
    result = codegen(project, "sync", str(CONFIGS))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{CONFIGS}:1: not a modeling_flax_auto.py: it assigns none of ")


def test_rewrite_rows_moves_comments_with_their_row_and_keeps_the_rest() -> None:
    text = (
        "# file comment\n"
        "[models]\n"
        "# about the section\n"
        "\n"
        "# about a\n"
        'a = "A"  # inline\n'
        'b = "B"\n'
        "# about c\n"
        'c = "C"\n'
        "\n"
        "[other]\n"
        'a = "kept"\n'
    )
    rows = [("c", None), ("new-one", '"N"'), ("a", '"A2"')]
    assert rewrite_rows(text, "models", rows) == (
        "# file comment\n"
        "[models]\n"
        "# about the section\n"
        "\n"
        "# about c\n"
        'c = "C"\n'
        '"new-one" = "N"\n'
        "# about a\n"
        'a = "A2"\n'
        "\n"
        "[other]\n"
        'a = "kept"\n'
    )


def extension_rows(root: Path) -> dict[tuple[str, str], str]:
    """(auto class, model_type) -> model class of every extension row of the tables under root."""
    tables = load_tables(root)
    return {
        (task.auto_class, entry.model_type.name): entry.model_class
        for task in tables.tasks
        for entry in task.extension_entries
    }


def extension_sections(root: Path) -> dict[str, str]:
    """The text from each table's `[extension]` header to the end of the file (where the tables put it)."""
    return {name: text[text.index("[extension]") :] for name, text in table_texts(root).items() if "[extension]" in text}


def test_sync_keeps_every_extension_row_and_the_config_rows_they_use(full_project: Path) -> None:
    """Upstream drops mt5 from every Flax table and adds clip_vision_model with our class:
    the [models] rows follow, the extension rows and their model types' config rows stay."""
    fork = upstream_with(full_project.parent, ADD_CLIP_VISION)
    fork.write_text("".join(line for line in fork.read_text().splitlines(keepends=True) if '("mt5", ' not in line))
    rows, sections = extension_rows(full_project), extension_sections(full_project)
    assert ("FlaxAutoModelForTextEncoding", "mt5") in rows and ("FlaxAutoModel", "clip_vision_model") in rows
    result = codegen(full_project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 0, result.stderr
    assert "clip_vision_model" not in result.stdout  # upstream's new row is already ours: nothing to report
    assert "configs.toml" not in result.stdout  # mt5 keeps its config row: an extension row uses it
    assert [line.strip() for line in result.stdout.splitlines() if "mt5" in line] == [
        "removed  mt5 = FlaxMT5Model",
        "removed  mt5 = FlaxMT5ForConditionalGeneration",
        "removed  mt5 = FlaxMT5ForConditionalGeneration",
    ]
    assert extension_rows(full_project) == rows
    assert extension_sections(full_project) == sections
    again = codegen(full_project, "sync", str(fork), str(CONFIGS), "--dry-run")
    assert again.stdout.splitlines()[-1] == "no change: the tables match upstream"


def test_upstream_adding_a_model_type_an_extension_row_serves_with_another_class_is_refused(
    full_project: Path,
) -> None:
    fork = upstream_with(
        full_project.parent,
        (ADD_CLIP_VISION[0], ADD_CLIP_VISION[1].replace("FlaxCLIPVisionModel", "FlaxCLIPTextModel")),
    )
    before = table_texts(full_project)
    result = codegen(full_project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 2
    row = line_of(full_project / TABLES / "model.toml", "clip_vision_model = ")
    assert result.stderr.splitlines()[0] == (
        f"codegen/tables/model.toml:{row}: upstream now maps 'clip_vision_model' to FlaxCLIPTextModel "
        f"({fork}:{line_of(fork, 'clip_vision_model')}), this extension row to FlaxCLIPVisionModel: "
        "remove the extension row or the model_type by hand"
    )
    assert table_texts(full_project) == before


# Line ends and headers: sync splits lines where TOML does and edits any header TOML allows.


def test_a_unicode_line_separator_in_a_comment_does_not_drop_a_neighbouring_row(project: Path) -> None:
    """U+2028, U+2029 and NEL are allowed in TOML comments and end no line; str.splitlines splits there."""
    table = project / TABLES / "causal_lm.toml"
    for separator, row in [("\u2028", "gpt2"), ("\u2029", "opt"), ("\x85", "roberta")]:
        old = f'\n{row} = "'
        text = table.read_text(encoding="utf-8")
        line_end = text.index("\n", text.index(old) + 1)
        table.write_text(text[:line_end] + f"  # was{separator}bloom = \"FlaxBloomModel\"" + text[line_end:], encoding="utf-8")
    before = table.read_text(encoding="utf-8")
    fork = upstream_with(project.parent, REMOVE_XGLM)
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 0, result.stderr
    after = table.read_text(encoding="utf-8")
    assert after == before.replace('xglm = "FlaxXGLMForCausalLM"\n', "")
    assert tomllib.loads(after)["models"]["bloom"] == "FlaxBloomForCausalLM"


def test_a_crlf_table_stays_crlf_byte_for_byte_where_unchanged(project: Path) -> None:
    for path in (project / TABLES).glob("*.toml"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    crlf = {path.name: path.read_bytes() for path in (project / TABLES).glob("*.toml")}
    fork = upstream_with(project.parent, ADD_CLIP_VISION, REMOVE_XGLM, RENAME_T5)
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 0, result.stderr

    lf_project = project.parent / "lf"
    shutil.copytree(project / "codegen", lf_project / "codegen")
    shutil.copytree(project / "templates", lf_project / "templates")
    for name, data in crlf.items():
        (lf_project / TABLES / name).write_bytes(data.replace(b"\r\n", b"\n"))
    assert codegen(lf_project, "sync", str(fork), str(CONFIGS)).returncode == 0
    for path in (project / TABLES).glob("*.toml"):
        lf_synced = (lf_project / TABLES / path.name).read_bytes()
        assert path.read_bytes() == lf_synced.replace(b"\n", b"\r\n"), path.name
    assert (project / TABLES / "model.toml").read_bytes() != crlf["model.toml"]


def test_section_headers_are_found_however_toml_lets_them_be_written(project: Path) -> None:
    headers = {"causal_lm.toml": '[ "models" ]  # rows', "model.toml": "['models']", "configs.toml": "[\tconfigs ] # c"}
    for name, header in headers.items():
        path = project / TABLES / name
        section = "[configs]" if name == "configs.toml" else "[models]"
        text = path.read_text()
        assert text.count(f"\n{section}\n") == 1
        path.write_text(text.replace(f"\n{section}\n", f"\n{header}\n"))
    before = table_texts(project)
    fork = upstream_with(project.parent, ADD_CLIP_VISION, REMOVE_XGLM, RENAME_T5)
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 0, result.stderr
    after = table_texts(project)
    assert changed_lines(before["causal_lm.toml"], after["causal_lm.toml"]) == ['-xglm = "FlaxXGLMForCausalLM"']
    assert changed_lines(before["model.toml"], after["model.toml"]) == [
        '+clip_vision_model = "FlaxCLIPVisionModel"',
        '-t5 = "FlaxT5Model"',
        '+t5 = "FlaxT5EncoderModel"',
    ]
    assert changed_lines(before["configs.toml"], after["configs.toml"]) == [
        '+clip_vision_model = { config = "CLIPVisionConfig", package = "clip" }'
    ]


def test_a_tree_file_that_is_not_python_is_refused_at_its_line(project: Path) -> None:
    tree = project.parent / "transformers" / "models"
    (tree / "auto").mkdir(parents=True)
    shutil.copy(CONFIGS, tree / "auto" / CONFIGS.name)
    (tree / "gpt2").mkdir()
    (tree / "gpt2" / "modeling_flax_gpt2.py").write_text("class FlaxGPT2NoSuchModel:\n    pass\ndef broken(:\n")
    fork = upstream_with(project.parent, (GPT2_ROW, '("gpt2", "FlaxGPT2NoSuchModel")'))
    before = table_texts(project)
    result = codegen(project, "sync", str(fork), "--config-auto", str(tree / "auto" / CONFIGS.name))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{tree / 'gpt2' / 'modeling_flax_gpt2.py'}:3: not Python source: "), result.stderr
    assert table_texts(project) == before


# An upstream file that changes a table after its literal (issue 17 item 9).

CAUSAL = "FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES"
MUTATIONS = {
    "del a row": f'del {CAUSAL}["gpt2"]',
    "item assignment": f'{CAUSAL}["gpt2"] = "FlaxGPT2Model"',
    "pop": f'{CAUSAL}.pop("gpt2")',
    "update": f'{CAUSAL}.update({{"gpt2": "FlaxGPT2Model"}})',
    "augmented assignment": f'{CAUSAL} |= {{"gpt2": "FlaxGPT2Model"}}',
    "bound again": f'{CAUSAL} = OrderedDict([("gpt2", "FlaxGPT2Model")])',
    "exec": f"exec(\"{CAUSAL}['gpt2'] = 'FlaxGPT2Model'\")",
    "globals": f'globals()["{CAUSAL}"] = {{}}',
    "in a function": f"def _patch():\n    {CAUSAL}.clear()",
    "through getattr": f'getattr({CAUSAL}, "pop")("gpt2")',
}


@pytest.mark.parametrize("case", MUTATIONS)
def test_an_upstream_file_that_changes_a_table_after_its_literal_is_refused_at_that_line(
    project: Path, case: str
) -> None:
    statement = MUTATIONS[case]
    fork = upstream_with(project.parent)
    fork.write_text(fork.read_text() + "\n# patched\n" + statement + "\n")
    line = line_of(fork, "# patched") + (2 if case == "in a function" else 1)
    before = table_texts(project)
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith(f"{fork}:{line}: "), result.stderr
    assert result.stderr.splitlines()[0].endswith("; sync reads the tables as literals")
    assert table_texts(project) == before


def test_a_config_table_changed_after_its_literal_is_refused_too(project: Path) -> None:
    configs = project.parent / CONFIGS.name
    configs.write_text(CONFIGS.read_text() + '\nCONFIG_MAPPING_NAMES["gpt2"] = "OtherConfig"\n')
    result = codegen(project, "sync", str(MODELING), str(configs))
    assert result.returncode == 2, result.stdout
    assert result.stderr.splitlines()[0] == (
        f"{configs}:{line_of(configs, 'OtherConfig')}: a row of CONFIG_MAPPING_NAMES is assigned or deleted "
        "after its literal; sync reads the tables as literals"
    )
