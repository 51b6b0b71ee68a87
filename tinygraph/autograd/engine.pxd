# Cython declarations for the compiled build of engine.py (setup.py); the plain-Python build
# ignores this file. Types only: the logic is engine.py's.
cimport cython
from tinygraph.autograd.node cimport Node

cpdef void _send(node, grad, dict pending, list heap, list sinks) except *

@cython.locals(i=Py_ssize_t, runs=bint, check_finite=bint, node=Node)
cpdef void _sweep(list heap, dict pending, list sinks, bint retain_graph, mode, capture,
                  needed) except *
