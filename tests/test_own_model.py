"""A model of your own, served through a table row: generated, built, saved, loaded, documented, typed.

tests/own_models is a tiny package outside transformers (a TinyMlpConfig and a
FlaxPreTrainedModel subclass over a few lines of flax.linen). The committed
flax_auto must not import the test suite, so the test copies the project's
inputs, adds the model's rows there (a config row naming its modules under
[extension] of configs.toml, a row under [extension] of model.toml), generates
a package from them, and uses that package in a fresh interpreter and with
pyright. No register() call anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_support import INPUTS, copy_project, run

OWN_PACKAGE_ROOT = Path(__file__).parent  # holds own_models/
TABLES = "codegen/tables"
CONFIG_ROW = (
    '"tiny-mlp" = { config = "TinyMlpConfig", module = "own_models.configuration_tiny_mlp", '
    'models = "own_models.modeling_flax_tiny_mlp" }\n'
)
MODEL_ROW = '"tiny-mlp" = "FlaxTinyMlpModel"\n'

USE_IT = """
import inspect, json, sys
import jax, numpy as np
import flax_auto
from flax_auto import CONFIG_MAPPING, FLAX_MODEL_MAPPING, AutoModelClass, FlaxAutoModel, model_class_for
from own_models.configuration_tiny_mlp import TinyMlpConfig
from own_models.modeling_flax_tiny_mlp import FlaxTinyMlpModel
from transformers.models.auto.configuration_auto import CONFIG_MAPPING as UPSTREAM_CONFIGS

model = FlaxAutoModel.from_config(TinyMlpConfig(), seed=0)
model.save_pretrained(sys.argv[1])
loaded = FlaxAutoModel.from_pretrained(sys.argv[1])
leaves = [jax.tree_util.tree_leaves(m.params) for m in (model, loaded)]
try:
    FlaxAutoModel.register(TinyMlpConfig, FlaxTinyMlpModel)
    refused = ""
except ValueError as error:
    refused = str(error)
print(json.dumps({
    "package": flax_auto.__file__,
    "built": type(model).__name__,
    "loaded": type(loaded).__name__,
    "same_params": len(leaves[0]) > 0 and all(np.array_equal(a, b) for a, b in zip(*leaves, strict=True)),
    "shape": list(loaded(np.array([[1, 2, 3]])).last_hidden_state.shape),
    "dispatch": [model_class_for("tiny-mlp") is FlaxTinyMlpModel, model_class_for(TinyMlpConfig()) is FlaxTinyMlpModel],
    "config_table": CONFIG_MAPPING["tiny-mlp"] is TinyMlpConfig and "tiny-mlp" not in UPSTREAM_CONFIGS,
    "documented": "\\n- tiny-mlp (TinyMlpConfig): FlaxTinyMlpModel\\n" in inspect.cleandoc(FlaxAutoModel.__doc__),
    "register": FlaxAutoModel.register.__func__ is AutoModelClass.register.__func__,
    "row": FLAX_MODEL_MAPPING.model_types["tiny-mlp"] is FlaxTinyMlpModel,
    "refused": refused,
}))
"""

TYPES = """
from typing import assert_type

from transformers.modeling_flax_utils import FlaxPreTrainedModel

from flax_auto import FlaxAutoModel, model_class_for
from own_models.configuration_tiny_mlp import TinyMlpConfig
from own_models.modeling_flax_tiny_mlp import FlaxTinyMlpModel

assert_type(FlaxAutoModel.from_config(TinyMlpConfig()), FlaxTinyMlpModel)
assert_type(FlaxAutoModel.from_pretrained("ckpt", config=TinyMlpConfig()), FlaxTinyMlpModel)
assert_type(model_class_for(TinyMlpConfig()), type[FlaxTinyMlpModel])
# Must be an error: the inferred type is the own class, not the base type.
assert_type(FlaxAutoModel.from_config(TinyMlpConfig()), FlaxPreTrainedModel)  # pyright: ignore[reportAssertTypeFailure]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's inputs with the own model's two rows, and the package generated from them."""
    root = copy_project(tmp_path_factory.mktemp("own-model") / "project", INPUTS)
    configs = root / TABLES / "configs.toml"
    configs.write_text(configs.read_text() + "\n# Models of our own.\n[extension]\n" + CONFIG_ROW)
    model_table = root / TABLES / "model.toml"
    assert model_table.read_text().rstrip().rsplit("\n[", 1)[1].startswith("extension]")  # the last section
    model_table.write_text(model_table.read_text() + MODEL_ROW)
    code, _, stderr = run("generate", "--root", str(root))
    assert code == 0, stderr
    return root


def test_the_own_model_is_built_saved_loaded_and_documented_through_its_row(project: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project / "generated"), str(OWN_PACKAGE_ROOT)])}
    result = subprocess.run(
        [sys.executable, "-c", USE_IT, str(tmp_path / "checkpoint")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(found.pop("package")).parent == project / "generated" / "flax_auto"
    assert found.pop("refused").startswith("'<class 'own_models.configuration_tiny_mlp.TinyMlpConfig'>' is already used")
    assert found == {
        "built": "FlaxTinyMlpModel",
        "loaded": "FlaxTinyMlpModel",
        "same_params": True,
        "shape": [1, 3, 8],
        "dispatch": [True, True],
        "config_table": True,
        "documented": True,
        "register": True,
        "row": True,
    }


def test_pyright_infers_the_own_class_through_the_generated_overloads(project: Path) -> None:
    (project / "check_types.py").write_text(TYPES)
    (project / "pyrightconfig.json").write_text(
        json.dumps(
            {
                "include": ["check_types.py"],
                "extraPaths": ["generated", str(OWN_PACKAGE_ROOT)],
                "pythonVersion": "3.11",
                "reportUnnecessaryTypeIgnoreComment": "error",
            }
        )
    )
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )
    report = json.loads(result.stdout)
    errors = [f"{d['range']['start']['line'] + 1}: {d['message']}" for d in report["generalDiagnostics"]]
    assert errors == [], "\n".join(errors)
    assert report["summary"]["filesAnalyzed"] == 1


def test_the_package_with_the_own_rows_passes_the_projects_linter(project: Path) -> None:
    """The own modules sort among the third-party imports, as ruff's isort rules want them."""
    package = project / "generated" / "flax_auto"
    config = Path(__file__).parent.parent / "pyproject.toml"
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(config), str(package)],
        cwd=project, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "from own_models.modeling_flax_tiny_mlp import FlaxTinyMlpModel" in (package / "model.py").read_text()
