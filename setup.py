"""Packaging metadata lives in setup.cfg. This file adds the optional compiled build.

The engine's hot path (the modules in ``COMPILED``) can be compiled by Cython from the very
same ``.py`` files (Cython's pure-Python mode: no ``.pyx``, no hand-written C). The compiled
modules go to ``tinygraph/autograd/_compiled/``, which ``tinygraph/autograd/__init__.py`` puts
first on the package's search path; ``TINYGRAPH_PURE_PYTHON=1`` skips them and ``tg.COMPILED``
says which build runs.

The build is opt-in and never required: it happens only when ``TINYGRAPH_COMPILE=1`` is set
and Cython can be imported (``make build-compiled``, or ``pip install cython`` then
``TINYGRAPH_COMPILE=1 pip install --no-build-isolation .``). Without it, or when compiling
fails (no C compiler), tinygraph installs as plain Python.
"""

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

PACKAGE = "tinygraph/autograd"
COMPILED = ["node", "function", "engine", "modes", "mode", "versions", "api"]


class BuildIntoCompiled(build_ext):
    """Put each compiled module in ``_compiled/`` beside its source, and fall back to plain
    Python (a warning, not an error) when compiling fails."""

    def get_ext_filename(self, fullname: str) -> str:
        path = super().get_ext_filename(fullname)
        return os.path.join(os.path.dirname(path), "_compiled", os.path.basename(path))

    def copy_extensions_to_source(self) -> None:  # the in-place build (editable installs)
        for ext in self.extensions:
            filename = self.get_ext_filename(self.get_ext_fullname(ext.name))
            self.mkpath(os.path.dirname(filename))
            self.copy_file(os.path.join(self.build_lib, filename), filename, level=self.verbose)

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler failure means "plain Python"
            print(f"tinygraph: compiled build failed ({exc}); installing plain Python",
                  file=sys.stderr)


def compiled_extensions() -> list:
    if os.environ.get("TINYGRAPH_COMPILE") != "1":
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("tinygraph: TINYGRAPH_COMPILE=1 but Cython is not installed; plain Python",
              file=sys.stderr)
        return []
    sources = [f"{PACKAGE}/{name}.py" for name in COMPILED]
    return cythonize(sources, language_level=3, quiet=True, build_dir="build/cython",
                     compiler_directives={"binding": True, "annotation_typing": False})


setup(ext_modules=compiled_extensions(), cmdclass={"build_ext": BuildIntoCompiled})
