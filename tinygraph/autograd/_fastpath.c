/* The compiled fast path of the engine: Op.apply, Op.save and the backward sweep, in C.
 *
 * This file is a transcription of Python functions, and they stay the reference:
 *
 *   op_apply(cls, *inputs, **attrs)   is  Op.apply       (tinygraph/autograd/function.py)
 *   save(self, *values)               is  Op.save        (same file)
 *   sweep(heap, pending, sinks, ...)  is  engine._sweep  (tinygraph/autograd/engine.py)
 *   fill_leaves(sinks, pending, ...)  is  engine._fill_leaves  (same file)
 *   OpFunction                        is  a public op function whose whole body is
 *                                         `return op.apply(...)`  (tinygraph/ops/functions.py)
 *
 * Read those first: every step here is the step of the same name there, in the same order,
 * and every uncommon case (errors, anomaly mode, hooks, create_graph, user Functions, more
 * than MAX_INPUTS inputs) calls the very Python helper the Python version calls. What C saves
 * is the interpreter's cost of the bookkeeping itself: frames, argument tuples, attribute
 * lookups by name (slots are read at their offsets), the heap's tuples. No array math happens
 * here; arrays are only passed along, compared by shape and added with `+`, so the
 * array-namespace seam is untouched.
 *
 * Built as an optional extension (setup.py); without it, or with TINYGRAPH_PURE_PYTHON=1 in
 * the environment, the Python versions run (tinygraph/autograd/fastpath.py is the switch).
 * The test suite runs on both, and tests/test_fastpath.py compares them in one process.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define MAX_INPUTS 8 /* more inputs than this: Op.apply's Python version */

/* -- what install() hands over --------------------------------------------------------- */

static PyTypeObject *Tensor, *Function, *AccumulateGrad, *Flags;
static PyObject *per_thread;          /* threading.local holding each thread's Flags */
static PyObject *seq_counter;         /* the itertools.count behind function._next_seq */
static PyObject *scalar_types;        /* backend.SCALAR_TYPES */
static PyObject *namespace_by_type;   /* backend._NAMESPACE_BY_TYPE */
static PyObject *versions;            /* the autograd.versions module */
static PyObject *output_only, *first_two_inputs;  /* origins of the two common cases */
/* Python helpers for everything off the hot path */
static PyObject *python_apply, *namespace_of, *grad_accumulator, *explain_forward_error,
    *as_output_array, *origins_of, *debug_record, *check_saved_versions, *run_hooks,
    *call_backward, *note_site, *check_finite, *unbroadcast, *freed_error, *accumulate;

/* slot offsets */
static Py_ssize_t node_saved, node_origins, node_xp, node_seq, node_shape, node_dtype,
    node_module;
static Py_ssize_t tensor_data, tensor_requires_grad, tensor_grad_fn, tensor_accumulator;
static Py_ssize_t flags_grad_enabled, flags_anomaly, flags_debug, flags_module;
static Py_ssize_t sink_shape, sink_hooks, sink_leaf_ref, tensor_grad;

static PyObject *s_forward, *s_backward, *s_shape, *s_dtype, *s_array_type, *s_item, *s_hooks,
    *s_array_io, *s_saved, *s_seq, *s_flags, *s_last_mutation, *s_data, *s_requires_grad,
    *s_grad_fn, *s_accumulator, *s_getattribute, *s_grad_enabled, *s_anomaly, *s_debug,
    *s_module, *s_unbroadcast, *s_flags_key, *s_grad, *s_base, *s_writeable;
static PyObject *empty_tuple;
static int installed = 0;

#define SLOT(obj, offset) (*(PyObject **)((char *)(obj) + (offset)))

/* Store a new reference to value in a slot (steals nothing). */
static inline void
slot_store(PyObject *obj, Py_ssize_t offset, PyObject *value)
{
    PyObject *old = SLOT(obj, offset);
    Py_INCREF(value);
    SLOT(obj, offset) = value;
    Py_XDECREF(old);
}

/* Store value in a slot, taking over the caller's reference. */
static inline void
slot_give(PyObject *obj, Py_ssize_t offset, PyObject *value)
{
    PyObject *old = SLOT(obj, offset);
    SLOT(obj, offset) = value;
    Py_XDECREF(old);
}

/* Read a slot as a new reference; an unset slot is read by name, so the class's own rules
 * (Tensor.__getattr__'s defaults, AttributeError) apply. */
static inline PyObject *
slot_read(PyObject *obj, Py_ssize_t offset, PyObject *name)
{
    PyObject *value = SLOT(obj, offset);
    if (value != NULL) {
        return Py_NewRef(value);
    }
    return PyObject_GetAttr(obj, name);
}

/* The offset of the __slots__ member `name` of `type`. */
static int
slot_offset(PyTypeObject *type, const char *name, Py_ssize_t *offset)
{
    PyObject *descr = PyDict_GetItemString(type->tp_dict, name);
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        PyErr_Format(PyExc_TypeError, "_fastpath: %s.%s is not a slot", type->tp_name, name);
        return -1;
    }
    PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
    if (member->type != T_OBJECT_EX) {
        PyErr_Format(PyExc_TypeError, "_fastpath: %s.%s is not an object slot", type->tp_name,
                     name);
        return -1;
    }
    *offset = member->offset;
    return 0;
}

/* Stop the cycle collector from tracking a tuple that holds no object it tracks (arrays, numbers):
 * such a tuple cannot be part of a reference cycle, and the collector would find that out
 * itself at its next pass and untrack it (CPython's _PyTuple_MaybeUntrack). Doing it at once
 * leaves a recorded op at most one tracked object, its node (and none when op_apply untracks
 * the node too), so the collector runs less often and walks less while a graph is recorded. */
static void
untrack_if_atomic(PyObject *tuple)
{
    if (!PyTuple_CheckExact(tuple) || !PyObject_GC_IsTracked(tuple)) {
        return;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tuple); i++) {
        PyObject *item = PyTuple_GET_ITEM(tuple, i);
        if (PyObject_IS_GC(item) && (!PyTuple_CheckExact(item) || PyObject_GC_IsTracked(item))) {
            return;
        }
    }
    PyObject_GC_UnTrack(tuple);
}

/* -- Tensors whose slots can be read at Tensor's offsets ---------------------------------- */

/* Tensor itself, and subclasses (nn.Parameter) that override none of the attributes read
 * here nor how attributes are looked up; found once per type and remembered. */
#define KNOWN_TYPES 8
static PyTypeObject *plain_tensor_types[KNOWN_TYPES];
static int n_plain_tensor_types = 0;

static int
is_plain_tensor_type(PyTypeObject *type)
{
    if (type == Tensor) {
        return 1;
    }
    for (int i = 0; i < n_plain_tensor_types; i++) {
        if (plain_tensor_types[i] == type) {
            return 1;
        }
    }
    if (n_plain_tensor_types == KNOWN_TYPES || type->tp_getattro != Tensor->tp_getattro) {
        return 0;
    }
    PyObject *names[] = {s_data, s_requires_grad, s_grad_fn, s_accumulator, s_getattribute};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (_PyType_Lookup(type, names[i]) != _PyType_Lookup(Tensor, names[i])) {
            return 0;
        }
    }
    Py_INCREF(type);
    plain_tensor_types[n_plain_tensor_types++] = type;
    return 1;
}

/* -- one thread's Flags ---------------------------------------------------------------- */

/* per_thread.flags (new reference). A threading.local lookup costs hundreds of
 * instructions, so each thread's Flags is also kept in the thread's own state dict, next to
 * the per_thread object it was read from (a thread's Flags is created once, never replaced). */
