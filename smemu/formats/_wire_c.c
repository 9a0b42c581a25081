/* The compiled twin of wire.py's decoder: the same records, the same layout rules, one pass of C
 * per block instead of numpy passes, for sparse records (whose per-record spans numpy must gather).
 *
 * decode(buf, starts, lengths) takes a block's buffer and the int64 start and length of each
 * record's payload in it, and returns None when any record is not in the layout wire.py takes (the
 * caller then tries wire.py's numpy decoder, then the generated protobuf module, which words the
 * errors), else a tuple of buffers for wire.py to wrap as arrays:
 *   (feature tag, label tag (0: no record is labelled), sparse (uint8 per record),
 *    widths (int64), counts (int64), values (bytes of the feature dtype), keys (int32),
 *    label counts (int64), labels (bytes of the label dtype), uniform (1 when every record has
 *    the first one's kind, width and labelling and at most one label value), the largest key
 *    (-1: none))
 * It accepts exactly what wire.py's _decode accepts, or less (keys of 2**31 and more, shapes of
 * 2**63 and more go back to numpy); tests/formats prove the two give the same arrays.
 *
 * Layout: Record{features: {"values": Value{<tensor>}}, label: {"values": Value{<tensor>}}?}, the
 * tensor's fields values (1), keys (2), shape (3) packed and in that order, nothing else.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define TAG_F32 0x12
#define TAG_F64 0x1A
#define TAG_I32 0x3A

typedef struct {
    int64_t start, len;
} span_t;

typedef struct {
    span_t values, keys, shape, labels;
    int64_t count;       /* feature values */
    int has_label;
} rec_t;

/* A varint of at most `width` bytes, all before `limit`. 0 on success. */
static inline int varint(const uint8_t *buf, int64_t pos, int64_t limit, int width,
                         uint64_t *value, int64_t *after)
{
    uint64_t v = 0;
    for (int j = 0; j < width; j++) {
        if (pos + j >= limit)
            return -1;
        uint8_t b = buf[pos + j];
        v |= (uint64_t)(b & 0x7F) << (7 * j);
        if (b < 0x80) {
            *value = v;
            *after = pos + j + 1;
            return 0;
        }
    }
    return -1;
}

static const uint8_t ENTRY_KEY[9] = {0x0A, 0x06, 'v', 'a', 'l', 'u', 'e', 's', 0x12};

/* A map entry {key: "values", value: Value{<tensor>}} filling [pos, limit): its tensor's tag and
 * the spans of the tensor's values, keys and shape (length 0 when absent). 0 on success. */
static int entry(const uint8_t *buf, int64_t pos, int64_t limit, int *tag, span_t spans[3])
{
    uint64_t length;
    if (pos + 9 > limit || memcmp(buf + pos, ENTRY_KEY, 9) != 0)
        return -1;
    if (varint(buf, pos + 9, limit, 5, &length, &pos) || pos + (int64_t)length != limit
        || pos >= limit)
        return -1;
    *tag = buf[pos];
    if (*tag != TAG_F32 && *tag != TAG_F64 && *tag != TAG_I32)
        return -1;
    if (varint(buf, pos + 1, limit, 5, &length, &pos) || pos + (int64_t)length != limit)
        return -1;
    for (int f = 0; f < 3; f++) {
        spans[f].start = 0;
        spans[f].len = 0;
        if (pos < limit && buf[pos] == (uint8_t)(0x0A + 8 * f)) {
            int64_t start;
            if (varint(buf, pos + 1, limit, 5, &length, &start)
                || start + (int64_t)length > limit)
                return -1;
            spans[f].start = start;
            spans[f].len = (int64_t)length;
            pos = start + (int64_t)length;
        }
    }
    return pos == limit ? 0 : -1;
}

/* How many varints (each at most 10 bytes, the last ending the span) a packed span holds; -1 when
 * they do not fill it exactly. */
static int64_t count_varints(const uint8_t *p, int64_t len)
{
    int64_t n = 0, run = 0;
    for (int64_t i = 0; i < len; i++) {
        if (p[i] < 0x80) {
            n++;
            run = 0;
        } else if (++run >= 10) {
            return -1;
        }
    }
    return (len == 0 || p[len - 1] < 0x80) ? n : -1;
}

