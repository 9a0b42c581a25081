/* The compiled twin of scoring.py's _expected_codisp: the same walk, one record and one tree at a
 * time in C instead of numpy steps over every (record, tree) pair.
 *
 * expected_codisp(X, box_min, box_max, range_sum, cut_dim, cut_value, left, right, count, roots,
 *                 out) takes C-contiguous buffers: X float32 (n, d); box_min, box_max float32
 * (nodes, d); range_sum float64 (nodes,) = sum over d of box_max - box_min; cut_dim, left, right,
 * count, roots int32; out float64 (n,), written with the sum over trees of each record's
 * expected CoDisp. scoring.py checks the shapes; tests prove both paths give the same scores.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static PyObject *expected_codisp(PyObject *self, PyObject *args)
{
    Py_buffer xb = {0}, lob = {0}, hib = {0}, rb = {0}, db = {0}, vb = {0}, lb = {0}, rtb = {0},
              cb = {0}, rootb = {0}, ob = {0};
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*y*y*w*", &xb, &lob, &hib, &rb, &db, &vb, &lb,
                          &rtb, &cb, &rootb, &ob))
        return NULL;
    const Py_ssize_t n = ob.len / (Py_ssize_t)sizeof(double);
    const Py_ssize_t nodes = rb.len / (Py_ssize_t)sizeof(double);
    const Py_ssize_t d = nodes ? lob.len / (Py_ssize_t)sizeof(float) / nodes : 0;
    const Py_ssize_t trees = rootb.len / (Py_ssize_t)sizeof(int32_t);
    const float *X = xb.buf, *lo = lob.buf, *hi = hib.buf, *cut_value = vb.buf;
    const double *range_sum = rb.buf;
    const int32_t *cut_dim = db.buf, *left = lb.buf, *right = rtb.buf, *count = cb.buf,
                  *roots = rootb.buf;
    double *out = ob.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        const float *x = X + i * d;
        double total = 0.0;
        for (Py_ssize_t t = 0; t < trees; t++) {
            int64_t node = roots[t];
            double reach = 1.0, worst = 0.0, score = 0.0;
            for (;;) {
                const float *a = lo + node * d, *b = hi + node * d;
                double outside = 0.0;   /* how far x lies outside the box: exactly 0 inside */
                for (Py_ssize_t k = 0; k < d; k++) {
                    if (x[k] < a[k])
                        outside += (double)(a[k] - x[k]);
                    else if (x[k] > b[k])
                        outside += (double)(x[k] - b[k]);
                }
                double span = range_sum[node] + outside;
                double p = span > 0.0 ? outside / span : 0.0;
                int leaf = cut_dim[node] < 0;
                if (leaf && p == 0.0) {
                    score += reach * worst;          /* equal to the leaf's points: joins it */
                    break;
                }
                double n_here = (double)count[node];
                score += reach * p * (n_here > worst ? n_here : worst);
                reach *= 1.0 - p;
                if (leaf || p >= 1.0)
                    break;
                int32_t dim = cut_dim[node];
                int32_t child, sibling;
                if (x[dim] <= cut_value[node]) {
                    child = left[node]; sibling = right[node];
                } else {
                    child = right[node]; sibling = left[node];
                }
                double ratio = (double)count[sibling] / ((double)count[child] + 1.0);
                if (ratio > worst)
                    worst = ratio;
                node = child;
            }
            total += score;
        }
        out[i] = total;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&xb); PyBuffer_Release(&lob); PyBuffer_Release(&hib); PyBuffer_Release(&rb);
    PyBuffer_Release(&db); PyBuffer_Release(&vb); PyBuffer_Release(&lb); PyBuffer_Release(&rtb);
    PyBuffer_Release(&cb); PyBuffer_Release(&rootb); PyBuffer_Release(&ob);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"expected_codisp", expected_codisp, METH_VARARGS,
     "Sum over trees of each record's expected CoDisp (see scoring.py)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_codisp_c", NULL, -1, methods};

PyMODINIT_FUNC PyInit__codisp_c(void) { return PyModule_Create(&module); }
