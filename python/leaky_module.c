/* SPDX-License-Identifier: MIT */
/*
 * The leaky module for Python: the library's functions on NumPy arrays, with NumPy's
 * conventions (broadcasting, out= and in place, any strides, 0-d and empty arrays, the
 * input's dtype for the result).
 *
 * An elementwise call takes one of three roads. When every operand is dense in the same
 * order (C or Fortran), aligned and in the machine's byte order, the whole array is one
 * call of the library (its SIMD kernels and its threads); so is it when every operand is
 * dense and reversed on every axis (x[::-1]), from the lowest address. When the operands
 * are dense, some reversed and some not, blocks are reversed through a buffer in the
 * cache on the way in or out, each block one call. Otherwise NumPy's buffered iterator
 * hands over dense blocks, copying strided, broadcast or byte-swapped operands in and the
 * output back, and each block is one call. Every way the kernels run with the GIL
 * released.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "leaky.h"

/* Leaky ReLU's default slope, as PyTorch's: the double 0.01 (LEAKY_DEFAULT_SLOPE is its
 * float32 rounding, which float64 arrays must not get). */
#define DEFAULT_SLOPE 0.01

/* The elements of a block when operands are copied to be dense (the iterator's buffer):
 * measured in docs/PERFORMANCE.md. */
#define BLOCK_ELEMENTS 8192

/* The scalar arguments of an elementwise function. */
struct params {
    double slope;        /* Leaky ReLU's negative slope */
    double lower, upper; /* RReLU's bounds */
    uint64_t seed;       /* RReLU's draw */
};

/* n dense elements of each operand (the inputs, then the output); `first` is the index of
 * the run's first element in the whole array, in C order. */
typedef leaky_status (*run_fn)(char *const *p, size_t n, uint64_t first, const struct params *q);

#define RUN_T float
#define RUN_S f32
#include "runs.h"
#undef RUN_T
#undef RUN_S
#define RUN_T double
#define RUN_S f64
#include "runs.h"
#undef RUN_T
#undef RUN_S

/* The dtypes the module computes in, as indices of the tables below. */
enum dtype { F32, F64, F16, NUM_DTYPES };
static const int type_nums[NUM_DTYPES] = {NPY_FLOAT, NPY_DOUBLE, NPY_HALF};

/* float16 where the library has float32 only: widened (exactly), computed in float32 and
 * rounded once to float16, which is what the library's own float16 functions do. */
static leaky_status via_f32(run_fn run, int nin, char *const *p, size_t n, uint64_t first,
                            const struct params *q)
{
    enum { BLOCK = 1024 };
    float buf[3][BLOCK];
    char *bp[3] = {(char *)buf[0], (char *)buf[1], (char *)buf[2]};
    for (size_t done = 0; done < n; done += BLOCK) {
        const size_t m = n - done < BLOCK ? n - done : BLOCK;
        for (int i = 0; i < nin; i++)
            leaky_widen_array_f16((const uint16_t *)p[i] + done, buf[i], m);
        const leaky_status status = run(bp, m, first + done, q);
        if (status != LEAKY_OK)
            return status;
        leaky_narrow_array_f16(buf[nin], (uint16_t *)p[nin] + done, m);
    }
    return LEAKY_OK;
}

static leaky_status run_leaky_relu_f16(char *const *p, size_t n, uint64_t first,
                                       const struct params *q)
{
    (void)first;
    return leaky_relu_f16((const uint16_t *)p[0], (uint16_t *)p[1], n, (float)q->slope);
}

static leaky_status run_leaky_relu_derivative_f16(char *const *p, size_t n, uint64_t first,
                                                  const struct params *q)
{
    (void)first;
    return leaky_relu_derivative_f16((const uint16_t *)p[0], (uint16_t *)p[1], n, (float)q->slope);
}

static leaky_status run_leaky_relu_backward_f16(char *const *p, size_t n, uint64_t first,
                                                const struct params *q)
{
    (void)first;
    return leaky_relu_backward_f16((const uint16_t *)p[0], (const uint16_t *)p[1], (uint16_t *)p[2],
                                   n, (float)q->slope);
}

static leaky_status run_relu_f16(char *const *p, size_t n, uint64_t first, const struct params *q)
{
    return via_f32(run_relu_f32, 1, p, n, first, q);
}

static leaky_status run_relu_backward_f16(char *const *p, size_t n, uint64_t first,
                                          const struct params *q)
{
    return via_f32(run_relu_backward_f32, 2, p, n, first, q);
}

static leaky_status run_rrelu_train_f16(char *const *p, size_t n, uint64_t first,
                                        const struct params *q)
{
    return via_f32(run_rrelu_train_f32, 1, p, n, first, q);
}

static leaky_status run_rrelu_backward_train_f16(char *const *p, size_t n, uint64_t first,
                                                 const struct params *q)
{
    return via_f32(run_rrelu_backward_train_f32, 2, p, n, first, q);
}

/* An elementwise function: its inputs (x, then grad for a backward), whether its result
 * depends on each element's index (RReLU's training draw: then the order is C order), its
 * runs per dtype, and a check of its scalars made before any array is looked at. */
struct op {
    int nin;
    bool indexed;
    run_fn run[NUM_DTYPES];
    leaky_status (*check)(enum dtype dtype, const struct params *q);
};

static leaky_status check_rrelu_bounds(enum dtype dtype, const struct params *q)
{
    return dtype == F64 ? check_rrelu_bounds_f64(q) : check_rrelu_bounds_f32(q);
}

static const struct op op_leaky_relu =
    {1, false, {run_leaky_relu_f32, run_leaky_relu_f64, run_leaky_relu_f16}, NULL};
static const struct op op_leaky_relu_derivative = {
    1,
    false,
    {run_leaky_relu_derivative_f32, run_leaky_relu_derivative_f64, run_leaky_relu_derivative_f16},
    NULL};
