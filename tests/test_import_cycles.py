"""A row may not import from the generated package: its module inside it, or a module that imports it.

flax_auto imports every row's module while it is imported, so either would
be a circular import that generate and check cannot see and `import flax_auto`
hits. Validation refuses both at the row's file:line (exit 2, nothing
written), naming each import on the way back to the package.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from codegen_support import copy_project, edit, run, snapshot

from codegen.build import OUTPUT, load_tables

PACKAGE = OUTPUT.name

CONFIG_ROW = '"cyclic" = {{ config = "CyclicConfig", module = "{module}", models = "{models}" }}\n'
MODEL_ROW = '"cyclic" = "FlaxCyclicModel"\n'
CONFIG_SOURCE = "class CyclicConfig:\n    model_type = 'cyclic'\n"


def project(root: Path, module: str, models: str) -> Path:
    """The project's inputs with one extension row of ours; returns the config table's path."""
    copy_project(root)
    configs = root / "codegen" / "tables" / "configs.toml"
    configs.write_text(configs.read_text() + "\n[extension]\n" + CONFIG_ROW.format(module=module, models=models))
    edit(root / "codegen" / "tables" / "model.toml", "[extension]\n", "[extension]\n" + MODEL_ROW)
    return configs


def own_package(src: Path, files: dict[str, str]) -> None:
    """A package `cyclic_models` of yours under src, with the given modules."""
    package = src / "cyclic_models"
    package.mkdir(parents=True)
    for name, text in {"__init__.py": "", "configuration.py": CONFIG_SOURCE, **files}.items():
        (package / name).write_text(text)


def row_line(configs: Path) -> int:
    return next(number for number, line in enumerate(configs.read_text().splitlines(), 1) if line.startswith('"cyclic"'))


def generate_refused(root: Path) -> str:
    """generate and check both exit 2; the package is left as it was. Returns generate's stderr."""
    out = root / "generated" / PACKAGE
    before = snapshot(out)
    code, _, err = run("generate", "--root", str(root))
    assert code == 2, err
    assert "nothing was written" in err
    assert snapshot(out) == before
    assert run("check", "--root", str(root))[0] == 2
    return err