static PyObject *
thread_flags(void)
{
    PyObject *cache = PyThreadState_GetDict(); /* borrowed; NULL without a thread state */
    if (cache != NULL) {
        PyObject *entry = PyDict_GetItemWithError(cache, s_flags_key);
        if (entry != NULL && PyTuple_CheckExact(entry) && PyTuple_GET_SIZE(entry) == 2
            && PyTuple_GET_ITEM(entry, 0) == per_thread) {
            return Py_NewRef(PyTuple_GET_ITEM(entry, 1));
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
    }
    PyObject *flags = PyObject_GetAttr(per_thread, s_flags);
    if (flags != NULL && cache != NULL) {
        PyObject *entry = PyTuple_Pack(2, per_thread, flags);
        if (entry == NULL || PyDict_SetItem(cache, s_flags_key, entry) < 0) {
            Py_XDECREF(entry);
            Py_DECREF(flags);
            return NULL;
        }
        Py_DECREF(entry);
    }
    return flags;
}

/* Read one of the Flags' slots (new reference). */
static inline PyObject *
flag(PyObject *flags, Py_ssize_t offset, PyObject *name)
{
    if (Py_IS_TYPE(flags, Flags)) {
        return slot_read(flags, offset, name);
    }
    return PyObject_GetAttr(flags, name);
}

/* -- Op.apply ------------------------------------------------------------------------- */

/* xp.array_type (borrowed), remembered for the namespace met last: a namespace's array type
 * never changes, and a program uses one namespace. */
static PyObject *last_namespace, *last_array_type;

static PyObject *
namespace_array_type(PyObject *xp)
{
    if (xp != last_namespace) {
        PyObject *array_type = PyObject_GetAttr(xp, s_array_type);
        if (array_type == NULL) {
            return NULL;
        }
        Py_XSETREF(last_array_type, array_type);
        Py_XSETREF(last_namespace, Py_NewRef(xp));
    }
    return last_array_type;
}

/* A new, empty node: calling the class, or its allocator directly when the class keeps
 * list's own __new__ and __init__ (every built-in op), which is what the call would do. */
static PyObject *
new_node(PyObject *cls)
{
    if (PyType_Check(cls)) {
        PyTypeObject *type = (PyTypeObject *)cls;
        if (type->tp_new == PyList_Type.tp_new && type->tp_init == PyList_Type.tp_init) {
            return type->tp_alloc(type, 0);
        }
    }
    return PyObject_CallNoArgs(cls);
}

/* One input: its array (`.data`, or a NumPy scalar as the Python number it stands for) and
 * its graph position (its node, a leaf's sink, or NULL for None). New references. */
static int
unwrap_input(PyObject *x, PyObject **array, PyObject **parent)
{
    *parent = NULL;
    PyTypeObject *type = Py_TYPE(x);
    if (type == Tensor || PyType_IsSubtype(type, Tensor)) {
        int plain = is_plain_tensor_type(type);
        PyObject *requires_grad = plain ? slot_read(x, tensor_requires_grad, s_requires_grad)
                                        : PyObject_GetAttr(x, s_requires_grad);
        if (requires_grad == NULL) {
            return -1;
        }
        int wanted = PyObject_IsTrue(requires_grad);
        Py_DECREF(requires_grad);
        if (wanted < 0) {
            return -1;
        }
        if (wanted) {
            PyObject *p = plain ? slot_read(x, tensor_grad_fn, s_grad_fn)
                                : PyObject_GetAttr(x, s_grad_fn);
            if (p == NULL) {
                return -1;
            }
            if (p == Py_None) {
                Py_DECREF(p);
                if (plain) {
                    p = SLOT(x, tensor_accumulator); /* unset reads as None */
                    Py_XINCREF(p);
                }
                else {
                    p = PyObject_GetAttr(x, s_accumulator);
                    if (p == NULL) {
                        return -1;
                    }
                }
                int missing = p == NULL || p == Py_None;
                if (!missing) {
                    missing = PyObject_Not(p);
                    if (missing < 0) {
                        Py_DECREF(p);
                        return -1;
                    }
                }
                if (missing) {
                    Py_XDECREF(p);
                    p = PyObject_CallOneArg(grad_accumulator, x);
                    if (p == NULL) {
                        return -1;
                    }
                }
            }
            *parent = p;
        }
        *array = plain ? slot_read(x, tensor_data, s_data) : PyObject_GetAttr(x, s_data);
        if (*array == NULL) {
            Py_CLEAR(*parent);
            return -1;
        }
        return 0;
    }
    int scalar = PySet_Contains(scalar_types, (PyObject *)type);
    if (scalar < 0) {
        return -1;
    }
    if (scalar) {
        *array = PyObject_CallMethodNoArgs(x, s_item);
        return *array == NULL ? -1 : 0;
    }
    *array = Py_NewRef(x);
    return 0;
}

/* `raise explain_forward_error(cls, exc, arrays) from exc`, with the error being handled. */
static void
explain_error(PyObject *cls, PyObject *arrays)
{
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(exc, tb);
    }
    PyObject *err = PyObject_CallFunctionObjArgs(explain_forward_error, cls, exc, arrays, NULL);
    if (err == NULL) {
        Py_XDECREF(type);
        Py_XDECREF(exc);
        Py_XDECREF(tb);
        return;
    }
    if (!PyExceptionInstance_Check(err)) {
        Py_DECREF(err);
        PyErr_Restore(type, exc, tb);
        return;
    }
    if (err != exc) { /* raising while exc is handled makes it the context */
        PyException_SetContext(err, Py_NewRef(exc));
    }
    PyException_SetCause(err, exc); /* takes the reference; sets __suppress_context__ */
    Py_XDECREF(type);
    Py_XDECREF(tb);
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(err)), err, NULL);
}

/* The origins of saved values as function._origins gives them (each the index of the input
 * it is, OUTPUT, or None), as a new tuple; NULL when saved is exactly the inputs, which
 * function._origins answers with a shared tuple. */
static PyObject *
origins_tuple(PyObject *saved, PyObject *arrays, PyObject *out)
{
    Py_ssize_t n = PyTuple_GET_SIZE(saved), n_inputs = PyTuple_GET_SIZE(arrays);
    int all_inputs = n == n_inputs;
    for (Py_ssize_t i = 0; all_inputs && i < n; i++) {
        all_inputs = PyTuple_GET_ITEM(saved, i) == PyTuple_GET_ITEM(arrays, i);
    }
    if (all_inputs) {
        return NULL;
    }
    PyObject *origins = PyTuple_New(n);
    if (origins == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = PyTuple_GET_ITEM(saved, i), *origin = Py_None;
        if (value == out) {
            origin = PyTuple_GET_ITEM(output_only, 0);  /* OUTPUT */
        }
        for (Py_ssize_t j = 0; origin == Py_None && j < n_inputs; j++) {
            if (value == PyTuple_GET_ITEM(arrays, j)) {
                origin = PyLong_FromSsize_t(j);  /* a small int: cached, never fails */
                Py_DECREF(origin);
            }
        }
        PyTuple_SET_ITEM(origins, i, Py_NewRef(origin));
    }
    untrack_if_atomic(origins);
    return origins;
}

/* node.origins, worked out as Op.apply does: the common cases inline, the case of a node
 * that saved exactly its inputs by function._origins (its tuples are shared). 0 on success. */
