"""codegen.sources answers "does this module define that class?" from source, without importing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from codegen.imports import first_party_of
from codegen.sources import (
    SOURCE_LIMIT,
    defined_names,
    find_source,
    lookups_cached,
    missing_class,
    undefined_class,
)


def test_a_transformers_module_is_read_not_imported() -> None:
    script = (
        "import sys\n"
        "from codegen.sources import undefined_class\n"
        "print(undefined_class('transformers.models.bert.modeling_flax_bert', 'FlaxBertModel'),\n"
        "      undefined_class('transformers.models.bert.modeling_flax_bert', 'FlaxNoSuchModel'),\n"
        "      'transformers' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True", "False"]


def test_names_bound_conditionally_imported_or_assigned_count_as_defined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg_for_sources"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(
        "from other import Imported as Renamed\n"
        "Assigned = int\n"
        "if flag:\n"
        "    class InIf: ...\n"
        "else:\n"
        "    class InElse: ...\n"
        "try:\n"
        "    class InTry: ...\n"
        "except ImportError:\n"
        "    class InExcept: ...\n"
        "def function():\n"
        "    class Local: ...\n"
    )
    (package / "lazy.py").write_text("def __getattr__(name): ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert find_source("pkg_for_sources.mod") == str(package / "mod.py")
    assert find_source("pkg_for_sources") == str(package / "__init__.py")
    names = defined_names("pkg_for_sources.mod")
    assert names is not None
    assert {"Renamed", "Assigned", "InIf", "InElse", "InTry", "InExcept", "function"} <= names
    assert "Local" not in names and "Imported" not in names
    assert undefined_class("pkg_for_sources.mod", "Local")
    # Where the source cannot tell (lazy module, no file at all), nothing is claimed.
    assert not undefined_class("pkg_for_sources.lazy", "Anything")
    assert not undefined_class("pkg_for_sources.missing", "Anything")
    assert not undefined_class("no_such_top_level_package.mod", "Anything")


def test_a_package_folder_is_read_before_a_module_file_of_the_same_name(tmp_path: Path) -> None:
    """Python imports acme/models/__init__.py, not acme/models.py: the class must be looked for there."""
    (tmp_path / "acme" / "models").mkdir(parents=True)
    (tmp_path / "acme" / "__init__.py").write_text("")
    (tmp_path / "acme" / "models.py").write_text("class FlaxAcmeModel: ...\n")
    (tmp_path / "acme" / "models" / "__init__.py").write_text("")
    assert find_source("acme.models", [tmp_path]) == str(tmp_path / "acme" / "models" / "__init__.py")
    names = defined_names("acme.models", [tmp_path])
    assert names is not None and "FlaxAcmeModel" not in names
    imported = subprocess.run(
        [sys.executable, "-c", "import acme.models; print(hasattr(acme.models, 'FlaxAcmeModel'))"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert imported.stdout == "False\n"  # what Python itself imports


def test_a_class_imported_only_under_type_checking_is_not_defined(tmp_path: Path) -> None:
    """Python skips `if TYPE_CHECKING:`, so `from acme.configuration_acme import AcmeConfig` would fail at import."""
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "__init__.py").write_text("")
    (tmp_path / "acme" / "configuration_acme.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from acme.real import AcmeConfig\nelse:\n    OtherConfig = object\n"
    )
    names = defined_names("acme.configuration_acme", [tmp_path])
    assert names is not None and "AcmeConfig" not in names and "OtherConfig" in names


def test_what_is_not_a_regular_source_file_is_never_opened_or_read_whole(tmp_path: Path) -> None:
    """A pipe would block the read, a link to /dev/zero would read until memory ran out, and a huge
    file is no module of anyone's: none of them is taken for a source, and the check says why."""
    package = tmp_path / "acme"
    package.mkdir()
    (package / "__init__.py").write_text("")
    os.mkfifo(package / "piped.py")
    (package / "endless.py").symlink_to("/dev/zero")
    (package / "huge.py").write_bytes(b"class FlaxHugeModel: ...\n" + b"#" * SOURCE_LIMIT)
    (package / "fine.py").write_text("class FlaxFineModel: ...\n")
    assert find_source("acme.piped", [tmp_path]) is None
    assert find_source("acme.endless", [tmp_path]) is None
    assert find_source("acme.huge", [tmp_path]) == str(package / "huge.py")
    assert defined_names("acme.huge", [tmp_path]) is None
    assert defined_names("acme.fine", [tmp_path]) == {"FlaxFineModel"}
    label = lambda path: path.relative_to(tmp_path).as_posix()  # noqa: E731
    assert missing_class("acme.piped", "FlaxPipedModel", "model class", [tmp_path], label) == (
        "module acme.piped not found on the source paths (.) nor on the generator's sys.path"
    )
    assert missing_class("acme.huge", "FlaxHugeModel", "model class", [tmp_path], label) == (
        "acme/huge.py cannot be read or does not parse, or binds names through `import *` or a module "
        "__getattr__, so it cannot be shown to define the model class"
    )
    assert missing_class("acme.fine", "FlaxFineModel", "model class", [tmp_path], label) is None


def test_within_one_validation_each_folder_is_listed_once_and_each_file_read_once(tmp_path: Path) -> None:
    """At 10,000 rows that is what a cached check costs: a listing per package, a read per module."""
    package = tmp_path / "acme"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "one.py").write_text("class One: ...\n")
    with lookups_cached():
        assert defined_names("acme.one", [tmp_path]) == {"One"}
        (package / "one.py").write_text("class Changed: ...\n")
        (package / "two.py").write_text("class Two: ...\n")
        assert defined_names("acme.one", [tmp_path]) == {"One"}  # read once: the disk does not change under it
        assert find_source("acme.two", [tmp_path]) is None  # the folder was listed before two.py was written
    # Outside a validation, every lookup reads the disk anew.
    assert defined_names("acme.one", [tmp_path]) == {"Changed"}
    assert defined_names("acme.two", [tmp_path]) == {"Two"}


def test_a_link_that_loops_is_no_module_and_no_package(tmp_path: Path) -> None:
    """Python's import skips it; so does the lookup, rather than fail the whole run with ELOOP."""
    package = tmp_path / "acme"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "loop.py").symlink_to("loop.py")
    (package / "circle").symlink_to("circle")
    assert find_source("acme.loop", [tmp_path]) is None
    assert find_source("acme.circle", [tmp_path]) is None
    assert find_source("acme.circle.inner", [tmp_path]) is None
    (tmp_path / "circle").symlink_to("circle")  # beside the package: its imports are still first-party
    first_party = first_party_of("flax_auto", [tmp_path])
    assert first_party("acme.models") and first_party("flax_auto.model") and not first_party("transformers")
