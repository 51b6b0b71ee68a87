cdef class Node:
    cdef public object parents, saved, origins, xp, seq, shape, dtype, module
    cdef dict __dict__
    cdef object __weakref__