static int
set_origins(PyObject *node, PyObject *saved, PyObject *arrays, PyObject *out)
{
    PyObject *origins = NULL;
    if (PyTuple_CheckExact(saved)) {
        Py_ssize_t n = PyTuple_GET_SIZE(saved);
        if (n == 1 && PyTuple_GET_ITEM(saved, 0) == out) {
            origins = Py_NewRef(output_only);
        }
        else if (n == 2 && PyTuple_GET_SIZE(arrays) >= 2
                 && PyTuple_GET_ITEM(saved, 0) == PyTuple_GET_ITEM(arrays, 0)
                 && PyTuple_GET_ITEM(saved, 1) == PyTuple_GET_ITEM(arrays, 1)) {
            origins = Py_NewRef(first_two_inputs);
        }
        else {
            origins = origins_tuple(saved, arrays, out);
            if (origins == NULL && PyErr_Occurred()) {
                return -1;
            }
        }
    }
    if (origins == NULL) {
        origins = PyObject_CallFunctionObjArgs(origins_of, saved, arrays, out, NULL);
        if (origins == NULL) {
            return -1;
        }
    }
    slot_give(node, node_origins, origins);
    return 0;
}

/* One tuple object per distinct output shape (a new reference to it; consumes shape): a
 * graph of a million nodes of one shape then holds one shape tuple, not a million, which the
 * cycle collector would otherwise visit on every pass. Bounded: cleared past 4096 shapes. */
static PyObject *shape_cache, *last_shape;

static PyObject *
shared_shape(PyObject *shape)
{
    if (!PyTuple_CheckExact(shape)) {
        return shape;
    }
    if (last_shape != NULL && PyTuple_GET_SIZE(shape) == PyTuple_GET_SIZE(last_shape)) {
        /* the shape of the op before, most of the time: no hashing */
        int same = PyObject_RichCompareBool(shape, last_shape, Py_EQ);
        if (same > 0) {
            Py_DECREF(shape);
            return Py_NewRef(last_shape);
        }
        if (same < 0) {
            PyErr_Clear();
        }
    }
    if (shape_cache == NULL || PyDict_GET_SIZE(shape_cache) > 4096) {
        Py_XSETREF(shape_cache, PyDict_New());
        if (shape_cache == NULL) {
            PyErr_Clear();
            return shape;
        }
    }
    PyObject *shared = PyDict_SetDefault(shape_cache, shape, shape); /* borrowed */
    if (shared == NULL) {
        PyErr_Clear(); /* an unhashable entry: keep this one */
        return shape;
    }
    untrack_if_atomic(shared);
    Py_XSETREF(last_shape, Py_NewRef(shared));
    Py_INCREF(shared);
    Py_DECREF(shape);
    return shared;
}

/* -- nodes the cycle collector need not see ------------------------------------------------
 *
 * A recorded graph is a DAG of nodes, and while it is recorded CPython's cycle collector walks
 * every node again and again (its full collections visit every tracked object): on a deep
 * graph that is half the time of the forward. A node can only be part of a reference cycle if
 * something it holds leads back to it. A node recorded here holds its parents (older nodes and
 * leaves' sinks), its saved arrays and its attributes (arrays, numbers, shapes: an Op's
 * attributes are values, never Tensors). So nothing leads back unless
 *   - a parent is a node the collector still tracks (it may be on a cycle: see below), or a
 *     leaf's sink with hooks (a hook may hold a Tensor of this very graph);
 *   - the node belongs to a Module (`node.module`, which user code may point anywhere), or
 *     anomaly mode keeps its inputs and site.
 * Otherwise the node is untracked at once: reference counting alone frees it, as it frees the
 * graph now. Hooks registered on a node later make it tracked again (`track`, called by
 * Tensor.register_hook and retain_grad). What stays out of the collector's sight is a cycle
 * made by a hook registered on a tensor *after* tensors computed from it were recorded, that
 * holds one of those tensors: like PyTorch's graph, which the collector never sees, such a
 * graph lives until the process ends (docs/internals.md, section 6). */

static int
may_lead_back(PyObject *parent)
{
    if (Py_IS_TYPE(parent, AccumulateGrad)) {
        PyObject *hooks = SLOT(parent, sink_hooks);
        return hooks != NULL && hooks != Py_None;
    }
    return PyObject_GC_IsTracked(parent);
}

/* track(node): let the cycle collector see node again (a hook now holds a user object). */
static PyObject *
track(PyObject *Py_UNUSED(module), PyObject *node)
{
    if (PyObject_IS_GC(node) && !PyObject_GC_IsTracked(node)) {
        PyObject_GC_Track(node);
    }
    Py_RETURN_NONE;
}

static PyObject *
op_apply(PyObject *Py_UNUSED(module), PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (!installed || nargs < 2 || nargs - 1 > MAX_INPUTS) {
        if (nargs < 1 || !installed) {
            PyErr_SetString(PyExc_TypeError, "_fastpath.op_apply(cls, *inputs, **attrs)");
            return NULL;
        }
        return PyObject_Vectorcall(python_apply, args, nargsf, kwnames);
    }
    PyObject *cls = args[0];
    PyObject *const *inputs = args + 1;
    Py_ssize_t n = nargs - 1;

    PyObject *node = new_node(cls);
    if (node == NULL) {
        return NULL;
    }
    if (!PyObject_TypeCheck(node, Function)) { /* its slots are written at their offsets */
        PyErr_Format(PyExc_TypeError, "_fastpath.op_apply: %R did not make a graph node", cls);
        Py_DECREF(node);
        return NULL;
    }
    PyObject *arrays = NULL, *parents[MAX_INPUTS] = {NULL}, *xp = NULL, *out = NULL,
             *t = NULL, *flags = NULL;
    int recording = 0;

    if (kwnames != NULL) { /* keyword attributes (axis, keepdims, ...) live on the node */
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwnames); i++) {
            if (PyObject_SetAttr(node, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0) {
                goto fail;
            }
        }
    }

    /* Per input: its array, and its graph position (None when it needs no gradient). */
    arrays = PyTuple_New(n);
    if (arrays == NULL) {
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *array;
        if (unwrap_input(inputs[i], &array, &parents[i]) < 0) {
            goto fail;
        }
        PyTuple_SET_ITEM(arrays, i, array);
        recording |= parents[i] != NULL;
    }

    xp = PyDict_GetItemWithError(namespace_by_type, (PyObject *)Py_TYPE(PyTuple_GET_ITEM(arrays, 0)));
    if (xp != NULL) {
        Py_INCREF(xp);
    }
    else if (PyErr_Occurred()) {
        goto fail;
    }
    else {
        xp = PyObject_Call(namespace_of, arrays, NULL);
        if (xp == NULL) {
            goto fail;
        }
    }
    slot_store(node, node_xp, xp);
    slot_store(node, node_saved, empty_tuple);

    {
        PyObject *stack[1 + 1 + MAX_INPUTS]; /* one spare slot in front: ARGUMENTS_OFFSET */
        stack[1] = node;
        for (Py_ssize_t i = 0; i < n; i++) {
            stack[2 + i] = PyTuple_GET_ITEM(arrays, i);
        }
        out = PyObject_VectorcallMethod(s_forward, stack + 1,
                                        (size_t)(n + 1) | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
    }
    if (out == NULL) {
        if (PyErr_ExceptionMatches(PyExc_ValueError) || PyErr_ExceptionMatches(PyExc_TypeError)
            || PyErr_ExceptionMatches(PyExc_IndexError)) {
            explain_error(cls, arrays);
        }
        goto fail;
    }
    {
        PyObject *array_type = namespace_array_type(xp);
        if (array_type == NULL) {
            goto fail;
        }
        if ((PyObject *)Py_TYPE(out) != array_type) {
            PyObject *fixed = PyObject_CallFunctionObjArgs(as_output_array, node, out, xp, NULL);
            if (fixed == NULL) {
                goto fail;
            }
            Py_SETREF(out, fixed);
        }
    }

    t = Tensor->tp_alloc(Tensor, 0);
    if (t == NULL) {
        goto fail;
    }
    slot_store(t, tensor_data, out);
    int enabled = 0;
    if (recording) {
        flags = thread_flags();
        if (flags == NULL) {
            goto fail;
        }
        PyObject *grad_enabled = flag(flags, flags_grad_enabled, s_grad_enabled);
        if (grad_enabled == NULL) {
            goto fail;
        }
        enabled = PyObject_IsTrue(grad_enabled);
        Py_DECREF(grad_enabled);
        if (enabled < 0) {
            goto fail;
        }
    }
    if (!enabled) {
        slot_store(t, tensor_requires_grad, Py_False);
        slot_store(t, tensor_grad_fn, Py_None);
        goto done;
    }

    /* Recording: the node becomes the list of its parents, numbered and described. */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyList_Append(node, parents[i] != NULL ? parents[i] : Py_None) < 0) {
            goto fail;
        }
    }
    {
        PyObject *seq = Py_TYPE(seq_counter)->tp_iternext(seq_counter);
        if (seq == NULL) {
            goto fail;
        }
        slot_give(node, node_seq, seq);
        PyObject *shape = PyObject_GetAttr(out, s_shape);
        if (shape == NULL) {
            goto fail;
        }
        Py_SETREF(shape, shared_shape(shape));
        slot_give(node, node_shape, shape);
        PyObject *dtype = PyObject_GetAttr(out, s_dtype);
        if (dtype == NULL) {
            goto fail;
        }
        slot_give(node, node_dtype, dtype);
        PyObject *running = flag(flags, flags_module, s_module);
        if (running == NULL) {
            goto fail;
        }
        int graph_only = running == Py_None;
        slot_give(node, node_module, running);
        PyObject *debug = flag(flags, flags_debug, s_debug);
        if (debug == NULL) {
            goto fail;
        }
        int debugging = PyObject_IsTrue(debug);
        Py_DECREF(debug);
        if (debugging < 0) {
            goto fail;
        }
        if (debugging) {
            PyObject *r = PyObject_CallFunctionObjArgs(debug_record, node, arrays, NULL);
            if (r == NULL) {
                goto fail;
            }
            Py_DECREF(r);
            graph_only = 0;
        }
        for (Py_ssize_t i = 0; i < n && graph_only; i++) {
            graph_only = parents[i] == NULL || !may_lead_back(parents[i]);
        }
        if (graph_only) {
            PyObject_GC_UnTrack(node);
        }
    }
    {
        PyObject *saved = slot_read(node, node_saved, s_saved);
        if (saved == NULL) {
            goto fail;
        }
        int nonempty = PyObject_IsTrue(saved);
        if (nonempty > 0) {
            nonempty = set_origins(node, saved, arrays, out) < 0 ? -1 : 1;
        }
        Py_DECREF(saved);
        if (nonempty < 0) {
            goto fail;
        }
    }
    slot_store(t, tensor_requires_grad, Py_True);
    slot_store(t, tensor_grad_fn, node);

