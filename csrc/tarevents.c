/* tarevents.c: dockproto._tarevents, the common case of the tar sink in C.
 *
 * The stream core (body.c, tar.c, through cffi) cuts an archive into spans; the sink
 * in dockproto/_tarmembers.py turns them into TarMember and TarData events.  For an
 * export of 20,000 small files that is 40,000 Python objects, and building them in
 * Python costs more than the socket read (docs/benchmarks-profile.md).  cffi cannot
 * hand Python objects across, so this small extension does the common case:
 *
 *     take(spans, start, in_addr, out_addr, events, owners) -> (stop, owners)
 *
 * walks the (tag, offset, length) triples of `spans` from index `start`, appends an
 * event to the list `events` for each, and stops at the first span it leaves to
 * Python, returning that span's index (len(spans) when it took them all) and the
 * owner names of the last member.  It takes:
 *
 *   - a header record (layout at the top of tar.c) of a member that is not a GNU
 *     long name or pax header ('L' 'K' 'x' 'g'), as TarMember;
 *   - a data span that ends its member's data (DP_SPAN_END) and holds at most
 *     max_piece bytes, as TarData of a copy of those bytes.
 *
 * Everything else (meta members and what follows them, data of large members, the
 * end of the archive) is Python's: the sink calls take only when nothing is pending
 * there (no long name, pax record or data part), and so builds exactly the events
 * the Python code builds for the same spans (tests/native/test_tar_events.py).
 *
 * Addresses: the spans point into the caller's input and the core's output buffer,
 * which dockproto/_decode.py passes as integers (cffi knows them; the 3.10 stable ABI
 * has no buffer protocol).  They are only read, within the spans the core produced.
 *
 * Objects: TarMember and TarData are frozen slots dataclasses.  They are allocated
 * with their type's tp_alloc and their slots filled directly, as their __init__
 * would; configure() finds where each slot lies in a sample instance whose field
 * values it is given, and refuses a type whose layout it cannot account for (the
 * sink then stays in Python).  Built for the stable ABI (Py_LIMITED_API, set by
 * setup.py) where the interpreter has one; for free-threaded CPython per version.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#include "dockproto.h"

/* The header record (tar.c): numbers, typeflag, text lengths, flags, then texts. */
enum {
    R_SIZE = 0, R_MODE = 8, R_UID = 16, R_GID = 24, R_MTIME = 32, R_MAJOR = 40,
    R_MINOR = 48, R_TYPE = 56, R_LENS = 57, R_FLAGS = 62, OWNERS_AS_BEFORE = 1
};

/* TarMember's fields, in this order in the values given to configure(). */
enum {
    F_NAME, F_SIZE, F_MODE, F_TYPE, F_LINK, F_MTIME, F_UID, F_GID, F_UNAME, F_GNAME,
    F_MAJOR, F_MINOR, F_PAX, N_FIELDS
};

typedef struct {
    PyObject *type;    /* strong */
    allocfunc alloc;
    Py_ssize_t off[N_FIELDS];
} layout;

static layout member, data;
static PyObject *types; /* a tuple of 256 TarType members, by typeflag (strong) */
static Py_ssize_t max_piece;
static int configured;

static uint64_t u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i]; /* little-endian, any host */
    return v;
}

static int is_meta(unsigned t)
{
    return t == 'x' || t == 'g' || t == 'L' || t == 'K';
}

static int type_size(PyObject *type, const char *attr, Py_ssize_t *v)
{
    PyObject *obj = PyObject_GetAttrString(type, attr);
    if (obj == NULL) return -1;
    *v = PyLong_AsSsize_t(obj);
    Py_DECREF(obj);
    return *v == -1 && PyErr_Occurred() ? -1 : 0;
}

/* Where sample's slots hold values[0..n): each value must be found exactly once,
 * and the instance must be nothing but the object header and those n slots (no
 * __dict__, no __weakref__). */
