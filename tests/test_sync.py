"""codegen sync: the committed tables are upstream 4.57.6, and a changed upstream file is synced row by row.

Every sync that could write runs as `python -m codegen` inside a temp copy of
the project inputs (the generator with its tables, the templates), never on
the committed tables. The fixtures that play "upstream added a row" use
clip_text_model / clip_vision_model, which the committed tables serve through
extension rows; `project` drops those rows first, `full_project` keeps them.
"""

from __future__ import annotations

import difflib
import fcntl
import json
import os
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
    shutil.copy(ROOT / "pyproject.toml", copy)  # its [tool.flax-auto]: the copy generates itself, as we do
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
    """A changed row keeps its key as written, its spacing and its trailing comment: only the value changes."""
    text = (
        "# file comment\n"
        "[models]\n"
        "# about the section\n"
        "\n"
        "# about a\n"
        'a = "A"  # inline, with a "#" = "quoted"\n'
        'b = "B"\n'
        "# about c\n"
        'c = "C"\n'
        "'d-e'\t=  \"D#E\" # d\n"
        "\n"
        "[other]\n"
        'a = "kept"\n'
    )
    rows = [("c", None), ("new-one", '"N"'), ("a", '"A2"'), ("d-e", '"D2"')]
    assert rewrite_rows(text, "models", rows) == (
        "# file comment\n"
        "[models]\n"
        "# about the section\n"
        "\n"
        "# about c\n"
        'c = "C"\n'
        '"new-one" = "N"\n'
        "# about a\n"
        'a = "A2"  # inline, with a "#" = "quoted"\n'
        "'d-e'\t=  \"D2\" # d\n"
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
    shutil.copy(project / "pyproject.toml", lf_project)
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


# All or nothing, modes and links kept, convergence (issue 17 item 2).

# Upstream drops xglm from every Flax table: two task tables and configs.toml change.
REMOVE_XGLM_EVERYWHERE = (('        ("xglm", "FlaxXGLMModel"),\n', ""), REMOVE_XGLM)


def table_states(root: Path) -> dict[str, tuple[bytes, int, int, int]]:
    """name -> (bytes, inode, mode, mtime) of every table: what 'left as it was' means."""
    states = {}
    for path in sorted((root / TABLES).glob("*.toml")):
        info = path.stat()
        states[path.name] = (path.read_bytes(), info.st_ino, info.st_mode, info.st_mtime_ns)
    return states


def synced_copy(project: Path, fork: Path, name: str) -> dict[str, str]:
    """The tables as a clean, uninterrupted sync from `fork` leaves them, in a fresh copy of `project`."""
    copy = project.parent / name
    shutil.copytree(project / "codegen", copy / "codegen", ignore=shutil.ignore_patterns("__pycache__", ".sync-*"))
    shutil.copytree(project / "templates", copy / "templates")
    shutil.copy(project / "pyproject.toml", copy)
    result = codegen(copy, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 0, result.stderr
    return table_texts(copy)


def immutable(path: Path, on: bool) -> bool:
    """chattr +i / -i (root on ext4 and most Linux filesystems); False where it cannot be set."""
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True).returncode == 0


def test_a_write_that_fails_on_the_last_table_leaves_every_table_as_it_was_and_a_rerun_finishes(
    project: Path,
) -> None:
    """configs.toml is written last: when it cannot be replaced, the task tables already renamed come back."""
    fork = upstream_with(project.parent, *REMOVE_XGLM_EVERYWHERE)
    configs = project / TABLES / "configs.toml"
    expected = synced_copy(project, fork, "clean")
    if not immutable(configs, True):
        pytest.skip("chattr +i is not available here (needs root on a filesystem that supports it)")
    try:
        before = table_states(project)
        result = codegen(project, "sync", str(fork), str(CONFIGS))
        assert result.returncode == 3, result.stderr
        assert "every table was left as it was" in result.stderr
        assert table_states(project) == before
        assert sorted(path.name for path in (project / TABLES).iterdir() if path.name.startswith(".")) == []
    finally:
        immutable(configs, False)
    again = codegen(project, "sync", str(fork), str(CONFIGS))
    assert again.returncode == 0, again.stderr
    assert table_texts(project) == expected
    assert "xglm" not in table_texts(project)["configs.toml"]


def test_a_config_row_no_task_uses_goes_whatever_state_the_last_run_left(project: Path) -> None:
    """A run that rewrote the task tables but not configs.toml (an older sync's failure, or an edit by
    hand): the next sync removes the stale config row instead of saying the tables match."""
    fork = upstream_with(project.parent, *REMOVE_XGLM_EVERYWHERE)
    for name in ("causal_lm.toml", "model.toml"):
        path = project / TABLES / name
        path.write_text("".join(line for line in path.read_text().splitlines(True) if not line.startswith("xglm = ")))
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "codegen/tables/configs.toml (config classes <- CONFIG_MAPPING_NAMES):",
        "  removed  xglm = XGLMConfig",
        "1 change(s) written to 1 file(s); now run `make generate`",
    ]