done:
    Py_DECREF(node);
    Py_DECREF(arrays);
    Py_DECREF(xp);
    Py_DECREF(out);
    Py_XDECREF(flags);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_XDECREF(parents[i]);
    }
    return t;

fail:
    Py_DECREF(node);
    Py_XDECREF(arrays);
    Py_XDECREF(xp);
    Py_XDECREF(out);
    Py_XDECREF(t);
    Py_XDECREF(flags);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_XDECREF(parents[i]);
    }
    return NULL;
}

/* Op.save(self, *values): self.saved = values. A method of Function's instances (the type is
 * checked by the method descriptor that wraps it), so the slot's offset is valid. */
static PyObject *
op_save(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *values = PyTuple_New(nargs);
    if (values == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        PyTuple_SET_ITEM(values, i, Py_NewRef(args[i]));
    }
    untrack_if_atomic(values);
    slot_give(self, node_saved, values);
    Py_RETURN_NONE;
}

static PyMethodDef save_def = {
    "save", (PyCFunction)(void (*)(void))op_save, METH_FASTCALL,
    "save(*values): keep what the backward needs in self.saved (Op.save, compiled).",
};

/* Function.needs_grad: the node itself (its parents, truthy where an input wants a
 * gradient), without a Python call. */
static PyObject *
node_itself(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self);
}

static PyGetSetDef needs_grad_def = {
    "needs_grad", node_itself, NULL,
    "Per input, truthy exactly when it needs a gradient (the parents themselves).", NULL,
};

/* 1 when cls is a Function class and install() has run; else a TypeError naming `caller`. */
static int
check_function_class(PyObject *cls, const char *caller)
{
    if (!installed || !PyType_Check(cls) || !PyType_IsSubtype((PyTypeObject *)cls, Function)) {
        PyErr_Format(PyExc_TypeError, "_fastpath.%s(cls): cls must be a Function class, after "
                                      "install()", caller);
        return 0;
    }
    return 1;
}

/* needs_grad_property(cls): Function.needs_grad, compiled, for cls (a Function class). */
static PyObject *
needs_grad_property(PyObject *Py_UNUSED(module), PyObject *cls)
{
    if (!check_function_class(cls, "needs_grad_property")) {
        return NULL;
    }
    return PyDescr_NewGetSet((PyTypeObject *)cls, &needs_grad_def);
}

/* -- Tensor's operators and methods ---------------------------------------------------- */

/* A compiled twin of a public op function whose whole body is `return op.apply(*args)`
 * (functions marked with `_applies(op)` in tinygraph/ops/functions.py): it calls op_apply
 * directly, without the Python frame. It binds to a Tensor as a method does, and any call it
 * does not expect (keywords, another number of arguments) goes to the Python function. */
typedef struct {
    PyObject_HEAD
    PyObject *op;       /* the Op class */
    PyObject *function; /* the Python function it stands for */
    Py_ssize_t nargs;   /* that function's number of positional parameters */
    vectorcallfunc vectorcall;
} OpFunction;

static PyObject *
op_function_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    OpFunction *f = (OpFunction *)self;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || n != f->nargs || n < 1 || n > MAX_INPUTS) {
        return PyObject_Vectorcall(f->function, args, nargsf, kwnames);
    }
    PyObject *stack[1 + MAX_INPUTS];
    stack[0] = f->op;
    memcpy(stack + 1, args, (size_t)n * sizeof(PyObject *));
    return op_apply(NULL, stack, (size_t)(n + 1), NULL);
}

static PyObject *
op_function_bind(PyObject *self, PyObject *obj, PyObject *Py_UNUSED(type))
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

/* Everything else (__doc__, __name__, __wrapped__, ...) is the Python function's. */
static PyObject *
op_function_getattr(PyObject *self, PyObject *name)
{
    PyObject *value = PyObject_GenericGetAttr(self, name);
    if (value != NULL || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
        return value;
    }
    PyErr_Clear();
    return PyObject_GetAttr(((OpFunction *)self)->function, name);
}

static PyObject *
op_function_repr(PyObject *self)
{
    return PyUnicode_FromFormat("<compiled %R>", ((OpFunction *)self)->function);
}

static int
op_function_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(((OpFunction *)self)->op);
    Py_VISIT(((OpFunction *)self)->function);
    return 0;
}

static int
op_function_clear(PyObject *self)
{
    Py_CLEAR(((OpFunction *)self)->op);
    Py_CLEAR(((OpFunction *)self)->function);
    return 0;
}

static void
op_function_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    op_function_clear(self);
    PyObject_GC_Del(self);
}

static PyObject *
op_function_wrapped(PyObject *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(((OpFunction *)self)->function);
}

static PyObject *
op_function_doc(PyObject *self, void *Py_UNUSED(closure))
{
    return PyObject_GetAttrString(((OpFunction *)self)->function, "__doc__");
}