/* Decodes the packed varints of a span (already counted by count_varints, so well formed). */
static inline uint64_t next_varint(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint64_t v = p[0] & 0x7F;
    int j = 0;
    while (p[j] >= 0x80) {
        j++;
        v |= (uint64_t)(p[j] & 0x7F) << (7 * j);
    }
    *pp = p + j + 1;
    return v;
}

/* Sparse keys: at most `room` varints filling the span exactly, each below 2**31, written as
 * int32, the largest kept in *max. Returns how many, or -1. One- and two-byte keys (below 16384)
 * take the short branches. */
static int64_t decode_keys(const uint8_t *p, int64_t len, int32_t *out, int64_t room,
                           int32_t *max)
{
    const uint8_t *end = p + len;
    int64_t n = 0;
    uint32_t m = (uint32_t)(*max < 0 ? 0 : *max);
    int any = *max >= 0;
#if defined(__SSE2__)
    /* sixteen bytes that hold eight two-byte keys, decoded in the 16-bit lanes of one SSE2
     * register: the low 7 bits of each lane's first byte, then its second byte shifted by 7 */
    const __m128i low7 = _mm_set1_epi16(0x007F), zero = _mm_setzero_si128();
    __m128i lanes_max = zero;   /* the keys are below 16384: signed 16-bit max is right */
#endif
    while (p < end) {
#if defined(__SSE2__)
        if (p + 16 <= end && room - n >= 8) {
            __m128i x = _mm_loadu_si128((const __m128i *)p);
            if (_mm_movemask_epi8(x) == 0x5555) {   /* even bytes continue, odd bytes end */
                __m128i k = _mm_or_si128(_mm_and_si128(x, low7),
                                         _mm_slli_epi16(_mm_srli_epi16(x, 8), 7));
                lanes_max = _mm_max_epi16(lanes_max, k);
                _mm_storeu_si128((__m128i *)(out + n), _mm_unpacklo_epi16(k, zero));
                _mm_storeu_si128((__m128i *)(out + n + 4), _mm_unpackhi_epi16(k, zero));
                n += 8;
                p += 16;
                continue;
            }
        }
#endif
        /* eight bytes that hold four two-byte keys (the common case: keys 128..16383) or eight
         * one-byte keys (keys below 128) are decoded at once, lane by lane in a 64-bit word */
        if (p + 8 <= end) {
            uint64_t x;
            memcpy(&x, p, 8);
            uint64_t high = x & 0x8080808080808080ull;
            if (high == 0x0080008000800080ull && room - n >= 4) {
                uint64_t k = (x & 0x007F007F007F007Full) | (((x >> 8) & 0x007F007F007F007Full) << 7);
                for (int j = 0; j < 4; j++) {
                    uint32_t v = (uint32_t)(k >> (16 * j)) & 0xFFFFu;
                    out[n++] = (int32_t)v;
                    m = v > m ? v : m;
                }
                p += 8;
                continue;
            }
            if (high == 0 && room - n >= 8) {
                for (int j = 0; j < 8; j++) {
                    uint32_t v = (uint32_t)(x >> (8 * j)) & 0xFFu;
                    out[n++] = (int32_t)v;
                    m = v > m ? v : m;
                }
                p += 8;
                continue;
            }
        }
        if (n == room)
            return -1;
        uint32_t b0 = p[0], v;
        if (b0 < 0x80) {
            v = b0;
            p += 1;
        } else if (p + 1 < end && p[1] < 0x80) {
            v = (b0 & 0x7F) | ((uint32_t)p[1] << 7);
            p += 2;
        } else {
            uint64_t w = 0;
            int j = 0;
            for (;; j++) {
                if (j >= 10 || p + j >= end)
                    return -1;
                w |= (uint64_t)(p[j] & 0x7F) << (7 * j);
                if (p[j] < 0x80)
                    break;
            }
            if (w > INT32_MAX)
                return -1;
            v = (uint32_t)w;
            p += j + 1;
        }
        out[n++] = (int32_t)v;
        m = v > m ? v : m;
    }
#if defined(__SSE2__)
    {
        int16_t lanes[8];
        _mm_storeu_si128((__m128i *)lanes, lanes_max);
        for (int j = 0; j < 8; j++)
            m = (uint32_t)lanes[j] > m ? (uint32_t)lanes[j] : m;
    }
#endif
    if (n > 0 || any)
        *max = (int32_t)m;
    return n;
}