@pytest.mark.parametrize("key", ["module", "models"])
def test_a_row_whose_module_is_inside_the_generated_package_is_refused(key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own_package(tmp_path / "src", {"modeling.py": "class FlaxCyclicModel:\n    pass\n"})
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    modules = {"module": "cyclic_models.configuration", "models": "cyclic_models.modeling"}
    modules[key] = f"{PACKAGE}.causal_lm"
    configs = project(tmp_path, **modules)
    err = generate_refused(tmp_path)
    assert (
        f"codegen/tables/configs.toml:{row_line(configs)}: {key} is inside the generated package {PACKAGE}: "
        f"importing {PACKAGE} would import it back (a circular import); name the module that defines the class: "
        f"'{PACKAGE}.causal_lm'"
    ) in err.splitlines()


def test_a_row_whose_module_imports_the_package_while_it_loads_is_refused_with_the_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    own_package(
        src,
        {
            "modeling.py": "from . import helpers\n\n\nclass FlaxCyclicModel:\n    pass\n",
            "helpers.py": f'"""Helpers."""\n\nfrom {PACKAGE} import FlaxAutoModel\n',
        },
    )
    monkeypatch.syspath_prepend(str(src))
    configs = project(tmp_path, "cyclic_models.configuration", "cyclic_models.modeling")
    err = generate_refused(tmp_path)
    package = src / "cyclic_models"
    assert (
        f"codegen/tables/configs.toml:{row_line(configs)}: models imports the generated package {PACKAGE} while it "
        f"loads (cyclic_models.modeling imports cyclic_models.helpers ({package / 'modeling.py'}:1); "
        f"cyclic_models.helpers imports {PACKAGE} ({package / 'helpers.py'}:3)): "
        f"importing {PACKAGE} would import it back (a circular import): 'cyclic_models.modeling'"
    ) in err.splitlines()


def test_a_cycle_through_the_package_above_the_module_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing cyclic_models.configuration runs cyclic_models/__init__.py first."""
    src = tmp_path / "src"
    own_package(src, {"modeling.py": "class FlaxCyclicModel:\n    pass\n"})
    (src / "cyclic_models" / "__init__.py").write_text(f"try:\n    import {PACKAGE}.causal_lm\nexcept ImportError:\n    pass\n")
    monkeypatch.syspath_prepend(str(src))
    project(tmp_path, "cyclic_models.configuration", "cyclic_models.modeling")
    err = generate_refused(tmp_path)
    init = src / "cyclic_models" / "__init__.py"
    assert f"module imports the generated package {PACKAGE} while it loads (cyclic_models imports {PACKAGE}.causal_lm ({init}:2))" in err
    assert f"models imports the generated package {PACKAGE} while it loads (cyclic_models imports {PACKAGE}.causal_lm ({init}:2))" in err


def test_imports_that_do_not_run_at_import_time_are_no_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import inside a function, or under `if TYPE_CHECKING:`, runs after flax_auto is loaded, or never."""
    src = tmp_path / "src"
    own_package(
        src,
        {
            "modeling.py": (
                "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                f"    from {PACKAGE} import FlaxAutoModel\n\n\n"
                "class FlaxCyclicModel:\n    def auto(self):\n"
                f"        from {PACKAGE} import FlaxAutoModel\n\n        return FlaxAutoModel\n"
            )
        },
    )
    monkeypatch.syspath_prepend(str(src))
    project(tmp_path, "cyclic_models.configuration", "cyclic_models.modeling")
    code, out, err = run("generate", "--root", str(tmp_path))
    assert code == 0, err


def test_the_class_check_and_the_cycle_check_read_each_source_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both checks read a row's modules: once between them (at 10,000 rows, 20,000 reads and parses, not 40,000).

    An empty module (the package's __init__.py) is read but not parsed.
    """
    src = tmp_path / "src"
    own_package(src, {"modeling.py": "from .configuration import CyclicConfig\n\n\nclass FlaxCyclicModel:\n    pass\n"})
    monkeypatch.syspath_prepend(str(src))
    project(tmp_path, "cyclic_models.configuration", "cyclic_models.modeling")
    parsed: list[str] = []
    parse = ast.parse

    def counted(source: Any, filename: str = "<unknown>", *args: Any, **kwargs: Any) -> ast.Module:
        parsed.append(str(filename))
        return parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counted)
    load_tables(tmp_path)
    package = src / "cyclic_models"
    assert sorted(name for name in parsed if name.startswith(str(src))) == [str(package / "configuration.py"), str(package / "modeling.py")]


def test_rows_that_share_modules_are_each_searched_and_each_chain_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One search's modules that lead nowhere are not searched again (10,000 rows share their packages),
    but a module on a chain to the package is: every row that reaches it is refused."""
    src = tmp_path / "src"
    leads_back = {"one": False, "two": True, "three": False, "four": True}
    own_package(
        src,
        {
            "common.py": '"""Shared by every row."""\n',
            "helpers.py": f"from {PACKAGE} import FlaxAutoModel\n",
            **{
                f"modeling_{name}.py": f"from . import common{', helpers' if back else ''}\n\n\nclass FlaxCyclicModel:\n    pass\n"
                for name, back in leads_back.items()
            },
        },
    )
    monkeypatch.syspath_prepend(str(src))
    configs = project(tmp_path, "cyclic_models.configuration", "cyclic_models.modeling_one")
    with configs.open("a") as table:
        for name in ("two", "three", "four"):
            table.write(CONFIG_ROW.format(module="cyclic_models.configuration", models=f"cyclic_models.modeling_{name}").replace('"cyclic"', f'"cyclic-{name}"'))
    err = generate_refused(tmp_path)
    refused = [line.rsplit(": ", 1)[-1] for line in err.splitlines() if "imports the generated package" in line]
    assert refused == [f"'cyclic_models.modeling_{name}'" for name, back in leads_back.items() if back]