static PyGetSetDef op_function_getset[] = {
    {"__wrapped__", op_function_wrapped, NULL, "the Python function", NULL},
    {"__doc__", op_function_doc, NULL, "the Python function's", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject OpFunctionType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tinygraph.autograd._fastpath.OpFunction",
    .tp_basicsize = sizeof(OpFunction),
    .tp_dealloc = op_function_dealloc,
    .tp_vectorcall_offset = offsetof(OpFunction, vectorcall),
    .tp_repr = op_function_repr,
    .tp_call = PyVectorcall_Call,
    .tp_getattro = op_function_getattr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL
                | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_traverse = op_function_traverse,
    .tp_clear = op_function_clear,
    .tp_getset = op_function_getset,
    .tp_descr_get = op_function_bind,
};

/* op_function(op, function): the compiled twin of function, a Python function whose body
 * is `return op.apply(<its positional parameters, in order>)`. */
static PyObject *
op_function(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (!installed || nargs != 2 || !PyType_Check(args[0])
        || !PyType_IsSubtype((PyTypeObject *)args[0], Function) || !PyFunction_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "_fastpath.op_function(op, function): an Op class and "
                                         "a Python function, after install()");
        return NULL;
    }
    PyCodeObject *code = (PyCodeObject *)PyFunction_GetCode(args[1]);
    OpFunction *f = PyObject_GC_New(OpFunction, &OpFunctionType);
    if (f == NULL) {
        return NULL;
    }
    f->op = Py_NewRef(args[0]);
    f->function = Py_NewRef(args[1]);
    f->nargs = code->co_argcount;
    f->vectorcall = op_function_call;
    PyObject_GC_Track(f);
    return (PyObject *)f;
}

/* -- the backward sweep --------------------------------------------------------------- */

/* A max-heap of nodes by creation number: engine._sweep's heapq of (-seq, node). */
typedef struct {
    long long seq;
    PyObject *node; /* strong reference */
} Entry;

typedef struct {
    Entry *items;
    Py_ssize_t size, capacity;
} Heap;

static int
heap_push(Heap *heap, long long seq, PyObject *node)
{
    if (heap->size == heap->capacity) {
        Py_ssize_t capacity = heap->capacity ? 2 * heap->capacity : 64;
        Entry *items = PyMem_Realloc(heap->items, (size_t)capacity * sizeof(Entry));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        heap->items = items;
        heap->capacity = capacity;
    }
    Py_ssize_t i = heap->size++;
    while (i > 0) {
        Py_ssize_t up = (i - 1) / 2;
        if (heap->items[up].seq >= seq) {
            break;
        }
        heap->items[i] = heap->items[up];
        i = up;
    }
    heap->items[i].seq = seq;
    heap->items[i].node = Py_NewRef(node);
    return 0;
}

/* The node with the highest number (the caller owns the reference), and its number. */
static PyObject *
heap_pop(Heap *heap, long long *seq)
{
    Entry top = heap->items[0];
    Entry last = heap->items[--heap->size];
    Py_ssize_t i = 0, n = heap->size;
    for (;;) {
        Py_ssize_t child = 2 * i + 1;
        if (child >= n) {
            break;
        }
        if (child + 1 < n && heap->items[child + 1].seq > heap->items[child].seq) {
            child++;
        }
        if (heap->items[child].seq <= last.seq) {
            break;
        }
        heap->items[i] = heap->items[child];
        i = child;
    }
    if (n > 0) {
        heap->items[i] = last;
    }
    *seq = top.seq;
    return top.node;
}

static void
heap_clear(Heap *heap)
{
    for (Py_ssize_t i = 0; i < heap->size; i++) {
        Py_DECREF(heap->items[i].node);
    }
    PyMem_Free(heap->items);
}

/* node.<name> for an attribute that lives on the class (hooks, array_io) and that a node
 * overrides only through its __dict__: looked up the way Python does it for a plain class
 * attribute, without the generic machinery. New reference. */
static PyObject *
class_attribute(PyObject *node, PyObject *name)
{
    PyObject *value = _PyType_Lookup(Py_TYPE(node), name); /* borrowed */
    if (value == NULL || Py_TYPE(value)->tp_descr_get != NULL) {
        return PyObject_GetAttr(node, name); /* a descriptor, or not found: the long way */
    }
    PyObject **dict = _PyObject_GetDictPtr(node);
    if (dict != NULL && *dict != NULL) {
        PyObject *own = PyDict_GetItemWithError(*dict, name);
        if (own != NULL) {
            return Py_NewRef(own);
        }
        if (PyErr_Occurred()) {
            return NULL;
        }
    }
    return Py_NewRef(value);
}

/* A node's creation number, -1 with an error set on failure. Only graph nodes go on the
 * heap: their slots are read at their offsets. */
static long long
seq_of(PyObject *node)
{
    if (!PyObject_TypeCheck(node, Function)) {
        PyErr_Format(PyExc_TypeError, "backward: %R is not a graph node", node);
        return -1;
    }
    PyObject *seq = slot_read(node, node_seq, s_seq);
    if (seq == NULL) {
        return -1;
    }
    long long value = PyLong_AsLongLong(seq);
    Py_DECREF(seq);
    return value == -1 && PyErr_Occurred() ? -1 : value;
}

/* The shape a gradient for `parent` must have: its output's (or its leaf's) shape. */
static PyObject *
shape_of(PyObject *parent)
{
    if (Py_IS_TYPE(parent, AccumulateGrad)) {
        return slot_read(parent, sink_shape, s_shape);
    }
    if (PyObject_TypeCheck(parent, Function)) {
        return slot_read(parent, node_shape, s_shape);
    }
    return PyObject_GetAttr(parent, s_shape);
}

/* The `except Exception as exc: _note_site(exc, node); raise` around a node's backward. */
static void
note_failure(PyObject *node)
{
    if (!PyErr_ExceptionMatches(PyExc_Exception)) {
        return;
    }
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(exc, tb);
    }
    PyObject *r = PyObject_CallFunctionObjArgs(note_site, exc, node, NULL);
    if (r == NULL) { /* the helper failed: its error, in the context of the first one */
        PyObject *type2, *exc2, *tb2;
        PyErr_Fetch(&type2, &exc2, &tb2);
        PyErr_NormalizeException(&type2, &exc2, &tb2);
        PyException_SetContext(exc2, Py_NewRef(exc));
        Py_XDECREF(type);
        Py_XDECREF(exc);
        Py_XDECREF(tb);
        PyErr_Restore(type2, exc2, tb2);
        return;
    }
    Py_DECREF(r);
    PyErr_Restore(type, exc, tb);
}

/* Run one node's backward (the fast path for built-in ops on arrays, else the Python
 * engine's _call_backward). */