static const struct op op_leaky_relu_backward = {
    2,
    false,
    {run_leaky_relu_backward_f32, run_leaky_relu_backward_f64, run_leaky_relu_backward_f16},
    NULL};
static const struct op op_relu = {1, false, {run_relu_f32, run_relu_f64, run_relu_f16}, NULL};
static const struct op op_relu_backward =
    {2, false, {run_relu_backward_f32, run_relu_backward_f64, run_relu_backward_f16}, NULL};
/* RReLU in evaluation: Leaky ReLU with the mean slope, once the bounds are checked. */
static const struct op op_rrelu_eval =
    {1, false, {run_leaky_relu_f32, run_leaky_relu_f64, run_leaky_relu_f16}, check_rrelu_bounds};
static const struct op op_rrelu_backward_eval = {
    2,
    false,
    {run_leaky_relu_backward_f32, run_leaky_relu_backward_f64, run_leaky_relu_backward_f16},
    check_rrelu_bounds};
static const struct op op_rrelu_train =
    {1, true, {run_rrelu_train_f32, run_rrelu_train_f64, run_rrelu_train_f16}, NULL};
static const struct op op_rrelu_backward_train = {
    2,
    true,
    {run_rrelu_backward_train_f32, run_rrelu_backward_train_f64, run_rrelu_backward_train_f16},
    NULL};

/* ------------------------------------------------------------ the library's settings */

/* leaky_set_num_threads must not run while another thread is inside the library: calls
 * take this lock shared, set_num_threads exclusively (each with the GIL released, so a
 * thread waiting here never holds up the others). */
static pthread_rwlock_t settings_lock = PTHREAD_RWLOCK_INITIALIZER;

/* Raises ValueError with the library's message for the failed call on this thread. */
static void *raise_library_error(void)
{
    PyErr_SetString(PyExc_ValueError, leaky_last_error());
    return NULL;
}

/* ------------------------------------------------------------ arguments */

/* Fills slot[i] for each name (the list ends with NULL) from the positional arguments, then
 * the keywords; the first `required` must be given, the others are left NULL when not. */
static int parse_args(const char *fn, const char *const *names, int required, PyObject *const *args,
                      Py_ssize_t nargs, PyObject *kwnames, PyObject **slot)
{
    int count = 0;
    while (names[count])
        count++;
    if (nargs > count) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional arguments (%zd given)", fn,
                     count, nargs);
        return -1;
    }
    for (int i = 0; i < count; i++)
        slot[i] = i < nargs ? args[i] : NULL;
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        int i = 0;
        while (i < count && PyUnicode_CompareWithASCIIString(key, names[i]) != 0)
            i++;
        if (i == count) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fn, key);
            return -1;
        }
        if (slot[i]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fn,
                         names[i]);
            return -1;
        }
        slot[i] = args[nargs + k];
    }
    for (int i = 0; i < required; i++) {
        if (!slot[i]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fn, names[i]);
            return -1;
        }
    }
    return 0;
}