# A wrapper that runs sync and acts on its own renames (Python's audit hook sees every os.replace):
# at the second rename of a table into place it sends itself `signal`.
SIGNAL_AT_RENAME = """
import os, signal, sys
from codegen.cli import main
tables = os.path.realpath("codegen/tables")
renames = 0
def hook(event, args):
    global renames
    if event == "os.rename" and str(args[1]).endswith(".toml") and os.path.dirname(os.path.realpath(args[1])) == tables:
        renames += 1
        if renames == 2:
            os.kill(os.getpid(), signal.{signal})
sys.addaudithook(hook)
sys.exit(main(sys.argv[1:]))
"""


def sync_signalled(project: Path, signal_name: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = SIGNAL_AT_RENAME.replace("{signal}", signal_name)
    return subprocess.run(
        [sys.executable, "-c", script, "sync", *args], cwd=project, capture_output=True, text=True
    )


def test_sigterm_while_the_tables_are_renamed_waits_until_they_all_are(project: Path) -> None:
    fork = upstream_with(project.parent, *REMOVE_XGLM_EVERYWHERE)
    expected = synced_copy(project, fork, "clean")
    result = sync_signalled(project, "SIGTERM", str(fork), str(CONFIGS))
    assert result.returncode == 128 + 15, result.stderr
    assert table_texts(project) == expected
    assert codegen(project, "sync", str(fork), str(CONFIGS), "--dry-run").stdout.splitlines()[-1] == (
        "no change: the tables match upstream"
    )


def test_a_sync_killed_between_two_renames_is_finished_by_the_next_and_refused_by_readers(project: Path) -> None:
    fork = upstream_with(project.parent, *REMOVE_XGLM_EVERYWHERE)
    expected = synced_copy(project, fork, "clean")
    before = table_texts(project)
    killed = sync_signalled(project, "SIGKILL", str(fork), str(CONFIGS))
    assert killed.returncode == -9, killed.stderr
    half = table_texts(project)
    assert half != before and half != expected  # one table renamed, the others not
    for command in (["generate"], ["sync", str(fork), str(CONFIGS), "--dry-run"]):
        refused = codegen(project, *command)
        assert refused.returncode == 2, refused.stderr
        assert refused.stderr.startswith(
            "codegen/tables/.sync-journal.json: a sync was killed while it renamed the tables into place"
        ), refused.stderr
    again = codegen(project, "sync", str(fork), str(CONFIGS))
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("finished the write of a killed sync: ") == 2
    assert again.stdout.splitlines()[-1] == "no change: the tables match upstream"
    assert table_texts(project) == expected
    assert sorted(path.name for path in (project / TABLES).iterdir() if path.name.startswith(".")) == []


JOURNALS = {
    "kept names a file outside": lambda victim: [["configs.toml", "configs.toml.sync-new", f"{victim}"]],
    "target is a file outside": lambda victim: [[f"{victim}", ".configs.toml.x.sync-new", ".configs.toml.x.sync-old"]],
}


@pytest.mark.parametrize("case", JOURNALS)
def test_a_journal_that_names_what_sync_did_not_write_is_refused_and_nothing_is_touched(
    project: Path, case: str
) -> None:
    """A journal is just a file in the tables folder (a commit may bring one): it must not rename or delete at will."""
    victim = project.parent / "precious.txt"
    victim.write_text("mine\n")
    tables = project / TABLES
    (tables / ".configs.toml.x.sync-new").write_text("staged by nobody\n")
    journal = tables / ".sync-journal.json"
    journal.write_text(json.dumps(JOURNALS[case](os.path.relpath(victim, tables))))
    before = table_texts(project)
    result = codegen(project, "sync", "--from-installed")
    assert result.returncode == 2, result.stdout
    assert "which are not a table of this folder and sync's own files beside it; nothing was renamed or deleted" in result.stderr
    assert victim.read_text() == "mine\n"
    assert table_texts(project) == before and journal.exists()


def test_sync_keeps_each_tables_mode_and_writes_through_a_symlink(project: Path) -> None:
    fork = upstream_with(project.parent, *REMOVE_XGLM_EVERYWHERE)
    expected = synced_copy(project, fork, "clean")
    tables = project / TABLES
    shared = project.parent / "shared-tables"
    shared.mkdir()
    (tables / "model.toml").rename(shared / "model.toml")
    (tables / "model.toml").symlink_to(shared / "model.toml")
    (tables / "causal_lm.toml").chmod(0o600)
    (tables / "configs.toml").chmod(0o664)
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 0, result.stderr
    assert table_texts(project) == expected
    assert (tables / "model.toml").is_symlink() and (shared / "model.toml").read_text() == expected["model.toml"]
    assert sorted(path.name for path in shared.iterdir()) == ["model.toml"]
    assert (tables / "causal_lm.toml").stat().st_mode & 0o777 == 0o600
    assert (tables / "configs.toml").stat().st_mode & 0o777 == 0o664


@pytest.mark.parametrize("case", ["read-only", "hard link"])
def test_a_table_a_rename_would_not_keep_is_refused_before_anything_is_written(project: Path, case: str) -> None:
    fork = upstream_with(project.parent, *REMOVE_XGLM_EVERYWHERE)
    configs = project / TABLES / "configs.toml"
    if case == "read-only":
        configs.chmod(0o444)
        reason = "codegen/tables/configs.toml is read-only (mode -r--r--r--); make it writable first"
    else:
        os.link(configs, project.parent / "configs-elsewhere.toml")
        reason = "codegen/tables/configs.toml has 2 hard links, which a rewrite would split"
    before = table_states(project)
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 3, result.stderr
    assert reason in result.stderr
    assert table_states(project) == before


def test_a_second_sync_waits_for_the_one_holding_the_tables(project: Path) -> None:
    fork = upstream_with(project.parent, *REMOVE_XGLM_EVERYWHERE)
    before = table_texts(project)
    holder = os.open(project / TABLES, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # what a running sync holds
        waiting = subprocess.Popen(
            [sys.executable, "-m", "codegen", "sync", str(fork), str(CONFIGS)],
            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=5)
        assert table_texts(project) == before
    finally:
        os.close(holder)
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert out.splitlines()[-1] == "3 change(s) written to 3 file(s); now run `make generate`"


# What the user wrote on a row is kept, and a change that meets it is refused (issue 17 item 3).


def upstream_tree(folder: Path, config_edits: list[tuple[str, str]], *defined: tuple[str, str]) -> Path:
    """A transformers-like tree: the installed configuration_auto.py with each edit made once, the
    installed modeling_flax_auto.py, and `class NAME` in each (file under models/, NAME) given."""
    auto = folder / "transformers" / "models" / "auto"
    auto.mkdir(parents=True)
    text = CONFIGS.read_text()
    for old, new in config_edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (auto / CONFIGS.name).write_text(text)
    shutil.copy(MODELING, auto / MODELING.name)
    for file, name in defined:
        path = auto.parent / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"class {name}:\n    pass\n")
    return auto / CONFIGS.name


# What the rows below name outside transformers: real modules in the project, which runs on sys.path there.
OWN_MODULES = {
    "my_flax/modeling_gptj.py": ("FlaxGPTJModel", "FlaxGPTJForCausalLM"),
    "my_flax/configuration_gptj.py": ("GPTJConfig", "GPTJNewConfig"),
    "my_pkg/configuration_my.py": ("MyConfig",),
    "my_pkg/modeling_my.py": ("FlaxMyModel", "FlaxMyModelForCausalLM"),
}


def make_own_modules(project: Path) -> None:
    for file, names in OWN_MODULES.items():
        (project / file).parent.mkdir(exist_ok=True)
        (project / file).write_text("".join(f"class {name}:\n    pass\n\n\n" for name in names))


def set_config_row(project: Path, old: str, new: str) -> int:
    """Replace one line of configs.toml (the modules it may name made real); the line's number."""
    make_own_modules(project)
    path = project / TABLES / "configs.toml"
    text = path.read_text()
    assert text.count(f"\n{old}\n") == 1, old
    path.write_text(text.replace(f"\n{old}\n", f"\n{new}\n"))
    return line_of(path, new)


GPTJ_CONFIG = ('("gptj", "GPTJConfig")', '("gptj", "GPTJNewConfig")')


def test_a_changed_config_class_keeps_every_other_key_the_row_names(project: Path) -> None:
    row = '{ package = "gptj", models = "my_flax.modeling_gptj", config = "GPTJConfig" }'
    set_config_row(project, 'gptj = "GPTJConfig"', f"gptj = {row}")
    configs = upstream_tree(project.parent, [GPTJ_CONFIG], ("gptj/configuration_gptj.py", "GPTJNewConfig"))
    result = codegen(project, "sync", str(configs.parent / MODELING.name), str(configs))
    assert result.returncode == 0, result.stderr
    assert "  changed  gptj = GPTJConfig -> GPTJNewConfig  (configuration_auto.py:" in result.stdout
    assert tomllib.loads(table_texts(project)["configs.toml"])["configs"]["gptj"] == {
        "package": "gptj", "models": "my_flax.modeling_gptj", "config": "GPTJNewConfig"
    }
    assert 'gptj = { package = "gptj", models = "my_flax.modeling_gptj", config = "GPTJNewConfig" }\n' in (
        table_texts(project)["configs.toml"]
    )


def test_a_new_config_class_for_a_row_with_its_own_module_is_refused_at_both_lines(project: Path) -> None:
    line = set_config_row(
        project, 'gptj = "GPTJConfig"', 'gptj = { config = "GPTJConfig", module = "my_flax.configuration_gptj" }'
    )
    configs = upstream_tree(project.parent, [GPTJ_CONFIG], ("gptj/configuration_gptj.py", "GPTJNewConfig"))
    before = table_texts(project)
    result = codegen(project, "sync", str(configs.parent / MODELING.name), str(configs))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"codegen/tables/configs.toml:{line}: upstream now names 'gptj''s config class GPTJNewConfig "
        f"({configs}:{line_of(configs, 'GPTJNewConfig')}), and this row imports GPTJConfig from "
        "my_flax.configuration_gptj: change the row by hand"
    )
    assert table_texts(project) == before