static PyObject *
node_backward(PyObject *node, PyObject *grad, int fast, PyObject *create_graph)
{
    if (fast) {
        PyObject *array_io = class_attribute(node, s_array_io);
        if (array_io == NULL) {
            return NULL;
        }
        int arrays = PyObject_IsTrue(array_io);
        Py_DECREF(array_io);
        if (arrays < 0) {
            return NULL;
        }
        if (arrays) {
            PyObject *saved = slot_read(node, node_saved, s_saved);
            if (saved == NULL) {
                return NULL;
            }
            Py_DECREF(saved);
            if (saved == Py_None) {
                PyObject *err = PyObject_CallOneArg(freed_error, node);
                if (err != NULL) {
                    PyErr_SetObject((PyObject *)Py_TYPE(err), err);
                    Py_DECREF(err);
                }
                return NULL;
            }
            PyObject *stack[3] = {NULL, node, grad};
            return PyObject_VectorcallMethod(s_backward, stack + 1,
                                             2 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        }
    }
    return PyObject_CallFunctionObjArgs(call_backward, node, grad, create_graph, NULL);
}

/* engine._unbroadcast: g summed down to shape. On arrays, the namespace's unbroadcast is
 * called directly; the Python helper runs under create_graph, and to explain a mismatch. */
static PyObject *
sum_to_shape(PyObject *node, PyObject *g, PyObject *shape, int fast, PyObject *create_graph)
{
    PyObject *xp = fast ? SLOT(node, node_xp) : NULL;
    if (xp != NULL) {
        PyObject *args[4] = {NULL, xp, g, shape};
        PyObject *reduced = PyObject_VectorcallMethod(s_unbroadcast, args + 1,
                                                      3 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
        if (reduced == NULL) {
            return NULL;
        }
        PyObject *reduced_shape = PyObject_GetAttr(reduced, s_shape);
        int fits = reduced_shape == NULL ? -1 : PyObject_RichCompareBool(reduced_shape, shape,
                                                                         Py_EQ);
        Py_XDECREF(reduced_shape);
        if (fits != 0) {
            if (fits < 0) {
                Py_CLEAR(reduced);
            }
            return reduced;
        }
        Py_DECREF(reduced);
    }
    return PyObject_CallFunctionObjArgs(unbroadcast, node, g, shape, create_graph, NULL);
}

/* Send gradient g (a new reference, consumed) to parent: sum it into pending, or make the
 * parent pending (a sink, or a node on the heap). */
static int
deliver(PyObject *node, PyObject *parent, PyObject *g, PyObject *pending, PyObject *sinks,
        Heap *heap, int fast, PyObject *create_graph)
{
    PyObject *g_shape = PyObject_GetAttr(g, s_shape);
    PyObject *shape = g_shape != NULL ? shape_of(parent) : NULL;
    if (shape == NULL) {
        Py_XDECREF(g_shape);
        Py_DECREF(g);
        return -1;
    }
    int differs = PyObject_RichCompareBool(g_shape, shape, Py_NE);
    Py_DECREF(g_shape);
    if (differs > 0) {
        Py_SETREF(g, sum_to_shape(node, g, shape, fast, create_graph));
    }
    Py_DECREF(shape);
    if (differs < 0 || g == NULL) {
        Py_XDECREF(g);
        return -1;
    }
    PyObject *previous = PyDict_GetItemWithError(pending, parent);
    int status;
    if (previous != NULL) {
        PyObject *sum = PyNumber_Add(previous, g);
        status = sum == NULL ? -1 : PyDict_SetItem(pending, parent, sum);
        Py_XDECREF(sum);
    }
    else if (PyErr_Occurred()) {
        status = -1;
    }
    else {
        status = PyDict_SetItem(pending, parent, g);
        if (status == 0) {
            if (Py_IS_TYPE(parent, AccumulateGrad)) {
                status = PyList_Append(sinks, parent);
            }
            else {
                long long seq = seq_of(parent);
                status = seq == -1 && PyErr_Occurred() ? -1 : heap_push(heap, seq, parent);
            }
        }
    }
    Py_DECREF(g);
    return status;
}

/* pending.pop(key), passed through run_hooks(hooks, grad, create_graph) unless hooks is None:
 * the gradient a node or a leaf's sink is about to use (a new reference), or NULL. Takes over
 * the reference to hooks (NULL: reading them failed). */
static PyObject *
pop_gradient(PyObject *pending, PyObject *key, PyObject *hooks, PyObject *create_graph)
{
    PyObject *grad = hooks == NULL ? NULL : PyDict_GetItemWithError(pending, key);
    if (grad == NULL) {
        if (hooks != NULL && !PyErr_Occurred()) {
            PyErr_SetObject(PyExc_KeyError, key);
        }
        Py_XDECREF(hooks);
        return NULL;
    }
    Py_INCREF(grad);
    if (PyDict_DelItem(pending, key) < 0) {
        Py_CLEAR(grad);
    }
    else if (hooks != Py_None) {
        Py_SETREF(grad, PyObject_CallFunctionObjArgs(run_hooks, hooks, grad, create_graph, NULL));
    }
    Py_DECREF(hooks);
    return grad;
}

/* Run every node's backward, highest creation number first: engine._sweep. */
static PyObject *
sweep(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (!installed || nargs != 6) {
        PyErr_SetString(PyExc_TypeError,
                        "_fastpath.sweep(heap, pending, sinks, retain_graph, create_graph, "
                        "capture)");
        return NULL;
    }
    PyObject *heap_list = args[0], *pending = args[1], *sinks = args[2];
    PyObject *capture = args[5], *create_graph = args[4];
    int retain_graph = PyObject_IsTrue(args[3]);
    int fast = PyObject_Not(create_graph);
    if (retain_graph < 0 || fast < 0 || !PyList_Check(heap_list) || !PyDict_Check(pending)
        || !PyList_Check(sinks)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "_fastpath.sweep: heap, pending, sinks must be "
                                             "a list, a dict and a list");
        }
        return NULL;
    }
    Heap heap = {NULL, 0, 0};
    PyObject *node = NULL, *grad = NULL, *grads = NULL;
    long long last_mutation;
    int checking_finite;
    {
        PyObject *flags = thread_flags();
        PyObject *anomaly = flags != NULL ? flag(flags, flags_anomaly, s_anomaly) : NULL;
        Py_XDECREF(flags);
        if (anomaly == NULL) {
            return NULL;
        }
        checking_finite = PyObject_IsTrue(anomaly);
        Py_DECREF(anomaly);
        PyObject *last = PyObject_GetAttr(versions, s_last_mutation);
        if (checking_finite < 0 || last == NULL) {
            Py_XDECREF(last);
            return NULL;
        }
        last_mutation = PyLong_AsLongLong(last); /* nodes recorded after it cannot be stale */
        Py_DECREF(last);
        if (last_mutation == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    /* the heap so far: run_backward's (-seq, node) entries for the roots */
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(heap_list); i++) {
        PyObject *entry = PyList_GET_ITEM(heap_list, i);
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2) {
            PyErr_SetString(PyExc_TypeError, "_fastpath.sweep: heap entries are (-seq, node)");
            goto fail;
        }
        long long seq = seq_of(PyTuple_GET_ITEM(entry, 1));
        if ((seq == -1 && PyErr_Occurred())
            || heap_push(&heap, seq, PyTuple_GET_ITEM(entry, 1)) < 0) {
            goto fail;
        }
    }
    if (PyList_SetSlice(heap_list, 0, PyList_GET_SIZE(heap_list), NULL) < 0) {
        goto fail;
    }

    while (heap.size > 0) {
        long long seq;
        node = heap_pop(&heap, &seq);
        {
            PyObject *saved = slot_read(node, node_saved, s_saved);
            if (saved == NULL) {
                goto fail;
            }
            int check = seq < last_mutation ? PyObject_IsTrue(saved) : 0;
            Py_DECREF(saved);
            if (check < 0) {
                goto fail;
            }
            if (check) {
                PyObject *r = PyObject_CallOneArg(check_saved_versions, node);
                if (r == NULL) {
                    goto fail;
                }
                Py_DECREF(r);
            }
        }
        grad = pop_gradient(pending, node, class_attribute(node, s_hooks), create_graph);
        if (grad == NULL) {
            goto fail;
        }
        if (capture != Py_None) {
            int wanted = PySequence_Contains(capture, node);
            if (wanted < 0 || (wanted && PyObject_SetItem(capture, node, grad) < 0)) {
                goto fail;
            }
        }
        grads = node_backward(node, grad, fast, create_graph);
        if (grads == NULL) {
            note_failure(node);
            goto fail;
        }
        if (!retain_graph) {
            slot_store(node, node_saved, Py_None);
        }
        if (checking_finite) {
            PyObject *r = PyObject_CallFunctionObjArgs(check_finite, node, grads, NULL);
            if (r == NULL) {
                goto fail;
            }
            Py_DECREF(r);
        }
        /* zip(node, grads): a node is the list of its parents */
        PyObject *sequence = PySequence_Fast(grads, "a backward must return a tuple of "
                                                    "gradients");
        if (sequence == NULL) {
            goto fail;
        }
        Py_SETREF(grads, sequence);
        Py_ssize_t n = PyList_GET_SIZE(node);
        if (PySequence_Fast_GET_SIZE(grads) < n) {
            n = PySequence_Fast_GET_SIZE(grads);
        }
        for (Py_ssize_t i = 0; i < n && i < PyList_GET_SIZE(node); i++) {
            PyObject *parent = PyList_GET_ITEM(node, i);
            PyObject *g = PySequence_Fast_GET_ITEM(grads, i);
            if (parent == Py_None || g == Py_None) {
                continue;
            }
            Py_INCREF(parent);
            int status = deliver(node, parent, Py_NewRef(g), pending, sinks, &heap, fast,
                                 create_graph);
            Py_DECREF(parent);
            if (status < 0) {
                goto fail;
            }
        }
        Py_CLEAR(grads);
        Py_CLEAR(grad);
        Py_CLEAR(node);
    }
    heap_clear(&heap);
    Py_RETURN_NONE;

fail:
    Py_XDECREF(grads);
    Py_XDECREF(grad);
    Py_XDECREF(node);
    heap_clear(&heap);
    return NULL;
}

