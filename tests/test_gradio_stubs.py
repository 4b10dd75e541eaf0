"""The chat imports Gradio without Gradio's import-time rewriting of its own type stubs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.web.gradio_stubs import StubRewritingSkipper


def _package(root: Path) -> None:
    """A package whose `meta.rewrite` writes a file when `classes` is imported, as Gradio's
    component metaclass rewrites a stub for each component it defines."""
    package = root / "stubdemo"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "meta.py").write_text(
        "from pathlib import Path\n"
        "def rewrite(name):\n"
        "    (Path(__file__).parent / (name + '.pyi')).write_text('stub')\n",
        encoding="utf-8",
    )
    (package / "classes.py").write_text(
        "from stubdemo.meta import rewrite\nrewrite('First')\nrewrite('Second')\nDEFINED = True\n",
        encoding="utf-8",
    )


def _import_fresh(root: Path, skipper: StubRewritingSkipper | None) -> None:
    sys.path.insert(0, str(root))
    if skipper is not None:
        sys.meta_path.insert(0, skipper)
    try:
        import stubdemo.classes

        assert stubdemo.classes.DEFINED
    finally:
        sys.path.remove(str(root))
        if skipper is not None and skipper in sys.meta_path:
            sys.meta_path.remove(skipper)
        for name in [m for m in sys.modules if m == "stubdemo" or m.startswith("stubdemo.")]:
            del sys.modules[name]


def test_the_named_function_does_nothing_once_its_module_is_imported(tmp_path: Path) -> None:
    _package(tmp_path)
    _import_fresh(tmp_path, StubRewritingSkipper("stubdemo.meta", "rewrite"))
    assert not list((tmp_path / "stubdemo").glob("*.pyi"))


def test_without_the_skipper_the_function_runs(tmp_path: Path) -> None:
    """The package above does write its stubs when nothing intervenes: the test above can fail."""
    _package(tmp_path)
    _import_fresh(tmp_path, None)
    assert sorted(p.name for p in (tmp_path / "stubdemo").glob("*.pyi")) == ["First.pyi", "Second.pyi"]


@pytest.mark.subprocess
def test_gradio_imported_through_the_web_layer_skips_its_stub_rewriting() -> None:
    """A fresh interpreter (this one may have imported Gradio already): if Gradio renames or moves
    the function, this fails and `gradio_stubs` needs updating."""
    code = (
        "import assistant.web, gradio, gradio.component_meta as meta\n"
        "from assistant.web.gradio_stubs import _no_stub_rewrite\n"
        "print(meta.create_or_modify_pyi is _no_stub_rewrite, gradio.Textbox.__name__)\n"
    )
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["True", "Textbox"]