static int fixed_size(int tag)
{
    return tag == TAG_F32 ? 4 : tag == TAG_F64 ? 8 : 0;
}

/* The values of a tensor span: copied (float tensors) or decoded as int32 (protobuf's int32:
 * the low 32 bits of the varint). `count` is known. Returns the bytes written. */
static int64_t put_values(const uint8_t *buf, span_t s, int tag, int64_t count, char *out)
{
    if (tag != TAG_I32) {
        memcpy(out, buf + s.start, (size_t)s.len);
        return s.len;
    }
    const uint8_t *p = buf + s.start;
    int32_t *o = (int32_t *)out;
    for (int64_t i = 0; i < count; i++) {
        uint64_t v = next_varint(&p);
        o[i] = (int32_t)(uint32_t)v;
    }
    return count * 4;
}

/* The number of values of a tensor span of kind `tag`, or -1 when malformed. */
static int64_t value_count(const uint8_t *buf, span_t s, int tag)
{
    int size = fixed_size(tag);
    if (size)
        return s.len % size == 0 ? s.len / size : -1;
    return count_varints(buf + s.start, s.len);
}

typedef struct {
    int tag, label_tag;
    int64_t value_bytes, key_room, label_bytes;
    int uniform;          /* set by fill: all records of the first one's kind, width, labelling */
    int64_t key_max;      /* set by fill: the largest key, -1 when there is none */
} sizes_t;

/* pass 1: each record's structure, and how much room the arrays need. 0, or -1 when a record is
 * not in the layout. Runs without the GIL: it touches only the buffers. */
static int scan(const uint8_t *buf, int64_t buflen, const int64_t *starts, const int64_t *lengths,
                Py_ssize_t n, rec_t *recs, sizes_t *z)
{
    int64_t labelled = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        rec_t *r = &recs[i];
        int64_t s = starts[i], e = starts[i] + lengths[i], pos;
        uint64_t length;
        span_t spans[3];
        int t;
        if (lengths[i] <= 0 || s < 0 || e > buflen || buf[s] != 0x0A)
            return -1;
        if (varint(buf, s + 1, e, 5, &length, &pos) || pos + (int64_t)length > e)
            return -1;
        int64_t entry_end = pos + (int64_t)length;
        if (entry(buf, pos, entry_end, &t, spans))
            return -1;
        if (i == 0)
            z->tag = t;
        else if (t != z->tag)
            return -1;
        r->values = spans[0];
        r->keys = spans[1];
        r->shape = spans[2];
        r->count = value_count(buf, r->values, z->tag);
        if (r->count < 0)
            return -1;
        z->value_bytes += fixed_size(z->tag) ? r->values.len : 4 * r->count;
        z->key_room += r->keys.len ? r->count : 0;  /* a sparse record has as many keys as values */
        r->has_label = 0;
        if (entry_end < e) {
            if (buf[entry_end] != 0x12)
                return -1;
            if (varint(buf, entry_end + 1, e, 5, &length, &pos) || pos + (int64_t)length != e)
                return -1;
            if (entry(buf, pos, e, &t, spans))
                return -1;
            if (labelled == 0)
                z->label_tag = t;
            else if (t != z->label_tag)
                return -1;
            r->labels = spans[0];
            r->has_label = 1;
            labelled++;
            int64_t lc = value_count(buf, r->labels, z->label_tag);
            if (lc < 0)
                return -1;
            z->label_bytes += fixed_size(z->label_tag) ? r->labels.len : 4 * lc;
        }
    }
    return 0;
}

/* pass 2: the arrays, into room pass 1 measured. The number of keys written, or -1 when a record
 * is not in the layout. Runs without the GIL. */