/* -- the leaves' gradients ------------------------------------------------------------- */

/* 1 when obj.name is value (by identity), 0 when it is not, -1 on error. */
static int
attribute_is(PyObject *obj, PyObject *name, PyObject *value)
{
    PyObject *attribute = PyObject_GetAttr(obj, name);
    if (attribute == NULL) {
        return -1;
    }
    Py_DECREF(attribute);
    return attribute == value;
}

/* engine._accumulate's usual case, done here: a live leaf of a plain Tensor type with no
 * .grad yet, handed an array that can become its .grad as is (its own array type, dtype and
 * shape, not a view, writable, not given to another leaf in this pass). 1 when done, 0 when
 * _accumulate must do it, -1 on error. */
static int
accumulate_fresh(PyObject *sink, PyObject *grad, PyObject *handed_out)
{
    PyObject *ref = SLOT(sink, sink_leaf_ref);
    if (ref == NULL || !PyWeakref_CheckRefExact(ref)) {
        return 0;
    }
    PyObject *leaf = PyWeakref_GetObject(ref); /* borrowed; None once the leaf is gone */
    PyTypeObject *type = Py_TYPE(leaf);
    if (!is_plain_tensor_type(type) || type->tp_setattro != Tensor->tp_setattro
        || _PyType_Lookup(type, s_grad) != _PyType_Lookup(Tensor, s_grad)) {
        return 0;
    }
    PyObject *current = SLOT(leaf, tensor_grad), *data = SLOT(leaf, tensor_data);
    if ((current != NULL && current != Py_None) || data == NULL
        || Py_TYPE(grad) != Py_TYPE(data)) {
        return 0;
    }
    Py_INCREF(leaf);
    Py_INCREF(data);
    int ok = attribute_is(grad, s_base, Py_None);
    if (ok == 1) {
        PyObject *dtype = PyObject_GetAttr(data, s_dtype);
        ok = dtype == NULL ? -1 : attribute_is(grad, s_dtype, dtype);
        Py_XDECREF(dtype);
    }
    if (ok == 1) {
        PyObject *shape = PyObject_GetAttr(data, s_shape);
        PyObject *grad_shape = shape == NULL ? NULL : PyObject_GetAttr(grad, s_shape);
        ok = grad_shape == NULL ? -1 : PyObject_RichCompareBool(grad_shape, shape, Py_EQ);
        Py_XDECREF(shape);
        Py_XDECREF(grad_shape);
    }
    if (ok == 1) {
        PyObject *flags = PyObject_GetAttr(grad, s_flags);
        ok = flags == NULL ? -1 : attribute_is(flags, s_writeable, Py_True);
        Py_XDECREF(flags);
    }
    PyObject *key = NULL;
    if (ok == 1) {
        key = PyLong_FromVoidPtr(grad); /* id(grad) */
        ok = key == NULL ? -1 : PySet_Contains(handed_out, key);
        ok = ok < 0 ? -1 : !ok;
    }
    if (ok == 1 && PySet_Add(handed_out, key) < 0) {
        ok = -1;
    }
    Py_XDECREF(key);
    Py_DECREF(data);
    PyObject *t = ok == 1 ? Tensor->tp_alloc(Tensor, 0) : NULL; /* new_tensor(grad, None) */
    if (t != NULL) {
        slot_store(t, tensor_data, grad);
        slot_store(t, tensor_requires_grad, Py_False);
        slot_store(t, tensor_grad_fn, Py_None);
        slot_give(leaf, tensor_grad, t);
    }
    else if (ok == 1) {
        ok = -1;
    }
    Py_DECREF(leaf);
    return ok;
}

/* Give each leaf's sink the gradient summed for it: engine._fill_leaves. */
static PyObject *
fill_leaves(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (!installed || nargs != 4 || !PyList_Check(args[0]) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "_fastpath.fill_leaves(sinks: list, pending: dict, create_graph, "
                        "capture)");
        return NULL;
    }
    PyObject *sinks = args[0], *pending = args[1], *create_graph = args[2], *capture = args[3];
    int fast = PyObject_Not(create_graph);
    PyObject *handed_out = fast < 0 ? NULL : PySet_New(NULL); /* ids of arrays given out */
    if (handed_out == NULL) {
        return NULL;
    }
    PyObject *sink = NULL, *grad = NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(sinks); i++) {
        sink = Py_NewRef(PyList_GET_ITEM(sinks, i));
        grad = pop_gradient(pending, sink, slot_read(sink, sink_hooks, s_hooks), create_graph);
        if (grad == NULL) {
            goto fail;
        }
        if (capture == Py_None) {
            int done = fast ? accumulate_fresh(sink, grad, handed_out) : 0;
            if (done == 0) {
                PyObject *r = PyObject_CallFunctionObjArgs(accumulate, sink, grad, create_graph,
                                                           handed_out, NULL);
                done = r == NULL ? -1 : 1;
                Py_XDECREF(r);
            }
            if (done < 0) {
                goto fail;
            }
        }
        else {
            int wanted = PySequence_Contains(capture, sink);
            if (wanted < 0 || (wanted && PyObject_SetItem(capture, sink, grad) < 0)) {
                goto fail;
            }
        }
        Py_CLEAR(grad);
        Py_CLEAR(sink);
    }
    Py_DECREF(handed_out);
    Py_RETURN_NONE;

fail:
    Py_XDECREF(grad);
    Py_XDECREF(sink);
    Py_DECREF(handed_out);
    return NULL;
}

/* -- installation --------------------------------------------------------------------- */

static int
take(PyObject *helpers, const char *name, PyObject **target)
{
    PyObject *value = PyDict_GetItemString(helpers, name);
    if (value == NULL) {
        PyErr_Format(PyExc_KeyError, "_fastpath.install: missing %s", name);
        return -1;
    }
    Py_XSETREF(*target, Py_NewRef(value));
    return 0;
}

static int
take_type(PyObject *helpers, const char *name, PyTypeObject **target)
{
    PyObject *value = NULL;
    if (take(helpers, name, &value) < 0) {
        return -1;
    }
    if (!PyType_Check(value)) {
        Py_DECREF(value);
        PyErr_Format(PyExc_TypeError, "_fastpath.install: %s must be a class", name);
        return -1;
    }
    Py_XSETREF(*target, (PyTypeObject *)value);
    return 0;
}