static int find_layout(layout *lay, PyObject *type, PyObject *sample, PyObject *values,
                       Py_ssize_t n)
{
    Py_ssize_t basic, dict, weak;
    if (!PyType_Check(type) || type_size(type, "__basicsize__", &basic) < 0 ||
        type_size(type, "__dictoffset__", &dict) < 0 ||
        type_size(type, "__weakrefoffset__", &weak) < 0)
        return -1;
    if ((PyObject *)Py_TYPE(sample) != type || !PyTuple_Check(values) ||
        PyTuple_Size(values) != n || dict != 0 || weak != 0 ||
        basic != (Py_ssize_t)(sizeof(PyObject) + (size_t)n * sizeof(PyObject *))) {
        PyErr_SetString(PyExc_TypeError, "tar event type has an unexpected layout");
        return -1;
    }
    const char *base = (const char *)sample;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *want = PyTuple_GetItem(values, i);
        Py_ssize_t found = -1;
        for (Py_ssize_t k = 0; k < n; k++) {
            Py_ssize_t at = (Py_ssize_t)sizeof(PyObject) + k * (Py_ssize_t)sizeof(PyObject *);
            PyObject *slot;
            memcpy(&slot, base + at, sizeof slot);
            if (slot == want) {
                if (found != -1) found = -2;
                else found = at;
            }
        }
        if (found < 0) {
            PyErr_SetString(PyExc_TypeError, "tar event type has an unexpected layout");
            return -1;
        }
        lay->off[i] = found;
    }
    /* (through memcpy: ISO C has no cast from void * to a function pointer) */
    void *slot_fn = PyType_GetSlot((PyTypeObject *)type, Py_tp_alloc);
    if (slot_fn == NULL || sizeof slot_fn != sizeof lay->alloc) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "tar event type has no tp_alloc");
        return -1;
    }
    memcpy(&lay->alloc, &slot_fn, sizeof lay->alloc);
    lay->type = type; /* borrowed until configure() keeps it */
    return 0;
}

static void keep(layout *into, const layout *found)
{
    Py_INCREF(found->type);
    Py_XDECREF(into->type);
    *into = *found;
}

/* configure(member_type, member_sample, member_values, data_type, data_sample,
 *           data_values, types, max_piece) */
static PyObject *configure(PyObject *self, PyObject *args)
{
    PyObject *mt, *ms, *mv, *dt, *ds, *dv, *ty;
    Py_ssize_t piece;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOOOOOn", &mt, &ms, &mv, &dt, &ds, &dv, &ty, &piece))
        return NULL;
    if (!PyTuple_Check(ty) || PyTuple_Size(ty) != 256 || piece <= 0) {
        PyErr_SetString(PyExc_ValueError, "types must be a tuple of 256, max_piece positive");
        return NULL;
    }
    /* (a refused configuration leaves the one before it in place) */
    layout m, d;
    memset(&m, 0, sizeof m);
    memset(&d, 0, sizeof d);
    if (find_layout(&m, mt, ms, mv, N_FIELDS) < 0) return NULL;
    if (find_layout(&d, dt, ds, dv, 1) < 0) return NULL;
    keep(&member, &m);
    keep(&data, &d);
    Py_INCREF(ty);
    Py_XDECREF(types);
    types = ty;
    max_piece = piece;
    configured = 1;
    Py_RETURN_NONE;
}

static PyObject *text(const uint8_t *p, size_t n)
{
    return PyUnicode_DecodeUTF8((const char *)p, (Py_ssize_t)n, "surrogateescape");
}

/* A new instance of lay->type with its slots set to vals (references stolen, also
 * on failure). */
static PyObject *build(const layout *lay, PyObject **vals, Py_ssize_t n)
{
    PyObject *obj = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (vals[i] == NULL) goto fail;
    }
    obj = lay->alloc((PyTypeObject *)lay->type, 0);
    if (obj == NULL) goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        memcpy((char *)obj + lay->off[i], &vals[i], sizeof(PyObject *));
    }
    return obj;
fail:
    for (Py_ssize_t i = 0; i < n; i++) Py_XDECREF(vals[i]);
    return NULL;
}