def test_an_upstream_row_for_a_model_type_whose_classes_are_the_users_is_refused_at_both_lines(project: Path) -> None:
    line = set_config_row(project, 'gptj = "GPTJConfig"', 'gptj = { config = "GPTJConfig", models = "my_flax.modeling_gptj" }')
    fork = upstream_with(project.parent, ('("gptj", "FlaxGPTJForCausalLM")', '("gptj", "FlaxGPTJLMHeadModel")'))
    before = table_texts(project)
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"codegen/tables/configs.toml:{line}: upstream now maps 'gptj' to FlaxGPTJLMHeadModel in "
        f"FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES ({fork}:{line_of(fork, 'FlaxGPTJLMHeadModel')}), and this row "
        "takes its model classes from my_flax.modeling_gptj: add the row or change this one by hand"
    )
    assert table_texts(project) == before


# case -> (the upstream row after which upstream adds mymodel, its class, the upstream table).
ADOPTIONS = {
    "in another table": (GPT2_ROW, "FlaxMyModelForCausalLM", "FLAX_MODEL_FOR_CAUSAL_LM_MAPPING_NAMES"),
    "same table, same class name": ('("gpt2", "FlaxGPT2Model")', "FlaxMyModel", "FLAX_MODEL_MAPPING_NAMES"),
}