static PyObject *
install(PyObject *Py_UNUSED(module), PyObject *helpers)
{
    if (!PyDict_Check(helpers)) {
        PyErr_SetString(PyExc_TypeError, "_fastpath.install(helpers: dict)");
        return NULL;
    }
    installed = 0;
    if (take_type(helpers, "Tensor", &Tensor) < 0
        || take_type(helpers, "Function", &Function) < 0
        || take_type(helpers, "AccumulateGrad", &AccumulateGrad) < 0
        || take_type(helpers, "Flags", &Flags) < 0
        || take(helpers, "per_thread", &per_thread) < 0
        || take(helpers, "seq_counter", &seq_counter) < 0
        || take(helpers, "SCALAR_TYPES", &scalar_types) < 0
        || take(helpers, "NAMESPACE_BY_TYPE", &namespace_by_type) < 0
        || take(helpers, "versions", &versions) < 0
        || take(helpers, "OUTPUT_ONLY", &output_only) < 0
        || take(helpers, "FIRST_TWO_INPUTS", &first_two_inputs) < 0
        || take(helpers, "python_apply", &python_apply) < 0
        || take(helpers, "namespace_of", &namespace_of) < 0
        || take(helpers, "grad_accumulator", &grad_accumulator) < 0
        || take(helpers, "explain_forward_error", &explain_forward_error) < 0
        || take(helpers, "as_output_array", &as_output_array) < 0
        || take(helpers, "origins", &origins_of) < 0
        || take(helpers, "debug_record", &debug_record) < 0
        || take(helpers, "check_saved_versions", &check_saved_versions) < 0
        || take(helpers, "run_hooks", &run_hooks) < 0
        || take(helpers, "accumulate", &accumulate) < 0
        || take(helpers, "call_backward", &call_backward) < 0
        || take(helpers, "note_site", &note_site) < 0
        || take(helpers, "check_finite", &check_finite) < 0
        || take(helpers, "unbroadcast", &unbroadcast) < 0
        || take(helpers, "freed_error", &freed_error) < 0) {
        return NULL;
    }
    if (!PyAnySet_Check(scalar_types) || !PyDict_Check(namespace_by_type)
        || Py_TYPE(seq_counter)->tp_iternext == NULL || !PyTuple_CheckExact(output_only)
        || !PyTuple_CheckExact(first_two_inputs)
        || !PyType_IsSubtype(Function, &PyList_Type)) {
        PyErr_SetString(PyExc_TypeError, "_fastpath.install: unexpected helper types");
        return NULL;
    }
    if (slot_offset(Function, "saved", &node_saved) < 0
        || slot_offset(Function, "origins", &node_origins) < 0
        || slot_offset(Function, "xp", &node_xp) < 0
        || slot_offset(Function, "seq", &node_seq) < 0
        || slot_offset(Function, "shape", &node_shape) < 0
        || slot_offset(Function, "dtype", &node_dtype) < 0
        || slot_offset(Function, "module", &node_module) < 0
        || slot_offset(Tensor, "data", &tensor_data) < 0
        || slot_offset(Tensor, "requires_grad", &tensor_requires_grad) < 0
        || slot_offset(Tensor, "grad_fn", &tensor_grad_fn) < 0
        || slot_offset(Tensor, "_accumulator", &tensor_accumulator) < 0
        || slot_offset(Flags, "grad_enabled", &flags_grad_enabled) < 0
        || slot_offset(Flags, "anomaly", &flags_anomaly) < 0
        || slot_offset(Flags, "debug", &flags_debug) < 0
        || slot_offset(Flags, "module", &flags_module) < 0
        || slot_offset(AccumulateGrad, "shape", &sink_shape) < 0
        || slot_offset(AccumulateGrad, "hooks", &sink_hooks) < 0
        || slot_offset(AccumulateGrad, "leaf_ref", &sink_leaf_ref) < 0
        || slot_offset(Tensor, "grad", &tensor_grad) < 0) {
        return NULL;
    }
    for (int i = 0; i < n_plain_tensor_types; i++) {
        Py_CLEAR(plain_tensor_types[i]);
    }
    n_plain_tensor_types = 0;
    installed = 1;
    Py_RETURN_NONE;
}

/* save_method(cls): Op.save as a method of cls (a subclass of Function). */
static PyObject *
save_method(PyObject *Py_UNUSED(module), PyObject *cls)
{
    if (!check_function_class(cls, "save_method")) {
        return NULL;
    }
    return PyDescr_NewMethod((PyTypeObject *)cls, &save_def);
}

static PyMethodDef methods[] = {
    {"install", (PyCFunction)install, METH_O,
     "install(helpers): the classes, state and Python helpers the fast path uses."},
    {"op_apply", (PyCFunction)(void (*)(void))op_apply, METH_FASTCALL | METH_KEYWORDS,
     "op_apply(cls, *inputs, **attrs): Op.apply, compiled."},
    {"op_function", (PyCFunction)(void (*)(void))op_function, METH_FASTCALL,
     "op_function(op, function): a compiled twin of a function that only calls op.apply."},
    {"needs_grad_property", (PyCFunction)needs_grad_property, METH_O,
     "needs_grad_property(cls): Function.needs_grad, compiled, for cls."},
    {"save_method", (PyCFunction)save_method, METH_O,
     "save_method(cls): Op.save, compiled, as a method of cls."},
    {"track", (PyCFunction)track, METH_O,
     "track(node): let the cycle collector see a node that op_apply left untracked."},
    {"sweep", (PyCFunction)(void (*)(void))sweep, METH_FASTCALL,
     "sweep(heap, pending, sinks, retain_graph, create_graph, capture): engine._sweep, "
     "compiled."},
    {"fill_leaves", (PyCFunction)(void (*)(void))fill_leaves, METH_FASTCALL,
     "fill_leaves(sinks, pending, create_graph, capture): engine._fill_leaves, compiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_fastpath",
    "The compiled fast path of Op.apply and the backward sweep (see _fastpath.c).",
    -1,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__fastpath(void)
{
#define INTERN(var, text)                                                                   \
    if ((var = PyUnicode_InternFromString(text)) == NULL) {                                 \
        return NULL;                                                                        \
    }
    INTERN(s_forward, "forward");
    INTERN(s_backward, "backward");
    INTERN(s_shape, "shape");
    INTERN(s_dtype, "dtype");
    INTERN(s_array_type, "array_type");
    INTERN(s_item, "item");
    INTERN(s_hooks, "hooks");
    INTERN(s_array_io, "array_io");
    INTERN(s_saved, "saved");
    INTERN(s_seq, "seq");
    INTERN(s_flags, "flags");
    INTERN(s_last_mutation, "last_mutation");
    INTERN(s_data, "data");
    INTERN(s_requires_grad, "requires_grad");
    INTERN(s_grad_fn, "grad_fn");
    INTERN(s_accumulator, "_accumulator");
    INTERN(s_getattribute, "__getattribute__");
    INTERN(s_grad_enabled, "grad_enabled");
    INTERN(s_anomaly, "anomaly");
    INTERN(s_debug, "debug");
    INTERN(s_module, "module");
    INTERN(s_unbroadcast, "unbroadcast");
    INTERN(s_grad, "grad");
    INTERN(s_base, "base");
    INTERN(s_writeable, "writeable");
    INTERN(s_flags_key, "tinygraph.autograd._fastpath: this thread's Flags");
#undef INTERN
    empty_tuple = PyTuple_New(0);
    if (empty_tuple == NULL || PyType_Ready(&OpFunctionType) < 0) {
        return NULL;
    }
    return PyModule_Create(&module_def);
}
