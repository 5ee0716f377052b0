/* fuzz_body.c: libFuzzer harness for the C stream core (the csrc sources), one per decoder.
 *
 * Compiled four times by fuzz/run, with FUZZ_CONTENT set to the decoder under test:
 *
 *     fuzz_chunked   DP_CHUNKED framing, content chosen by the input (chunked coding)
 *     fuzz_mux       multiplexed frames (DP_MUX), framing chosen by the input
 *     fuzz_tar       tar blocks (DP_TAR), framing chosen by the input
 *     fuzz_lines     JSON lines (DP_LINES), framing chosen by the input
 *
 * Input: 4 control bytes, then the body.
 *
 *     c0  bits 0-1 framing (chunked target: content), bit 2 frames, bits 3-7 length skew
 *     c1  max_spans: 1-64, or 1024 when c1 >= 0xC0
 *     c2  out_cap: DP_MIN_OUT + c2 * 37
 *     c3  seed of the split points (0: the body is fed whole)
 *
 * Beyond what ASan and UBSan catch, each call is checked against dockproto.h's
 * contract (consumed <= given, every span inside the input or the output written,
 * nspans <= max_spans, out_len <= out_cap, progress unless done or failed), and the
 * body is decoded twice, once whole with big buffers and once split at random points
 * with the chosen small buffers: both must give the same payload bytes per kind, the
 * same unit boundaries, the same error at the same offset, and the same end.  Any
 * difference aborts (a crash for libFuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dockproto.h"

#ifndef FUZZ_CONTENT
#error "define FUZZ_CONTENT (DP_MUX, DP_PASS, DP_TAR, DP_LINES) or -1 for the chunked target"
#endif

#define MAX_LOG (1u << 20)

/* What a decode produced, normalised so that where calls stopped does not show:
 * payload bytes tagged with their kind, and a marker at the end of each unit. */
typedef struct transcript {
    uint8_t *bytes; /* pairs (kind | 0x80 for a unit end, byte) */
    size_t len, cap;
    int error;
    uint64_t err_offset, pos;
    int done, eof_code;
} transcript;

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_body: contract broken: %s\n", what);
    abort();
}

static void put(transcript *t, uint8_t kind, uint8_t b)
{
    if (t->len + 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        uint8_t *p = realloc(t->bytes, cap);
        if (!p) abort();
        t->bytes = p;
        t->cap = cap;
    }
    t->bytes[t->len++] = kind;
    t->bytes[t->len++] = b;
}

typedef struct params {
    int framing, content, frames;
    uint64_t length;
    size_t max_spans, out_cap;
    uint32_t seed;
} params;