@pytest.mark.parametrize("case", ADOPTIONS)
def test_upstream_adopting_the_model_type_of_a_model_of_your_own_is_refused_at_both_lines(
    project: Path, case: str
) -> None:
    """configs.toml [extension] says `mymodel` is the user's (config and classes from my_pkg), and
    model.toml serves it; upstream now has a `mymodel` of its own, with its own config class.
    Even a class of the same name is upstream's, not the user's: sync used to drop it silently."""
    after, model_class, table = ADOPTIONS[case]
    make_own_modules(project)
    configs_toml = project / TABLES / "configs.toml"
    configs_toml.write_text(
        configs_toml.read_text()
        + '\n[extension]\nmymodel = { config = "MyConfig", module = "my_pkg.configuration_my", models = "my_pkg.modeling_my" }\n'
    )
    model_toml = project / TABLES / "model.toml"
    assert model_toml.read_text().rindex("[extension]") > model_toml.read_text().rindex("[models]")
    model_toml.write_text(model_toml.read_text() + 'mymodel = "FlaxMyModel"\n')
    fork = upstream_with(project.parent, (after, f'{after},\n        ("mymodel", "{model_class}")'))
    configs = upstream_tree(
        project.parent / "tree",
        [('("gpt2", "GPT2Config"),', '("gpt2", "GPT2Config"),\n        ("mymodel", "MyModelConfig"),')],
    )
    before = table_texts(project)
    result = codegen(project, "sync", str(fork), str(configs))
    assert result.returncode == 2, result.stdout
    assert result.stderr.splitlines()[0] == (
        f"codegen/tables/configs.toml:{line_of(configs_toml, 'mymodel = ')}: upstream now has model_type 'mymodel': "
        f"{model_class} in {table} ({fork}:{line_of(fork, 'mymodel')}), "
        f"its config class MyModelConfig ({configs}:{line_of(configs, 'MyModelConfig')}); this extension row makes it "
        "a model of your own (MyConfig from my_pkg.configuration_my): rename your model_type"
    )
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
    "through another name": f'_rows = {CAUSAL}\n_rows.pop("gpt2")',
    "through a tuple": f'for _rows in ({CAUSAL},):\n    _rows.pop("gpt2")',
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