static int64_t fill(const uint8_t *buf, Py_ssize_t n, const rec_t *recs, sizes_t *z,
                    uint8_t *sp, int64_t *wp, int64_t *cp, int64_t *lcp, char *vp, int32_t *kp,
                    char *lp)
{
    int64_t nkeys = 0;
    int32_t key_max = -1;
    int uniform = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        const rec_t *r = &recs[i];
        int64_t nk = 0, nshape = 0;
        uint64_t last_shape = 0;
        if (r->keys.len) {
            nk = decode_keys(buf + r->keys.start, r->keys.len, kp + nkeys, z->key_room - nkeys,
                             &key_max);
            if (nk < 0)
                return -1;
        }
        if (r->shape.len) {
            const uint8_t *p = buf + r->shape.start;
            nshape = count_varints(p, r->shape.len);
            if (nshape < 0)
                return -1;
            for (int64_t j = 0; j < nshape; j++)
                last_shape = next_varint(&p);
        }
        int is_sparse = nk > 0 || (nshape > 0 && r->count == 0);
        if (is_sparse) {
            if (nshape != 1 || nk != r->count || last_shape > (uint64_t)INT64_MAX)
                return -1;
            wp[i] = (int64_t)last_shape;
        } else {
            wp[i] = r->count;
        }
        nkeys += nk;
        sp[i] = (uint8_t)is_sparse;
        cp[i] = r->count;
        vp += put_values(buf, r->values, z->tag, r->count, vp);
        lcp[i] = 0;
        if (r->has_label) {
            int64_t lc = value_count(buf, r->labels, z->label_tag);
            lcp[i] = lc;
            lp += put_values(buf, r->labels, z->label_tag, lc, lp);
        }
        if (i > 0 && (sp[i] != sp[0] || wp[i] != wp[0] || r->has_label != recs[0].has_label))
            uniform = 0;
        if (lcp[i] > 1)
            uniform = 0;
    }
    z->uniform = uniform;
    z->key_max = key_max;
    return nkeys;
}