static int get_double(const char *fn, const char *name, PyObject *obj, double fallback,
                      double *value)
{
    if (!obj || obj == Py_None) {
        *value = fallback;
        return 0;
    }
    *value = PyFloat_AsDouble(obj);
    if (*value == -1.0 && PyErr_Occurred()) {
        PyErr_Format(PyExc_TypeError, "%s: %s must be a number, not %.100s", fn, name,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    return 0;
}

static int get_seed(const char *fn, PyObject *obj, uint64_t *seed)
{
    *seed = 0;
    if (!obj)
        return 0;
    PyObject *index = PyNumber_Index(obj);
    if (!index) {
        PyErr_Format(PyExc_TypeError, "%s: seed must be an integer, not %.100s", fn,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    *seed = PyLong_AsUnsignedLongLong(index);
    Py_DECREF(index);
    if (*seed == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s: seed is %R; expected an integer from 0 to 2**64-1", fn,
                     obj);
        return -1;
    }
    return 0;
}

static int get_bool(PyObject *obj, bool *value)
{
    const int truth = obj ? PyObject_IsTrue(obj) : 0;
    *value = truth == 1;
    return truth < 0 ? -1 : 0;
}

static int dtype_of(const PyArrayObject *a, enum dtype *dtype)
{
    const int type_num = PyArray_DESCR((PyArrayObject *)a)->type_num;
    for (int t = 0; t < NUM_DTYPES; t++) {
        if (type_nums[t] == type_num) {
            *dtype = (enum dtype)t;
            return 0;
        }
    }
    return -1;
}

/* x as an array of a dtype the module computes in: an ndarray keeps its dtype, which must be
 * float32, float64 or float16; other objects (lists, numbers) become arrays as NumPy makes
 * them, integers and booleans as float64. New reference. */
static PyArrayObject *input_array(const char *fn, PyObject *obj, enum dtype *dtype)
{
    PyArrayObject *a = NULL;
    if (PyArray_Check(obj)) {
        Py_INCREF(obj);
        a = (PyArrayObject *)obj;
    } else {
        a = (PyArrayObject *)PyArray_FromAny(obj, NULL, 0, 0, 0, NULL);
        if (a && (PyArray_ISINTEGER(a) || PyArray_ISBOOL(a))) {
            PyArrayObject *widened = (PyArrayObject *)PyArray_FROM_OT((PyObject *)a, NPY_DOUBLE);
            Py_DECREF(a);
            a = widened;
        }
        if (!a)
            return NULL;
    }
    if (dtype_of(a, dtype) != 0) {
        PyErr_Format(PyExc_TypeError, "%s: x has dtype %S; expected float32, float64 or float16",
                     fn, (PyObject *)PyArray_DESCR(a));
        Py_DECREF(a);
        return NULL;
    }
    return a;
}

static PyArray_Descr *descr_of(enum dtype dtype) { return PyArray_DescrFromType(type_nums[dtype]); }

/* Another array argument (grad), computed in x's dtype: an ndarray must have it, other
 * objects are converted to it. New reference. */
static PyArrayObject *operand_array(const char *fn, const char *name, PyObject *obj,
                                    enum dtype dtype)
{
    if (PyArray_Check(obj)) {
        if (PyArray_DESCR((PyArrayObject *)obj)->type_num != type_nums[dtype]) {
            PyObject *want = (PyObject *)descr_of(dtype);
            PyErr_Format(PyExc_TypeError, "%s: %s has dtype %S; expected %S, the dtype of x", fn,
                         name, (PyObject *)PyArray_DESCR((PyArrayObject *)obj), want);
            Py_DECREF(want);
            return NULL;
        }
        Py_INCREF(obj);
        return (PyArrayObject *)obj;
    }
    return (PyArrayObject *)PyArray_FromAny(obj, descr_of(dtype), 0, 0, NPY_ARRAY_FORCECAST, NULL);
}

/* out=: None, an array or a tuple of one array (as NumPy's ufuncs take it), of x's dtype.
 * Sets *out to a borrowed reference, NULL for None. */
static int output_array(const char *fn, PyObject *obj, enum dtype dtype, PyArrayObject **out)
{
    *out = NULL;
    if (!obj || obj == Py_None)
        return 0;
    if (PyTuple_Check(obj) && PyTuple_GET_SIZE(obj) == 1)
        obj = PyTuple_GET_ITEM(obj, 0);
    if (!PyArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s: out must be a numpy array, not %.100s", fn,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    PyArrayObject *a = (PyArrayObject *)obj;
    if (PyArray_DESCR(a)->type_num != type_nums[dtype]) {
        PyObject *want = (PyObject *)descr_of(dtype);
        PyErr_Format(PyExc_TypeError, "%s: out has dtype %S; expected %S, the dtype of x", fn,
                     (PyObject *)PyArray_DESCR(a), want);
        Py_DECREF(want);
        return -1;
    }
    if (PyArray_FailUnlessWriteable(a, "out") < 0)
        return -1;
    *out = a;
    return 0;
}

/* ------------------------------------------------------------ elementwise */

static bool same_shape(PyArrayObject *a, PyArrayObject *b)
{
    return PyArray_NDIM(a) == PyArray_NDIM(b) &&
           PyArray_CompareLists(PyArray_DIMS(a), PyArray_DIMS(b), PyArray_NDIM(a));
}

/* The bytes an array's elements span, [*lo, *hi). */
static void extent(PyArrayObject *a, const char **lo, const char **hi)
{
    *lo = *hi = PyArray_BYTES(a);
    if (PyArray_SIZE(a) == 0)
        return;
    *hi += PyArray_ITEMSIZE(a);
    for (int d = 0; d < PyArray_NDIM(a); d++) {
        const npy_intp step = (PyArray_DIM(a, d) - 1) * PyArray_STRIDE(a, d);
        *(step < 0 ? lo : hi) += step;
    }
}

static bool overlap(PyArrayObject *a, PyArrayObject *b)
{
    const char *alo, *ahi, *blo, *bhi;
    extent(a, &alo, &ahi);
    extent(b, &blo, &bhi);
    return alo < bhi && blo < ahi;
}

/* Whether the library may take the arrays whole: one shape, dense in the same order,
 * aligned, the machine's byte order, and an output (NULL: a new one) that is one of the
 * inputs or shares no byte with them (the library refuses any other overlap). */
static bool whole_arrays(PyArrayObject *const *in, int nin, PyArrayObject *out, bool c_order_only)
{
    const int dense_c = NPY_ARRAY_ALIGNED | NPY_ARRAY_C_CONTIGUOUS;
    const int dense_f = NPY_ARRAY_ALIGNED | NPY_ARRAY_F_CONTIGUOUS;
    bool all_c = true, all_f = !c_order_only;
    for (int i = 0; i <= nin; i++) {
        PyArrayObject *a = i < nin ? in[i] : out;
        if (!a)
            break;
        if (!PyArray_ISNOTSWAPPED(a) || !same_shape(a, in[0]))
            return false;
        all_c = all_c && PyArray_CHKFLAGS(a, dense_c);
        all_f = all_f && PyArray_CHKFLAGS(a, dense_f);
    }
    if (!all_c && !all_f)
        return false;
    for (int i = 0; out && i < nin; i++) {
        if (PyArray_BYTES(in[i]) != PyArray_BYTES(out) && overlap(in[i], out))
            return false;
    }
    return true;
}

/* The library looks at the scalars only when there is an element: one, on scratch. */
static leaky_status check_scalars(const struct op *op, enum dtype dtype, const struct params *q)
{
    double scratch[3] = {0, 0, 0};
    char *p[3] = {(char *)&scratch[0], (char *)&scratch[1], (char *)&scratch[2]};
    return op->run[dtype](p, 1, 0, q);
}

/* How an operand holds its elements in C order: dense from its lowest address up, dense
 * from its highest address down (every axis reversed, as x[::-1]), or neither. */
enum direction { NEITHER, FORWARD, BACKWARD };

static enum direction direction_of(PyArrayObject *a)
{
    if (!PyArray_ISNOTSWAPPED(a) || !PyArray_ISALIGNED(a))
        return NEITHER;
    if (PyArray_IS_C_CONTIGUOUS(a))
        return FORWARD;
    npy_intp step = PyArray_ITEMSIZE(a);
    for (int d = PyArray_NDIM(a) - 1; d >= 0; d--) {
        if (PyArray_DIM(a, d) > 1 && PyArray_STRIDE(a, d) != -step)
            return NEITHER;
        step *= PyArray_DIM(a, d);
    }
    return BACKWARD;
}

/* Whether the operands are dense in C order, each forward or backward, at least one
 * backward, and out (NULL: a new one, forward) is one of the inputs or shares no byte with
 * them; dir gets each operand's direction. */
static bool reversed_arrays(PyArrayObject *const *in, int nin, PyArrayObject *out,
                            enum direction *dir)
{
    bool any_backward = false;
    for (int i = 0; i <= nin; i++) {
        PyArrayObject *a = i < nin ? in[i] : out;
        dir[i] = a ? direction_of(a) : FORWARD;
        if (dir[i] == NEITHER || (a && !same_shape(a, in[0])))
            return false;
        any_backward = any_backward || dir[i] == BACKWARD;
    }
    for (int i = 0; out && i < nin; i++) {
        const char *in_lo, *in_hi, *out_lo, *out_hi;
        extent(in[i], &in_lo, &in_hi);
        extent(out, &out_lo, &out_hi);
        if ((in_lo != out_lo || dir[i] != dir[nin]) && overlap(in[i], out))
            return false;
    }
    return any_backward;
}

/* The elements of each operand in a block of the reversed road: in the first level of
 * cache with the others. */
#define REVERSED_BLOCK_BYTES 8192

/* to[j] = from[n - 1 - j] for elements of `size` bytes; each size its own loop, which the
 * compiler vectorises with shuffles. */
static inline void reverse_elements(char *restrict to, const char *restrict from, size_t n,
                                    size_t size)
{
    for (size_t j = 0; j < n; j++)
        memcpy(to + j * size, from + (n - 1 - j) * size, size);
}

static void reverse_copy(char *restrict to, const char *restrict from, size_t n, size_t size)
{
    switch (size) {
    case 2: reverse_elements(to, from, n, 2); break;
    case 4: reverse_elements(to, from, n, 4); break;
    default: reverse_elements(to, from, n, 8); break;
    }
}

/* Operands dense in C order, forward or backward (see direction_of). All in one direction
 * (RReLU's draw, which depends on the index, only forward): one call of the library on
 * their lowest addresses, since an elementwise function does not care about the order.
 * Otherwise blocks in C order, each backward input reversed into a buffer and a backward
 * output reversed out of one. */
static leaky_status run_dense(const struct op *op, enum dtype dtype, PyArrayObject **ops,
                              const enum direction *dir, const struct params *q)
{
    const int nop = op->nin + 1;
    const size_t n = (size_t)PyArray_SIZE(ops[0]), size = (size_t)PyArray_ITEMSIZE(ops[0]);
    char *lo[3];
    bool one_direction = true;
    for (int i = 0; i < nop; i++) {
        const char *low, *high;
        extent(ops[i], &low, &high);
        lo[i] = (char *)low;
        one_direction = one_direction && dir[i] == dir[0];
    }
    one_direction = one_direction && (dir[0] == FORWARD || !op->indexed);
    leaky_status status = LEAKY_OK;
    Py_BEGIN_ALLOW_THREADS;
    pthread_rwlock_rdlock(&settings_lock);
    if (one_direction) {
        status = op->run[dtype](lo, n, 0, q);
    } else {
        _Alignas(64) char buf[3][REVERSED_BLOCK_BYTES];
        const size_t block = REVERSED_BLOCK_BYTES / size;
        for (size_t done = 0; status == LEAKY_OK && done < n; done += block) {
            const size_t m = n - done < block ? n - done : block;
            const size_t back = (n - done - m) * size; /* the block's bytes, when backward */
            char *p[3];
            for (int i = 0; i < nop; i++) {
                p[i] = dir[i] == FORWARD ? lo[i] + done * size : buf[i];
                if (dir[i] == BACKWARD && i < op->nin)
                    reverse_copy(buf[i], lo[i] + back, m, size);
            }
            status = op->run[dtype](p, m, done, q);
            if (status == LEAKY_OK && dir[op->nin] == BACKWARD)
                reverse_copy(lo[op->nin] + back, buf[op->nin], m, size);
        }
    }
    pthread_rwlock_unlock(&settings_lock);
    Py_END_ALLOW_THREADS;
    return status;
}

/* Any operands, through NumPy's buffered iterator: broadcasting, strides, byte order and
 * overlap between out and an input are its business; every block it hands over is dense.
 * ops[nin] is out, or NULL for a new array. Returns the output (new reference), or NULL
 * with an exception. */
static PyArrayObject *run_blocks(const struct op *op, enum dtype dtype, PyArrayObject **ops,
                                 const struct params *q)
{
    const int nop = op->nin + 1;
    npy_uint32 op_flags[3];
    PyArray_Descr *dtypes[3];
    for (int i = 0; i < nop; i++) {
        op_flags[i] =
            NPY_ITER_NBO | NPY_ITER_ALIGNED | NPY_ITER_CONTIG |
            NPY_ITER_OVERLAP_ASSUME_ELEMENTWISE |
            (i < op->nin ? NPY_ITER_READONLY
                         : NPY_ITER_WRITEONLY | NPY_ITER_ALLOCATE | NPY_ITER_NO_BROADCAST);
        dtypes[i] = descr_of(dtype);
    }
    /* The index of an element is its place in C order; otherwise the iterator may follow
     * the arrays' memory order. */
    const npy_uint32 flags = NPY_ITER_EXTERNAL_LOOP | NPY_ITER_BUFFERED | NPY_ITER_GROWINNER |
                             NPY_ITER_ZEROSIZE_OK | NPY_ITER_COPY_IF_OVERLAP |
                             (op->indexed ? NPY_ITER_DONT_NEGATE_STRIDES : 0);
    NpyIter *it =
        NpyIter_AdvancedNew(nop, ops, flags, op->indexed ? NPY_CORDER : NPY_KEEPORDER,
                            NPY_EQUIV_CASTING, op_flags, dtypes, -1, NULL, NULL, BLOCK_ELEMENTS);
    for (int i = 0; i < nop; i++)
        Py_DECREF(dtypes[i]);
    if (!it)
        return NULL;

    leaky_status status = LEAKY_OK;
    if (NpyIter_GetIterSize(it) > 0) {
        NpyIter_IterNextFunc *next = NpyIter_GetIterNext(it, NULL);
        if (!next) {
            NpyIter_Deallocate(it);
            return NULL;
        }
        char **data = NpyIter_GetDataPtrArray(it);
        npy_intp *size = NpyIter_GetInnerLoopSizePtr(it);
        NPY_BEGIN_THREADS_DEF;
        if (!NpyIter_IterationNeedsAPI(it))
            NPY_BEGIN_THREADS;
        pthread_rwlock_rdlock(&settings_lock);
        do {
            const uint64_t first = op->indexed ? (uint64_t)NpyIter_GetIterIndex(it) : 0;
            status = op->run[dtype](data, (size_t)*size, first, q);
        } while (status == LEAKY_OK && next(it));
        pthread_rwlock_unlock(&settings_lock);
        NPY_END_THREADS;
    }
    PyArrayObject *result = NpyIter_GetOperandArray(it)[op->nin];
    Py_INCREF(result);
    if (NpyIter_Deallocate(it) != NPY_SUCCEED || status != LEAKY_OK) {
        if (status != LEAKY_OK)
            raise_library_error();
        Py_DECREF(result);
        return NULL;
    }
    return result;
}

/* An elementwise function on the Python objects of its inputs and out= (NULL or None for a
 * new array): the result as NumPy's ufuncs give it (out itself, or a new array, a scalar for
 * 0-d inputs). */
static PyObject *elementwise(const char *fn, const struct op *op, PyObject *const *inputs,
                             PyObject *out_arg, const struct params *q)
{
    PyArrayObject *ops[3] = {NULL, NULL, NULL};
    PyArrayObject *out = NULL;
    PyObject *result = NULL;
    const int nin = op->nin;
    enum dtype dtype;
    ops[0] = input_array(fn, inputs[0], &dtype);
    if (!ops[0])
        return NULL;
    if (op->check && op->check(dtype, q) != LEAKY_OK) {
        raise_library_error();
        goto done;
    }
    for (int i = 1; i < nin; i++) {
        ops[i] = operand_array(fn, "grad", inputs[i], dtype);
        if (!ops[i])
            goto done;
    }
    if (output_array(fn, out_arg, dtype, &out) < 0)
        goto done;
    /* A backward overwrites only the gradient in place, never x: written over x, it reads
     * a copy of x. */
    if (nin == 2 && out && overlap(ops[0], out)) {
        PyArrayObject *copy = (PyArrayObject *)PyArray_NewCopy(ops[0], NPY_KEEPORDER);
        Py_DECREF(ops[0]);
        ops[0] = copy;
        if (!copy)
            goto done;
    }

    /* Arrays dense in one order go to the library whole (forward: in their common order);
     * reversed ones too, or in blocks reversed on the way (a new output is C order). */
    enum direction dir[3] = {FORWARD, FORWARD, FORWARD};
    const bool whole = whole_arrays(ops, nin, out, op->indexed);
    if (whole || reversed_arrays(ops, nin, out, dir)) {
        ops[nin] = out ? out
                       : (PyArrayObject *)PyArray_NewLikeArray(
                             ops[0], whole ? NPY_KEEPORDER : NPY_CORDER, NULL, 0);
        if (!ops[nin])
            goto done;
        if (out)
            Py_INCREF(out);
        const leaky_status status = PyArray_SIZE(ops[0]) > 0 ? run_dense(op, dtype, ops, dir, q)
                                                             : check_scalars(op, dtype, q);
        if (status != LEAKY_OK) {
            raise_library_error();
            goto done;
        }
    } else {
        /* A bad scalar must fail before the iterator writes a block back to out. */
        if (check_scalars(op, dtype, q) != LEAKY_OK) {
            raise_library_error();
            goto done;
        }
        ops[nin] = out; /* borrowed, for the iterator; replaced by the result */
        ops[nin] = run_blocks(op, dtype, ops, q);
        if (!ops[nin])
            goto done;
    }
    if (out) {
        Py_INCREF(out);
        result = (PyObject *)out;
    } else {
        Py_INCREF(ops[nin]);
        result = PyArray_Return(ops[nin]);
    }
done:
    for (int i = 0; i < 3; i++)
        Py_XDECREF(ops[i]);
    return result;
}

/* ------------------------------------------------------------ the Python functions */

#define FASTCALL_ARGS PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames

/* f(x, [grad,] negative_slope=0.01, out=None) */
static PyObject *call_with_slope(const char *fn, const struct op *op, PyObject *const *args,
                                 Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const unary[] = {"x", "negative_slope", "out", NULL};
    static const char *const binary[] = {"x", "grad", "negative_slope", "out", NULL};
    PyObject *a[4];
    struct params q = {0};
    if (parse_args(fn, op->nin == 1 ? unary : binary, op->nin, args, nargs, kwnames, a) < 0 ||
        get_double(fn, "negative_slope", a[op->nin], DEFAULT_SLOPE, &q.slope) < 0)
        return NULL;
    return elementwise(fn, op, a, a[op->nin + 1], &q);
}

/* f(x, [grad,] out=None) */
static PyObject *call_plain(const char *fn, const struct op *op, PyObject *const *args,
                            Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const unary[] = {"x", "out", NULL};
    static const char *const binary[] = {"x", "grad", "out", NULL};
    PyObject *a[3];
    const struct params q = {0};
    if (parse_args(fn, op->nin == 1 ? unary : binary, op->nin, args, nargs, kwnames, a) < 0)
        return NULL;
    return elementwise(fn, op, a, a[op->nin], &q);
}

/* f(x, [grad,] lower=1/8, upper=1/3, training=False, seed=0, out=None) */
static PyObject *call_rrelu(const char *fn, int nin, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames)
{
    static const char *const unary[] = {"x", "lower", "upper", "training", "seed", "out", NULL};
    static const char *const binary[] = {"x",        "grad", "lower", "upper",
                                         "training", "seed", "out",   NULL};
    PyObject *a[7];
    struct params q = {0};
    bool training;
    if (parse_args(fn, nin == 1 ? unary : binary, nin, args, nargs, kwnames, a) < 0 ||
        get_double(fn, "lower", a[nin], 1.0 / 8, &q.lower) < 0 ||
        get_double(fn, "upper", a[nin + 1], 1.0 / 3, &q.upper) < 0 ||
        get_bool(a[nin + 2], &training) < 0 || get_seed(fn, a[nin + 3], &q.seed) < 0)
        return NULL;
    /* In evaluation the slope is the mean of the bounds, in double, as PyTorch takes it. */
    q.slope = (q.lower + q.upper) / 2;
    const struct op *op = training ? (nin == 1 ? &op_rrelu_train : &op_rrelu_backward_train)
                                   : (nin == 1 ? &op_rrelu_eval : &op_rrelu_backward_eval);
    return elementwise(fn, op, a, a[nin + 4], &q);
}

static PyObject *py_leaky_relu(FASTCALL_ARGS)
{
    (void)self;
    return call_with_slope("leaky_relu", &op_leaky_relu, args, nargs, kwnames);
}

static PyObject *py_leaky_relu_backward(FASTCALL_ARGS)
{
    (void)self;
    return call_with_slope("leaky_relu_backward", &op_leaky_relu_backward, args, nargs, kwnames);
}

static PyObject *py_leaky_relu_derivative(FASTCALL_ARGS)
{
    (void)self;
    return call_with_slope("leaky_relu_derivative", &op_leaky_relu_derivative, args, nargs,
                           kwnames);
}

static PyObject *py_relu(FASTCALL_ARGS)
{
    (void)self;
    return call_plain("relu", &op_relu, args, nargs, kwnames);
}

static PyObject *py_relu_backward(FASTCALL_ARGS)
{
    (void)self;
    return call_plain("relu_backward", &op_relu_backward, args, nargs, kwnames);
}

static PyObject *py_rrelu(FASTCALL_ARGS)
{
    (void)self;
    return call_rrelu("rrelu", 1, args, nargs, kwnames);
}

static PyObject *py_rrelu_backward(FASTCALL_ARGS)
{
    (void)self;
    return call_rrelu("rrelu_backward", 2, args, nargs, kwnames);
}

/* ------------------------------------------------------------ PReLU */

/* The array as the library sees it for PReLU: outer x channels x inner, dense. */
struct prelu_shape {
    size_t outer, channels, inner;
};

/* The channel is dimension `axis` (negative counts from the end); as PyTorch, an array of
 * fewer than 2 dimensions has a single channel when axis is the default 1. */
static int prelu_shape(const char *fn, PyArrayObject *x, PyObject *axis_obj,
                       struct prelu_shape *shape)
{
    const int ndim = PyArray_NDIM(x);
    const npy_intp *dims = PyArray_DIMS(x);
    long axis = 1;
    if (axis_obj) {
        PyObject *index = PyNumber_Index(axis_obj);
        if (!index)
            return -1;
        axis = PyLong_AsLong(index);
        Py_DECREF(index);
        if (axis == -1 && PyErr_Occurred())
            return -1;
    }
    *shape = (struct prelu_shape){1, 1, 1};
    if (ndim < 2 && axis == 1) {
        shape->inner = (size_t)PyArray_SIZE(x);
        return 0;
    }
    if (axis < -ndim || axis >= ndim) {
        PyErr_Format(PyExc_ValueError,
                     "%s: axis is %ld; expected a dimension of x, from %d to %d (x has %d)", fn,
                     axis, -ndim, ndim - 1, ndim);
        return -1;
    }
    if (axis < 0)
        axis += ndim;
    for (int d = 0; d < ndim; d++) {
        size_t *part = d < axis ? &shape->outer : d == axis ? &shape->channels : &shape->inner;
        *part *= (size_t)dims[d];
    }
    return 0;
}

/* The slopes, in the type the library takes them for x's dtype (float32 for float16):
 * an ndarray must convert to it exactly. New reference, dense. */
static PyArrayObject *slopes_array(const char *fn, PyObject *obj, enum dtype dtype)
{
    PyArray_Descr *want = PyArray_DescrFromType(dtype == F64 ? NPY_DOUBLE : NPY_FLOAT);
    if (PyArray_Check(obj) &&
        !PyArray_CanCastTypeTo(PyArray_DESCR((PyArrayObject *)obj), want, NPY_SAFE_CASTING)) {
        PyErr_Format(PyExc_TypeError,
                     "%s: weight has dtype %S; expected %S or a dtype that converts to it exactly",
                     fn, (PyObject *)PyArray_DESCR((PyArrayObject *)obj), (PyObject *)want);
        Py_DECREF(want);
        return NULL;
    }
    return (PyArrayObject *)PyArray_FromAny(obj, want, 0, 0,
                                            NPY_ARRAY_CARRAY_RO | NPY_ARRAY_FORCECAST, NULL);
}

static int shape_error(const char *fn, const char *name, PyArrayObject *a, PyArrayObject *x)
{
    PyObject *got = PyObject_GetAttrString((PyObject *)a, "shape");
    PyObject *want = PyObject_GetAttrString((PyObject *)x, "shape");
    if (got && want)
        PyErr_Format(PyExc_ValueError, "%s: %s has shape %R; expected %R, the shape of x", fn, name,
                     got, want);
    Py_XDECREF(got);
    Py_XDECREF(want);
    return -1;
}

/* An array of x's dtype, dense in C order (a new reference; the same array when it is). */
static PyArrayObject *dense(PyArrayObject *a, enum dtype dtype)
{
    return (PyArrayObject *)PyArray_FromAny((PyObject *)a, descr_of(dtype), 0, 0,
                                            NPY_ARRAY_CARRAY_RO, NULL);
}

static leaky_status prelu_run(enum dtype dtype, const void *x, void *y, const struct prelu_shape *s,
                              const void *w, size_t nw)
{
    switch (dtype) {
    case F32: return leaky_prelu_f32(x, y, s->outer, s->channels, s->inner, w, nw);
    case F64: return leaky_prelu_f64(x, y, s->outer, s->channels, s->inner, w, nw);
    default: return leaky_prelu_f16(x, y, s->outer, s->channels, s->inner, w, nw);
    }
}

static PyObject *py_prelu(FASTCALL_ARGS)
{
    (void)self;
    static const char fn[] = "prelu";
    static const char *const names[] = {"x", "weight", "axis", "out", NULL};
    PyObject *a[4], *result = NULL;
    PyArrayObject *xa = NULL, *x = NULL, *w = NULL, *out = NULL, *y = NULL;
    enum dtype dtype;
    struct prelu_shape shape;
    if (parse_args(fn, names, 2, args, nargs, kwnames, a) < 0)
        return NULL;
    if (!(xa = input_array(fn, a[0], &dtype)) || !(x = dense(xa, dtype)) ||
        prelu_shape(fn, x, a[2], &shape) < 0 || !(w = slopes_array(fn, a[1], dtype)) ||
        output_array(fn, a[3], dtype, &out) < 0 ||
        (out && !same_shape(out, x) && shape_error(fn, "out", out, x)))
        goto done;
    /* The library writes into out when it is dense; otherwise into a new array copied there. */
    if (out && whole_arrays(&x, 1, out, true)) {
        Py_INCREF(out);
        y = out;
    } else {
        y = (PyArrayObject *)PyArray_NewLikeArray(x, NPY_CORDER, NULL, 0);
        if (!y)
            goto done;
    }
    leaky_status status;
    Py_BEGIN_ALLOW_THREADS;
    pthread_rwlock_rdlock(&settings_lock);
    status = prelu_run(dtype, PyArray_DATA(x), PyArray_DATA(y), &shape, PyArray_DATA(w),
                       (size_t)PyArray_SIZE(w));
    pthread_rwlock_unlock(&settings_lock);
    Py_END_ALLOW_THREADS;
    if (status != LEAKY_OK) {
        raise_library_error();
        goto done;
    }
    if (out && y != out && PyArray_CopyInto(out, y) < 0)
        goto done;
    if (out) {
        Py_INCREF(out);
        result = (PyObject *)out;
    } else {
        Py_INCREF(y);
        result = PyArray_Return(y);
    }
done:
    Py_XDECREF(xa);
    Py_XDECREF(x);
    Py_XDECREF(w);
    Py_XDECREF(y);
    return result;
}

/* The backward pass in the library's types; float16 is widened to float32 (wide: n floats
 * for x, n for dy, then one per slope) and dx and dw rounded once back, as the library's
 * float16 functions do. */
static leaky_status prelu_backward_run(enum dtype dtype, PyArrayObject *x, PyArrayObject *dy,
                                       PyArrayObject *dx, PyArrayObject *dw,
                                       const struct prelu_shape *s, PyArrayObject *w, float *wide)
{
    const size_t n = (size_t)PyArray_SIZE(x), nw = (size_t)PyArray_SIZE(w);
    switch (dtype) {
    case F32:
        return leaky_prelu_backward_f32(PyArray_DATA(x), PyArray_DATA(dy), PyArray_DATA(dx),
                                        PyArray_DATA(dw), s->outer, s->channels, s->inner,
                                        PyArray_DATA(w), nw);
    case F64:
        return leaky_prelu_backward_f64(PyArray_DATA(x), PyArray_DATA(dy), PyArray_DATA(dx),
                                        PyArray_DATA(dw), s->outer, s->channels, s->inner,
                                        PyArray_DATA(w), nw);
    default: {
        float *x32 = wide, *dy32 = wide + n, *dw32 = wide + 2 * n;
        if (n > 0) {
            leaky_widen_array_f16(PyArray_DATA(x), x32, n);
            leaky_widen_array_f16(PyArray_DATA(dy), dy32, n);
        }
        const leaky_status status = leaky_prelu_backward_f32(
            x32, dy32, dy32, dw32, s->outer, s->channels, s->inner, PyArray_DATA(w), nw);
        if (status == LEAKY_OK && n > 0)
            leaky_narrow_array_f16(dy32, PyArray_DATA(dx), n);
        if (status == LEAKY_OK && nw > 0)
            leaky_narrow_array_f16(dw32, PyArray_DATA(dw), nw);
        return status;
    }
    }
}

static PyObject *py_prelu_backward(FASTCALL_ARGS)
{
    (void)self;
    static const char fn[] = "prelu_backward";
    static const char *const names[] = {"x", "grad", "weight", "axis", NULL};
    PyObject *a[4], *result = NULL;
    PyArrayObject *xa = NULL, *x = NULL, *ga = NULL, *dy = NULL, *w = NULL, *dx = NULL, *dw = NULL;
    float *wide = NULL;
    enum dtype dtype;
    struct prelu_shape shape;
    if (parse_args(fn, names, 3, args, nargs, kwnames, a) < 0)
        return NULL;
    if (!(xa = input_array(fn, a[0], &dtype)) || !(x = dense(xa, dtype)) ||
        !(ga = operand_array(fn, "grad", a[1], dtype)) || !(dy = dense(ga, dtype)) ||
        (!same_shape(dy, x) && shape_error(fn, "grad", dy, x)) ||
        prelu_shape(fn, x, a[3], &shape) < 0 || !(w = slopes_array(fn, a[2], dtype)))
        goto done;
    dx = (PyArrayObject *)PyArray_NewLikeArray(x, NPY_CORDER, NULL, 0);
    /* dweight in x's dtype, as every result (w is float32 for float16) */
    dw = (PyArrayObject *)PyArray_NewLikeArray(w, NPY_CORDER, descr_of(dtype), 0);
    if (!dx || !dw)
        goto done;
    if (dtype == F16) {
        wide = PyMem_RawMalloc((2 * (size_t)PyArray_SIZE(x) + (size_t)PyArray_SIZE(w)) *
                               sizeof(float));
        if (!wide) {
            PyErr_NoMemory();
            goto done;
        }
    }
    leaky_status status;
    Py_BEGIN_ALLOW_THREADS;
    pthread_rwlock_rdlock(&settings_lock);
    status = prelu_backward_run(dtype, x, dy, dx, dw, &shape, w, wide);
    pthread_rwlock_unlock(&settings_lock);
    Py_END_ALLOW_THREADS;
    if (status != LEAKY_OK) {
        raise_library_error();
        goto done;
    }
    Py_INCREF(dx);
    result = Py_BuildValue("(NO)", PyArray_Return(dx), (PyObject *)dw);
done:
    PyMem_RawFree(wide);
    Py_XDECREF(xa);
    Py_XDECREF(x);
    Py_XDECREF(ga);
    Py_XDECREF(dy);
    Py_XDECREF(w);
    Py_XDECREF(dx);
    Py_XDECREF(dw);
    return result;
}

/* ------------------------------------------------------------ settings */

static PyObject *py_info(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    leaky_isa isa;
    if (leaky_isa_active(&isa) != LEAKY_OK)
        return raise_library_error();
    return Py_BuildValue("{s:s,s:s,s:n}", "version", LEAKY_VERSION_STRING, "isa",
                         leaky_isa_name(isa), "threads", (Py_ssize_t)leaky_get_num_threads());
}

static PyObject *py_set_num_threads(PyObject *self, PyObject *arg)
{
    (void)self;
    PyObject *index = PyNumber_Index(arg);
    if (!index)
        return NULL;
    const long long count = PyLong_AsLongLong(index);
    Py_DECREF(index);
    if (count == -1 && PyErr_Occurred())
        return NULL;
    if (count < 0) {
        PyErr_Format(PyExc_ValueError,
                     "set_num_threads: n is %lld; expected 0 (one thread per core) or more", count);
        return NULL;
    }
    leaky_status status;
    Py_BEGIN_ALLOW_THREADS;
    pthread_rwlock_wrlock(&settings_lock);
    status = leaky_set_num_threads((size_t)count);
    pthread_rwlock_unlock(&settings_lock);
    Py_END_ALLOW_THREADS;
    if (status != LEAKY_OK)
        return raise_library_error();
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------ the module */

#define FASTCALL(name, doc)                                                               \
    {                                                                                     \
#name, (PyCFunction)(void (*)(void))py_##name, METH_FASTCALL | METH_KEYWORDS, doc \
    }

static PyMethodDef methods[] = {
    FASTCALL(leaky_relu,
             "leaky_relu($module, /, x, negative_slope=0.01, out=None)\n--\n\n"
             "Leaky ReLU: x where x > 0, negative_slope * x elsewhere (torch.nn.functional."
             "leaky_relu,\nbit for bit)."),
    FASTCALL(leaky_relu_backward,
             "leaky_relu_backward($module, /, x, grad, negative_slope=0.01, out=None)\n--\n\n"
             "The gradient of leaky_relu with respect to x, given the gradient of its output:\n"
             "grad where x > 0, negative_slope * grad elsewhere (PyTorch's autograd)."),
    FASTCALL(leaky_relu_derivative,
             "leaky_relu_derivative($module, /, x, negative_slope=0.01, out=None)\n--\n\n"
             "The derivative: 1 where x > 0, negative_slope elsewhere (so negative_slope at 0)."),
    FASTCALL(relu, "relu($module, /, x, out=None)\n--\n\n"
                   "ReLU as torch.relu: 0 where x < 0, x elsewhere (NaN stays NaN, -0.0 stays "
                   "-0.0)."),
    FASTCALL(relu_backward,
             "relu_backward($module, /, x, grad, out=None)\n--\n\n"
             "The gradient of relu: 0 where x <= 0, grad elsewhere (x: relu's input or output)."),
    FASTCALL(prelu, "prelu($module, /, x, weight, axis=1, out=None)\n--\n\n"
                    "PReLU: x where x > 0, weight[c] * x elsewhere, c the index on axis; weight "
                    "has one\nslope, or one per channel (torch.nn.functional.prelu for axis 1)."),
    FASTCALL(
        prelu_backward,
        "prelu_backward($module, /, x, grad, weight, axis=1)\n--\n\n"
        "PReLU's backward pass: (dx, dweight), both in x's dtype. dweight is summed in a fixed "
        "order\n(the same bits for any thread count and CPU), within 1e-6 of the sum of "
        "|terms| of the\nexact sum; for float16, that float32 sum rounded once to float16 "
        "(inf beyond 65504)."),
    FASTCALL(rrelu,
             "rrelu($module, /, x, lower=0.125, upper=0.3333333333333333, training=False, seed=0, "
             "out=None)\n--\n\n"
             "RReLU: in evaluation Leaky ReLU with slope (lower + upper) / 2 (torch.nn."
             "functional.rrelu);\nin training each element x <= 0 takes a slope drawn from "
             "U(lower, upper) by a\ngenerator keyed by (seed, the element's index in C order)."),
    FASTCALL(rrelu_backward,
             "rrelu_backward($module, /, x, grad, lower=0.125, upper=0.3333333333333333, "
             "training=False, seed=0, "
             "out=None)\n--\n\n"
             "RReLU's gradient with respect to x: the slopes of rrelu with the same arguments "
             "times grad."),
    {"info", py_info, METH_NOARGS,
     "info($module, /)\n--\n\n"
     "The library's version, the CPU path in use and the number of threads of a large call."},
    {"set_num_threads", py_set_num_threads, METH_O,
     "set_num_threads($module, n, /)\n--\n\n"
     "Uses up to n threads for each large call; 0 means one per core (the default)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "leaky",
    .m_doc = "The Leaky ReLU family on NumPy arrays, bit-identical with PyTorch: float32, "
             "float64 and float16,\nbroadcasting, out= and in place, any strides.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit_leaky(void)
{
    import_array();
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddStringConstant(m, "__version__", LEAKY_VERSION_STRING) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