/* A member from its header record r; *owners is replaced when it names new ones. */
static PyObject *make_member(const uint8_t *r, PyObject **owners)
{
    unsigned t = r[R_TYPE];
    size_t n_name = r[R_LENS], n_link = r[R_LENS + 1], n_uname = r[R_LENS + 2];
    size_t n_gname = r[R_LENS + 3], n_prefix = r[R_LENS + 4];
    const uint8_t *p = r + DP_TAR_RECORD;
    PyObject *v[N_FIELDS];
    memset(v, 0, sizeof v);

    v[F_NAME] = text(p, n_name);
    p += n_name;
    v[F_LINK] = text(p, n_link);
    p += n_link;
    if (r[R_FLAGS] & OWNERS_AS_BEFORE) {
        v[F_UNAME] = PyTuple_GetItem(*owners, 0);
        v[F_GNAME] = PyTuple_GetItem(*owners, 1);
        Py_XINCREF(v[F_UNAME]);
        Py_XINCREF(v[F_GNAME]);
    } else {
        v[F_UNAME] = text(p, n_uname);
        p += n_uname;
        v[F_GNAME] = text(p, n_gname);
        p += n_gname;
        if (v[F_UNAME] && v[F_GNAME]) {
            PyObject *pair = PyTuple_Pack(2, v[F_UNAME], v[F_GNAME]);
            if (pair == NULL) goto fail;
            Py_DECREF(*owners);
            *owners = pair;
        }
    }
    /* "prefix/name" (ustar); a name ending in '/' of an old regular file is a directory */
    int slash = n_name ? r[DP_TAR_RECORD + n_name - 1] == '/' : n_prefix != 0;
    if (n_prefix && v[F_NAME]) {
        PyObject *prefix = text(p, n_prefix);
        if (prefix == NULL) goto fail;
        PyObject *joined = PyUnicode_FromFormat("%U/%U", prefix, v[F_NAME]);
        Py_DECREF(prefix);
        Py_DECREF(v[F_NAME]);
        v[F_NAME] = joined;
    }
    v[F_TYPE] = PyTuple_GetItem(types, t == 0 && slash ? '5' : (Py_ssize_t)t);
    Py_XINCREF(v[F_TYPE]);
    v[F_SIZE] = PyLong_FromUnsignedLongLong(u64(r + R_SIZE));
    v[F_MODE] = PyLong_FromUnsignedLongLong(u64(r + R_MODE));
    v[F_UID] = PyLong_FromUnsignedLongLong(u64(r + R_UID));
    v[F_GID] = PyLong_FromUnsignedLongLong(u64(r + R_GID));
    v[F_MTIME] = PyLong_FromUnsignedLongLong(u64(r + R_MTIME));
    v[F_MAJOR] = PyLong_FromUnsignedLongLong(u64(r + R_MAJOR));
    v[F_MINOR] = PyLong_FromUnsignedLongLong(u64(r + R_MINOR));
    v[F_PAX] = PyDict_New();
    return build(&member, v, N_FIELDS);
fail:
    for (int i = 0; i < N_FIELDS; i++) Py_XDECREF(v[i]);
    return NULL;
}

static int span_field(PyObject *spans, Py_ssize_t i, uint64_t *v)
{
    *v = PyLong_AsUnsignedLongLong(PyList_GetItem(spans, i));
    return *v == (uint64_t)-1 && PyErr_Occurred() ? -1 : 0;
}

static PyObject *take(PyObject *self, PyObject *args)
{
    PyObject *spans, *events, *owners;
    Py_ssize_t start;
    unsigned long long in_addr, out_addr;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!nKKO!O!", &PyList_Type, &spans, &start, &in_addr,
                          &out_addr, &PyList_Type, &events, &PyTuple_Type, &owners))
        return NULL;
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "dockproto._tarevents is not configured");
        return NULL;
    }
    if (PyTuple_Size(owners) != 2 || start < 0) {
        PyErr_SetString(PyExc_ValueError, "owners must be a pair, start not negative");
        return NULL;
    }
    const uint8_t *in = (const uint8_t *)(uintptr_t)in_addr;
    const uint8_t *out = (const uint8_t *)(uintptr_t)out_addr;
    Py_ssize_t n = PyList_Size(spans), i = start;
    Py_INCREF(owners);
    for (; i + 3 <= n; i += 3) {
        uint64_t tag, off, len;
        if (span_field(spans, i, &tag) < 0 || span_field(spans, i + 1, &off) < 0 ||
            span_field(spans, i + 2, &len) < 0)
            goto fail;
        PyObject *ev;
        unsigned kind = (unsigned)(tag & DP_KIND_MASK);
        if (kind == DP_K_TAR_DATA) {
            if (!(tag & DP_SPAN_END) || len > (uint64_t)max_piece) break;
            const uint8_t *at = (tag & DP_SPAN_OUT ? out : in) + off;
            PyObject *bytes = PyBytes_FromStringAndSize((const char *)at, (Py_ssize_t)len);
            ev = build(&data, &bytes, 1);
        } else if (kind == DP_K_TAR_HEADER) {
            if (is_meta(out[off + R_TYPE])) break;
            ev = make_member(out + off, &owners);
        } else {
            break; /* the end of the archive */
        }
        if (ev == NULL) goto fail;
        int rc = PyList_Append(events, ev);
        Py_DECREF(ev);
        if (rc < 0) goto fail;
    }
    return Py_BuildValue("(nN)", i, owners);
fail:
    Py_DECREF(owners);
    return NULL;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(member_type, member_sample, member_values, data_type, data_sample, "
     "data_values, types, max_piece)"},
    {"take", take, METH_VARARGS,
     "take(spans, start, in_addr, out_addr, events, owners) -> (stop, owners)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "dockproto._tarevents",
    "The common case of the tar sink in C (see csrc/tarevents.c).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__tarevents(void)
{
    PyObject *m = PyModule_Create(&module);
#ifdef Py_GIL_DISABLED
    /* configure() runs once, at import of dockproto._tarmembers; take() only reads. */
    if (m != NULL) PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED);
#endif
    return m;
}