static PyObject *decode(PyObject *self, PyObject *args)
{
    Py_buffer bb = {0}, sb = {0}, lb = {0};
    PyObject *result = NULL;
    rec_t *recs = NULL;
    PyObject *sparse = NULL, *widths = NULL, *counts = NULL, *values = NULL, *keys = NULL,
             *label_counts = NULL, *labels = NULL;
    sizes_t z = {0, 0, 0, 0, 0, 0, -1};
    int status;
    int64_t nkeys;

    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*y*", &bb, &sb, &lb))
        return NULL;
    const uint8_t *buf = (const uint8_t *)bb.buf;
    const int64_t *starts = (const int64_t *)sb.buf, *lengths = (const int64_t *)lb.buf;
    Py_ssize_t n = sb.len / (Py_ssize_t)sizeof(int64_t);

    if (n == 0 || lb.len != sb.len)
        goto unusual;
    recs = (rec_t *)malloc((size_t)n * sizeof(rec_t));
    if (recs == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* the buffers are held by their Py_buffer views: other threads may run meanwhile (a batch's
     * arithmetic in another thread overlaps the decoding of the next block) */
    Py_BEGIN_ALLOW_THREADS
    status = scan(buf, (int64_t)bb.len, starts, lengths, n, recs, &z);
    Py_END_ALLOW_THREADS
    if (status)
        goto unusual;

    sparse = PyByteArray_FromStringAndSize(NULL, n);
    widths = PyByteArray_FromStringAndSize(NULL, n * 8);
    counts = PyByteArray_FromStringAndSize(NULL, n * 8);
    label_counts = PyByteArray_FromStringAndSize(NULL, n * 8);
    values = PyByteArray_FromStringAndSize(NULL, z.value_bytes);
    keys = PyByteArray_FromStringAndSize(NULL, z.key_room * 4);
    labels = PyByteArray_FromStringAndSize(NULL, z.label_bytes);
    if (!sparse || !widths || !counts || !label_counts || !values || !keys || !labels)
        goto done;
    {
        uint8_t *sp = (uint8_t *)PyByteArray_AS_STRING(sparse);
        int64_t *wp = (int64_t *)PyByteArray_AS_STRING(widths);
        int64_t *cp = (int64_t *)PyByteArray_AS_STRING(counts);
        int64_t *lcp = (int64_t *)PyByteArray_AS_STRING(label_counts);
        char *vp = PyByteArray_AS_STRING(values);
        int32_t *kp = (int32_t *)PyByteArray_AS_STRING(keys);
        char *lp = PyByteArray_AS_STRING(labels);
        Py_BEGIN_ALLOW_THREADS
        nkeys = fill(buf, n, recs, &z, sp, wp, cp, lcp, vp, kp, lp);
        Py_END_ALLOW_THREADS
        if (nkeys < 0)
            goto unusual;
        if (PyByteArray_Resize(keys, nkeys * 4))
            goto done;
    }
    result = Py_BuildValue("iiOOOOOOOiL", z.tag, z.label_tag, sparse, widths, counts, values, keys,
                           label_counts, labels, z.uniform, (long long)z.key_max);
    goto done;

unusual:
    result = Py_None;
    Py_INCREF(result);
done:
    Py_XDECREF(sparse);
    Py_XDECREF(widths);
    Py_XDECREF(counts);
    Py_XDECREF(values);
    Py_XDECREF(keys);
    Py_XDECREF(label_counts);
    Py_XDECREF(labels);
    free(recs);
    PyBuffer_Release(&bb);
    PyBuffer_Release(&sb);
    PyBuffer_Release(&lb);
    return result;
}

/* frame(buf, n): the whole single-part RecordIO records at the start of buf[:n], found by
 * following their headers (recordio.py's numpy framing scans every word for the magic number).
 * Returns (starts (int64 bytes: each payload's offset), lengths (int64 bytes), bytes consumed), or
 * None at the first multi-part record (flag != 0), for recordio.py's general path. It stops at the
 * first word that is not the magic number and at the first record that does not end within n:
 * recordio.py words the errors about what is left. */
static PyObject *frame(PyObject *self, PyObject *args)
{
    Py_buffer bb = {0};
    Py_ssize_t n;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*n", &bb, &n))
        return NULL;
    if (n < 0 || n > bb.len) {
        PyBuffer_Release(&bb);
        PyErr_SetString(PyExc_ValueError, "n is outside the buffer");
        return NULL;
    }
    const uint8_t *buf = (const uint8_t *)bb.buf;
    int64_t pos = 0, count = 0, run = 0, stride = 0;
    uint32_t first_lw = 0;
    int multipart = 0;
    /* first pass: count the records (and refuse multi-part ones), the GIL released. Records of
     * one length laid end to end (dense data) are checked at the positions that length predicts:
     * those loads do not wait for each other, where following each header to the next one makes
     * every load wait for the one before. `run` records from the start have one length. */
    Py_BEGIN_ALLOW_THREADS
    if (n >= 8) {
        memcpy(&first_lw, buf + 4, 4);
        stride = 8 + (((int64_t)(first_lw & 0x1FFFFFFFu) + 3) & ~(int64_t)3);
        if (first_lw >> 29)
            stride = 0;
    }
    while (stride && pos + stride <= n) {
        uint32_t magic, lw;
        memcpy(&magic, buf + pos, 4);
        memcpy(&lw, buf + pos + 4, 4);
        if (magic != 0xCED7230Au || lw != first_lw)
            break;
        pos += stride;
        run++;
    }
    count = run;
    while (pos + 8 <= n) {
        uint32_t magic, lw;
        memcpy(&magic, buf + pos, 4);
        memcpy(&lw, buf + pos + 4, 4);
        if (magic != 0xCED7230Au)
            break;
        if (lw >> 29) {
            multipart = 1;
            break;
        }
        int64_t next = pos + 8 + (((int64_t)(lw & 0x1FFFFFFFu) + 3) & ~(int64_t)3);
        if (next > n)
            break;
        pos = next;
        count++;
    }
    Py_END_ALLOW_THREADS
    if (multipart) {
        PyBuffer_Release(&bb);
        Py_RETURN_NONE;
    }
    PyObject *starts = PyByteArray_FromStringAndSize(NULL, count * 8);
    PyObject *lengths = PyByteArray_FromStringAndSize(NULL, count * 8);
    if (!starts || !lengths) {
        Py_XDECREF(starts);
        Py_XDECREF(lengths);
        PyBuffer_Release(&bb);
        return NULL;
    }
    int64_t *sp = (int64_t *)PyByteArray_AS_STRING(starts);
    int64_t *lp = (int64_t *)PyByteArray_AS_STRING(lengths);
    pos = 0;
    Py_BEGIN_ALLOW_THREADS
    for (int64_t i = 0; i < run; i++) {
        sp[i] = pos + 8;
        lp[i] = (int64_t)(first_lw & 0x1FFFFFFFu);
        pos += stride;
    }
    for (int64_t i = run; i < count; i++) {
        uint32_t lw;
        memcpy(&lw, buf + pos + 4, 4);
        sp[i] = pos + 8;
        lp[i] = (int64_t)(lw & 0x1FFFFFFFu);
        pos += 8 + ((lp[i] + 3) & ~(int64_t)3);
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&bb);
    PyObject *result = Py_BuildValue("OOL", starts, lengths, (long long)pos);
    Py_DECREF(starts);
    Py_DECREF(lengths);
    return result;
}

/* ---- The encoder: wire_encode.py's compiled twin ----
 *
 * encode(values, value_kind, keys, key_size, indptr, indptr_size, n, width, labels, label_kind)
 * returns the RecordIO-framed Records of a block of n rows as bytes, what wire_encode.py's numpy
 * encoder writes (the sagemaker SDK's bytes): one part per record, zero padding to 4 bytes.
 * Rows are dense (keys and indptr None: values holds n * width elements, row-major) or sparse
 * (row i holds values and keys [indptr[i], indptr[i + 1])). value_kind and label_kind are
 * KIND_* below; keys and indptr are int32 or int64 (key_size, indptr_size: 4 or 8); labels is
 * None or n elements. All in native (little-endian) order, contiguous. It returns None for what
 * it does not take (int64 values outside int32, negative keys, a bad indptr, a record too long
 * for one RecordIO part): the numpy encoder then encodes them or words the error.
 * Two passes, the GIL released: every record's sizes, then one allocation and the bytes. */

enum { KIND_F32 = 1, KIND_F64 = 2, KIND_I32 = 3, KIND_I64 = 4 };

static const uint8_t KIND_TAG[5] = {0, TAG_F32, TAG_F64, TAG_I32, TAG_I32};

static inline int64_t vsize(uint64_t v)
{
    int64_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint8_t *vput(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline int64_t element(const void *a, int wide, int64_t i)
{
    return wide ? ((const int64_t *)a)[i] : (int64_t)((const int32_t *)a)[i];
}

/* Bytes of values [lo, hi) packed as a tensor of `kind` (int32 tensors: protobuf's int32, a
 * negative value sign-extended to ten bytes); -1 when an int64 value is outside int32. */
static int64_t packed_values(const void *v, int kind, int64_t lo, int64_t hi)
{
    if (kind == KIND_F32)
        return 4 * (hi - lo);
    if (kind == KIND_F64)
        return 8 * (hi - lo);
    int64_t size = 0;
    for (int64_t i = lo; i < hi; i++) {
        int64_t x = element(v, kind == KIND_I64, i);
        if (x < INT32_MIN || x > INT32_MAX)
            return -1;
        size += x < 0 ? 10 : vsize((uint64_t)x);
    }
    return size;
}

static uint8_t *put_packed(uint8_t *p, const void *v, int kind, int64_t lo, int64_t hi)
{
    if (kind == KIND_F32 || kind == KIND_F64) {
        size_t size = kind == KIND_F32 ? 4 : 8;
        memcpy(p, (const char *)v + lo * size, (size_t)(hi - lo) * size);
        return p + (hi - lo) * size;
    }
    for (int64_t i = lo; i < hi; i++)
        p = vput(p, (uint64_t)element(v, kind == KIND_I64, i));
    return p;
}

/* Bytes of keys [lo, hi) as packed varints; -1 when one is negative. */
static int64_t packed_keys(const void *k, int wide, int64_t lo, int64_t hi)
{
    int64_t size = 0;
    if (!wide) {
        const int32_t *a = (const int32_t *)k;
        int32_t low = 0;
        for (int64_t i = lo; i < hi; i++) {  /* branch-free: the compiler vectorises it */
            int32_t x = a[i];
            low |= x;
            size += 1 + (x >= 1 << 7) + (x >= 1 << 14) + (x >= 1 << 21) + (x >= 1 << 28);
        }
        return low < 0 ? -1 : size;
    }
    for (int64_t i = lo; i < hi; i++) {
        int64_t x = ((const int64_t *)k)[i];
        if (x < 0)
            return -1;
        size += vsize((uint64_t)x);
    }
    return size;
}

static uint8_t *put_keys(uint8_t *p, const void *k, int wide, int64_t lo, int64_t hi)
{
    for (int64_t i = lo; i < hi; i++) {
        uint64_t x = (uint64_t)element(k, wide, i);
        if (x < 0x80) {
            *p++ = (uint8_t)x;
        } else if (x < 0x4000) {
            p[0] = (uint8_t)(x | 0x80);
            p[1] = (uint8_t)(x >> 7);
            p += 2;
        } else {
            p = vput(p, x);
        }
    }
    return p;
}

typedef struct {
    const void *values, *keys, *indptr, *labels;
    int kind, keys_wide, indptr_wide, label_kind;
    int64_t n, width, nvalues;
} block_t;

typedef struct {
    int64_t values, keys;  /* packed bytes of the row's values and keys */
} row_t;

/* The lengths of a record's nested messages, outermost last: a Value holding a tensor of
 * `tensor` bytes, and the map entry holding that Value. */
static inline int64_t entry_length(int64_t tensor, int64_t *value)
{
    *value = 1 + vsize((uint64_t)tensor) + tensor;
    return 9 + vsize((uint64_t)*value) + *value;
}

static inline int64_t field_length(int64_t bytes)
{
    return bytes ? 1 + vsize((uint64_t)bytes) + bytes : 0;
}

/* A row's tensor, then its entry, lengths from its packed sizes. */
static inline int64_t features_tensor(const block_t *b, const row_t *r)
{
    int64_t t = field_length(r->values);
    if (b->keys)
        t += field_length(r->keys) + 2 + vsize((uint64_t)b->width);
    return t;
}

/* pass 1: each row's packed sizes and the block's total bytes; -1 when the block is declined. */
static int64_t measure(const block_t *b, row_t *rows)
{
    int64_t total = 0;
    for (int64_t i = 0; i < b->n; i++) {
        int64_t lo, hi, value, payload;
        if (b->indptr) {
            lo = element(b->indptr, b->indptr_wide, i);
            hi = element(b->indptr, b->indptr_wide, i + 1);
            if (lo < 0 || hi < lo || hi > b->nvalues)
                return -1;
        } else {
            lo = i * b->width;
            hi = lo + b->width;
        }
        row_t *r = &rows[i];
        r->values = packed_values(b->values, b->kind, lo, hi);
        r->keys = b->keys ? packed_keys(b->keys, b->keys_wide, lo, hi) : 0;
        if (r->values < 0 || r->keys < 0)
            return -1;
        int64_t entry = entry_length(features_tensor(b, r), &value);
        payload = 1 + vsize((uint64_t)entry) + entry;
        if (b->labels) {
            int64_t lv = packed_values(b->labels, b->label_kind, i, i + 1);
            if (lv < 0)
                return -1;
            entry = entry_length(field_length(lv), &value);
            payload += 1 + vsize((uint64_t)entry) + entry;
        }
        if (payload > 0x1FFFFFFF)  /* longer than one RecordIO part: the numpy encoder says so */
            return -1;
        total += 8 + ((payload + 3) & ~(int64_t)3);
    }
    return total;
}

/* One map entry {"values": Value{tensor}} under `tag`, the tensor's fields written by the caller
 * next: returns where they go. */
static inline uint8_t *put_entry(uint8_t *p, uint8_t tag, int kind, int64_t tensor)
{
    int64_t value, entry = entry_length(tensor, &value);
    *p++ = tag;
    p = vput(p, (uint64_t)entry);
    memcpy(p, ENTRY_KEY, 9);
    p = vput(p + 9, (uint64_t)value);
    *p++ = KIND_TAG[kind];
    return vput(p, (uint64_t)tensor);
}

/* pass 2: the records, into the bytes pass 1 measured. */
static void put_records(const block_t *b, const row_t *rows, uint8_t *p)
{
    for (int64_t i = 0; i < b->n; i++) {
        const row_t *r = &rows[i];
        int64_t lo, hi, lv = 0;
        if (b->indptr) {
            lo = element(b->indptr, b->indptr_wide, i);
            hi = element(b->indptr, b->indptr_wide, i + 1);
        } else {
            lo = i * b->width;
            hi = lo + b->width;
        }
        uint8_t *head = p, *start = p + 8;
        p = put_entry(start, 0x0A, b->kind, features_tensor(b, r));
        if (r->values) {
            *p++ = 0x0A;
            p = vput(p, (uint64_t)r->values);
            p = put_packed(p, b->values, b->kind, lo, hi);
        }
        if (b->keys) {
            if (r->keys) {
                *p++ = 0x12;
                p = vput(p, (uint64_t)r->keys);
                p = put_keys(p, b->keys, b->keys_wide, lo, hi);
            }
            *p++ = 0x1A;
            *p++ = (uint8_t)vsize((uint64_t)b->width);
            p = vput(p, (uint64_t)b->width);
        }
        if (b->labels) {
            lv = packed_values(b->labels, b->label_kind, i, i + 1);
            p = put_entry(p, 0x12, b->label_kind, field_length(lv));
            *p++ = 0x0A;
            p = vput(p, (uint64_t)lv);
            p = put_packed(p, b->labels, b->label_kind, i, i + 1);
        }
        uint32_t length = (uint32_t)(p - start);
        for (int j = 0; j < 4; j++) {   /* header: magic, then length (flag 0), little-endian */
            head[j] = (uint8_t)(0xCED7230Au >> (8 * j));
            head[4 + j] = (uint8_t)(length >> (8 * j));
        }
        while ((p - start) & 3)
            *p++ = 0;
    }
}

static PyObject *encode(PyObject *self, PyObject *args)
{
    Py_buffer vb = {0}, kb = {0}, pb = {0}, lb = {0};
    int key_size, indptr_size;
    block_t b = {0};
    row_t *rows = NULL;
    PyObject *result = NULL;
    int64_t total;
    static const int SIZES[5] = {0, 4, 8, 4, 8};

    (void)self;
    long long n, width;
    if (!PyArg_ParseTuple(args, "y*iz*iz*iLLz*i", &vb, &b.kind, &kb, &key_size, &pb,
                          &indptr_size, &n, &width, &lb, &b.label_kind))
        return NULL;
    b.n = n;
    b.width = width;
    b.values = vb.buf;
    b.keys = kb.buf;
    b.indptr = pb.buf;
    b.labels = lb.buf;
    b.keys_wide = key_size == 8;
    b.indptr_wide = indptr_size == 8;
    if (b.kind < KIND_F32 || b.kind > KIND_I64 || b.n <= 0 || b.width <= 0
        || (b.labels && (b.label_kind < KIND_F32 || b.label_kind > KIND_I64)))
        goto unusual;
    b.nvalues = vb.len / SIZES[b.kind];
    if (b.labels && lb.len / SIZES[b.label_kind] < b.n)
        goto unusual;
    if ((b.keys == NULL) != (b.indptr == NULL))
        goto unusual;
    if (b.keys) {
        if ((key_size != 4 && key_size != 8) || (indptr_size != 4 && indptr_size != 8)
            || kb.len / key_size < b.nvalues || pb.len / indptr_size < b.n + 1)
            goto unusual;
    } else if (b.nvalues / b.width < b.n) {
        goto unusual;
    }
    rows = (row_t *)malloc((size_t)b.n * sizeof(row_t));
    if (rows == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    total = measure(&b, rows);
    Py_END_ALLOW_THREADS
    if (total < 0)
        goto unusual;
    result = PyBytes_FromStringAndSize(NULL, total);
    if (result == NULL)
        goto done;
    {
        uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
        Py_BEGIN_ALLOW_THREADS
        put_records(&b, rows, out);
        Py_END_ALLOW_THREADS
    }
    goto done;

unusual:
    result = Py_None;
    Py_INCREF(result);
done:
    free(rows);
    PyBuffer_Release(&vb);
    PyBuffer_Release(&kb);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&lb);
    return result;
}

static PyMethodDef methods[] = {
    {"frame", frame, METH_VARARGS,
     "frame(buf, n) -> (starts, lengths, consumed) of the whole single-part records at the start "
     "of buf[:n], or None at a multi-part record (see smemu/formats/recordio.py)"},
    {"decode", decode, METH_VARARGS,
     "decode(buf, starts, lengths) -> tuple of the block's arrays as buffers, or None when a "
     "record is not in the common layout (see smemu/formats/wire.py)"},
    {"encode", encode, METH_VARARGS,
     "encode(values, value_kind, keys, key_size, indptr, indptr_size, n, width, labels, "
     "label_kind) -> the block's RecordIO-framed records as bytes, or None for what it does not "
     "take (see smemu/formats/wire_encode.py)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_wire_c",
    "Compiled decoder and encoder of RecordIO-protobuf records in the common layout (the twin of "
    "wire.py and wire_encode.py).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__wire_c(void)
{
    return PyModule_Create(&module);
}