def test_a_row_whose_value_spans_lines_is_changed_or_removed_whole(project: Path) -> None:
    """A multi-line string is one row: sync used to leave its other lines behind, and refuse its own edit."""
    path = project / TABLES / "causal_lm.toml"
    text = path.read_text()
    for old, new in [
        ('gpt_neo = "FlaxGPTNeoForCausalLM"\n', 'gpt_neo = """\\\nFlaxGPTNeoForCausalLM"""\n'),
        ('xglm = "FlaxXGLMForCausalLM"\n', "xglm = '''\nFlaxXGLMForCausalLM'''  # kept apart\n"),
    ]:
        assert text.count(old) == 1
        text = text.replace(old, new)
    path.write_text(text)
    assert tomllib.loads(text)["models"]["gpt_neo"] == "FlaxGPTNeoForCausalLM"
    fork = upstream_with(project.parent, REMOVE_XGLM, ('("gpt_neo", "FlaxGPTNeoForCausalLM")', '("gpt_neo", "FlaxGPTNeoModel")'))
    result = codegen(project, "sync", str(fork), str(CONFIGS))
    assert result.returncode == 0, result.stderr
    assert changed_lines(text, path.read_text()) == [
        '-gpt_neo = """\\',
        '-FlaxGPTNeoForCausalLM"""',
        '+gpt_neo = "FlaxGPTNeoModel"',
        "-xglm = '''",
        "-FlaxXGLMForCausalLM'''  # kept apart",
    ]


def test_readers_of_the_tables_wait_for_a_sync_writing_them(project: Path) -> None:
    """`list` reads the tables as generate and check do (load_tables): under their shared lock."""
    holder = os.open(project / TABLES, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # what a sync holds while it renames
        reader = subprocess.Popen(
            [sys.executable, "-m", "codegen", "list", "--format", "json"],
            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        with pytest.raises(subprocess.TimeoutExpired):
            reader.wait(timeout=5)
    finally:
        os.close(holder)
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    assert json.loads(out)


def test_a_sync_with_nothing_to_change_writes_nothing_not_even_its_journal(full_project: Path) -> None:
    tables = full_project / TABLES
    if not immutable(tables, True):
        pytest.skip("chattr +i is not available here (needs root on a filesystem that supports it)")
    try:
        result = codegen(full_project, "sync", str(MODELING), str(CONFIGS))
    finally:
        immutable(tables, False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "no change: the tables match upstream"


def test_config_rows_follow_upstreams_order_which_decides_a_shared_config_class(project: Path) -> None:
    """gpt-sw3 and gpt2 share GPT2Config; upstream resolves it to the model_type it lists last.
    Upstream listing them the other way round must move the rows, or the tables and upstream disagree."""
    sw3, gpt2 = '        ("gpt-sw3", "GPT2Config"),\n', '        ("gpt2", "GPT2Config"),\n'
    configs = project.parent / CONFIGS.name
    text = CONFIGS.read_text()
    assert text.count(sw3 + gpt2) == 1
    configs.write_text(text.replace(sw3 + gpt2, gpt2 + sw3))
    result = codegen(project, "sync", str(MODELING), str(configs))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "codegen/tables/configs.toml (config classes <- CONFIG_MAPPING_NAMES):",
        "  reordered  rows follow upstream's order",
        "1 change(s) written to 1 file(s); now run `make generate`",
    ]
    table = project / TABLES / "configs.toml"
    assert line_of(table, "gpt2 = ") < line_of(table, '"gpt-sw3" = ')


def test_an_upstream_file_that_is_a_named_pipe_is_refused_not_waited_on(project: Path) -> None:
    fifo = project.parent / "modeling_flax_auto.py"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "sync", str(fifo), "--dry-run"],
        cwd=project, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"{fifo}: cannot read: not a regular file (a named pipe)")