/* xorshift32: split points that depend on the input only. */
static uint32_t next_rand(uint32_t *s)
{
    uint32_t x = *s ? *s : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static void decode(const params *p, const uint8_t *body, size_t n, int split, transcript *t)
{
    dp_body st;
    dp_body_init(&st, p->framing, p->content, p->length, p->frames);
    size_t max_spans = split ? p->max_spans : 4096;
    size_t out_cap = split ? p->out_cap : n + DP_MIN_OUT;
    dp_span *spans = malloc(max_spans * sizeof *spans);
    uint8_t *out = malloc(out_cap);
    if (!spans || !out) abort();
    uint32_t rng = p->seed;
    int tar_x = 0; /* a pax 'x' header was seen: give the next member a size */
    size_t pos = 0;
    while (pos < n && !st.error && !st.done) {
        size_t piece = n - pos;
        if (split) piece = 1 + next_rand(&rng) % (piece < 300 ? piece : 300);
        /* A fresh heap copy per call, freed after it: ASan then catches any read
         * past the piece, and any pointer kept into it after the call. */
        uint8_t *in = malloc(piece ? piece : 1);
        if (!in) abort();
        memcpy(in, body + pos, piece);
        dp_result res;
        memset(out, 0xAB, out_cap);
        int code = dp_body_feed(&st, in, piece, out, out_cap, spans, max_spans, &res);
        if (code != st.error) fail("return code differs from st->error");
        if (res.consumed > piece) fail("consumed more than given");
        if (res.nspans > max_spans) fail("more spans than max_spans");
        if (res.out_len > out_cap) fail("output past out_cap");
        if (!code && !st.done && res.consumed < piece && res.nspans == 0 && res.consumed == 0)
            fail("no progress without an error or the end");
        for (size_t i = 0; i < res.nspans; i++) {
            const dp_span *s = &spans[i];
            const uint8_t *src;
            if (s->tag & DP_SPAN_OUT) {
                if (s->off + s->len > res.out_len || s->off + s->len < s->off)
                    fail("output span outside the output written");
                src = out + s->off;
            } else {
                if (s->off + s->len > res.consumed || s->off + s->len < s->off)
                    fail("input span outside the input consumed");
                src = in + s->off;
            }
            uint8_t kind = (uint8_t)(s->tag & DP_KIND_MASK);
            if (kind > 3 || (kind == 0 && p->content != DP_MUX)) fail("span kind out of range");
            if ((s->tag >> DP_POS_SHIFT) > st.pos + res.consumed)
                fail("span end position past the bytes consumed");
            if (p->content == DP_TAR && kind == DP_K_TAR_HEADER) {
                if (!(s->tag & DP_SPAN_OUT)) fail("tar header record not in the output");
                if (s->len < DP_TAR_RECORD || s->len > DP_MIN_OUT)
                    fail("tar header record of a bad length");
                size_t texts = 0;
                for (size_t j = 57; j < 62; j++) texts += src[j];
                if (s->len != DP_TAR_RECORD + texts) fail("tar header record lengths wrong");
                tar_x = src[56] == 'x'; /* the typeflag */
            }
            if (p->content == DP_TAR && kind == DP_K_TAR_EOA && s->len != 0)
                fail("end-of-archive span with bytes");
            for (uint64_t j = 0; j < s->len; j++) put(t, kind, src[j]);
            if (s->tag & DP_SPAN_END) put(t, kind | 0x80, 0);
        }
        if (tar_x) {
            /* As dockproto's TarSink does for a pax "size" record (before the walker
             * reads the next header, which it cannot do before this call returns). */
            st.tar_next_size = (int64_t)(p->seed % 3 == 0 ? 0 : p->seed % 2048);
            tar_x = 0;
        }
        free(in);
        pos += res.consumed;
        if (res.consumed == 0 && res.nspans == 0 && !st.error && !st.done) fail("stuck");
    }
    t->eof_code = st.error ? -1 : dp_body_eof(&st);
    t->error = st.error;
    t->err_offset = st.err_offset;
    t->pos = st.pos;
    t->done = st.done;
    if (dp_body_eof(&st) != t->eof_code && t->eof_code != -1) fail("eof is not sticky");
    free(spans);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size > MAX_LOG) return 0;
    params p;
    uint8_t c0 = data[0], c1 = data[1], c2 = data[2], c3 = data[3];
    const uint8_t *body = data + 4;
    size_t n = size - 4;
    int content = FUZZ_CONTENT;
    if (content < 0) {
        p.framing = DP_CHUNKED;
        p.content = c0 & 3;
    } else {
        static const int framings[4] = {DP_CLOSE, DP_CHUNKED, DP_LENGTH, DP_CLOSE};
        p.framing = framings[c0 & 3];
        p.content = content;
    }
    p.frames = (c0 >> 2) & 1;
    /* The Content-Length: the body's size, give or take a few bytes. */
    int skew = (int)(c0 >> 3) - 16;
    p.length = (int64_t)n + skew < 0 ? 0 : (uint64_t)((int64_t)n + skew);
    p.max_spans = c1 >= 0xC0 ? 1024 : 1 + c1 % 64;
    p.out_cap = DP_MIN_OUT + (size_t)c2 * 37;
    p.seed = c3 ? (uint32_t)c3 * 2654435761u : 0;

    transcript whole = {0}, split = {0};
    decode(&p, body, n, 0, &whole);
    decode(&p, body, n, p.seed != 0, &split);
    if (whole.error != split.error) fail("whole and split disagree on the error");
    if (whole.error && whole.err_offset != split.err_offset)
        fail("whole and split disagree on the error offset");
    if (!whole.error) {
        if (whole.len != split.len || (whole.len && memcmp(whole.bytes, split.bytes, whole.len)))
            fail("whole and split give different payloads");
        if (whole.pos != split.pos || whole.done != split.done)
            fail("whole and split end at different places");
        if (whole.eof_code != split.eof_code) fail("whole and split disagree at EOF");
    } else {
        /* Up to the fault, one must be a prefix of the other. */
        size_t k = whole.len < split.len ? whole.len : split.len;
        if (k && memcmp(whole.bytes, split.bytes, k)) fail("payloads before the fault differ");
    }
    free(whole.bytes);
    free(split.bytes);
    return 0;
}
