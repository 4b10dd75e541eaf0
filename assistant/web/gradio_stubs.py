"""Gradio without its import-time stub rewriting.

Each time `gradio` is imported, every component class it defines re-reads and re-parses its own
source file to rewrite the `.pyi` type stub beside it (`gradio.component_meta.create_or_modify_pyi`),
a step for Gradio's own development: the installed wheel ships those stubs already. On this
project's 2-core machines it was about half of importing Gradio (2.9 s down to 1.5 s), and so a
sixth of the chat's start-up. `skip_stub_rewriting` makes the step do nothing in this process;
nothing else about Gradio changes. It must run before Gradio is first imported, so the web
package calls it from its `__init__`.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

STUB_MODULE = "gradio.component_meta"
STUB_FUNCTION = "create_or_modify_pyi"


def _no_stub_rewrite(*_args: Any, **_kwargs: Any) -> None:
    """Stands in for Gradio's stub rewriting: the installed stubs stay as they are."""


class StubRewritingSkipper(importlib.abc.MetaPathFinder):
    """Finds `module` as usual and, once it has run, swaps its `function` for one that does nothing,
    before any other module can call it; then steps aside."""

    def __init__(self, module: str = STUB_MODULE, function: str = STUB_FUNCTION) -> None:
        self.module = module
        self.function = function
        self.done = False

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.module or self.done:
            return None
        self.done = True
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run_module(module)
            if hasattr(module, self.function):
                setattr(module, self.function, _no_stub_rewrite)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def skip_stub_rewriting() -> None:
    """Make Gradio's import skip rewriting its stubs in this process (nothing when it is imported
    already: its components are defined by then)."""
    if STUB_MODULE in sys.modules or any(isinstance(f, StubRewritingSkipper) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, StubRewritingSkipper())
