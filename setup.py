"""Packaging metadata lives in setup.cfg; this file only declares the compiled fast path.

``tinygraph/autograd/_fastpath.c`` is optional: where no C compiler is available the build
carries on without it and tinygraph runs its pure-Python engine (the same algorithm).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "tinygraph.autograd._fastpath",
            sources=["tinygraph/autograd/_fastpath.c"],
            optional=True,
        )
    ]
)
