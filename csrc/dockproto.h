/* dockproto.h: the C stream core of dockproto, the one header.
 *
 * One call, dp_body_feed(), undoes the HTTP/1.1 body framing (chunked coding with
 * extensions and trailers, Content-Length, or read-until-close) and the content
 * framing (Docker's multiplexed stream frames, tar blocks, JSON lines, or plain
 * bytes) in a single pass over the bytes the caller just received.
 *
 * What comes back is not data but *spans*: {tag, off, len} triples that point into
 * either the caller's input buffer or a caller-provided output buffer.  Payload
 * pieces that are contiguous in the input are pointed at where they lie (no copy);
 * small pieces of one run (a log line per HTTP chunk per frame) are compacted into
 * the output buffer so Python sees one span per run.  Python slices the spans out of
 * a memoryview and builds events: its work is per call, not per frame.
 *
 * Rules that keep this safe to call from Python through cffi:
 *   - nothing here allocates; every struct is allocated by the caller (ffi.new);
 *   - no pointer into a caller's buffer is kept after a call returns: state that must
 *     survive a split (a frame header, a tar header block) is copied into dp_body;
 *   - every write into the output buffer and the span array is bounds-checked; when
 *     either is full the call stops early and reports how much input it consumed,
 *     and the caller calls again with the rest;
 *   - an error is sticky: once dp_body.error is set every later call returns it.
 *
 * Every symbol is prefixed dp_.  The part between the CDEF markers is what
 * csrc/build_native.py declares to cffi (with dp_body's private fields elided).
 */
#ifndef DOCKPROTO_H
#define DOCKPROTO_H

#include <stddef.h>
#include <stdint.h>

/* ---- BEGIN CDEF (public part) ------------------------------------------------ */

/* HTTP/1.1 body framing of a response. */
enum dp_framing { DP_CHUNKED = 0, DP_LENGTH = 1, DP_CLOSE = 2 };

/* What the body carries. DP_PASS is RAW and BYTES alike: the bytes, untouched. */
enum dp_content { DP_MUX = 0, DP_PASS = 1, DP_TAR = 2, DP_LINES = 3 };

/* Span tags: bits 0-3 a kind, bits 4-7 flags, bits 8-63 the absolute offset (in the
 * bytes fed so far) just past the span's last byte on the wire. */
enum dp_span_bits {
    DP_KIND_MASK = 0x0F,
    DP_SPAN_END = 0x10,  /* the unit (frame, line, member data) ends with this span */
    DP_SPAN_CONT = 0x20, /* glue this span to the previous one: same event */
    DP_SPAN_OUT = 0x40,  /* off is into the output buffer, not the input */
    DP_POS_SHIFT = 8
};

/* Span kinds. MUX: the stream id 0-3. PASS: DP_K_DATA. LINES: DP_K_LINE. TAR: below. */
enum dp_kind {
    DP_K_DATA = 1,
    DP_K_LINE = 1,
    DP_K_TAR_HEADER = 1, /* a header's record (in the output; layout in tar.c) */
    DP_K_TAR_DATA = 2,   /* a piece of the current member's data */
    DP_K_TAR_EOA = 3     /* the two zero blocks were read (len 0) */
};

/* Error codes (0 is success).  Messages live in dockproto/_pydecode.py. */
enum dp_error {
    DP_OK = 0,
    DP_E_ARGS = 1,           /* the caller broke a precondition (internal bug) */
    DP_E_CHUNK_SIZE = 2,     /* chunk-size line: not hex, or junk after the digits */
    DP_E_CHUNK_TOO_BIG = 3,  /* chunk size above 2**40 */
    DP_E_CHUNK_LINE = 4,     /* chunk-size or trailer line over DP_MAX_LINE bytes */
    DP_E_CHUNK_CRLF = 5,     /* chunk data not followed by CRLF: longer than announced */
    DP_E_BODY_CUT = 6,       /* EOF before the final chunk and its trailers */
    DP_E_BODY_SHORT = 7,     /* EOF before Content-Length bytes */
    DP_E_MUX_STREAM = 8,     /* frame header: stream id above 3 */
    DP_E_MUX_HEADER = 9,     /* frame header: bytes 1-3 not zero */
    DP_E_MUX_CUT = 10,       /* body ended mid-frame */
    DP_E_TAR_CHECKSUM = 11,  /* header block checksum wrong (or not a number) */
    DP_E_TAR_SIZE = 12,      /* size field neither octal nor positive base-256 */
    DP_E_TAR_ZERO = 13,      /* a header after a single zero block */
    DP_E_TAR_CUT = 14,       /* body ended mid-member (header, data or padding) */
    DP_E_TAR_NO_END = 15,    /* body ended without the two end-of-archive blocks */
    DP_E_TAR_TRAILING = 16,  /* non-zero bytes after the end-of-archive blocks */
    DP_E_TAR_FIELD = 17,     /* header mode, uid, gid or mtime not a number */
    DP_E_TAR_DEVICE = 18     /* header devmajor/devminor not a number (a device member) */
};

/* Limits.  4 KiB for a chunk-size line with its extensions (and for each trailer
 * line): real chunk lines are under 20 bytes.  2**40 bytes (1 TiB) for one chunk:
 * more is a corrupt or hostile size line.  DP_MIN_OUT: the output must take one tar
 * header's record (DP_TAR_RECORD bytes of numbers, then at most 419 bytes of names).
 * DP_BIG_PIECE: a continuing piece of 4 KiB or more is pointed at, not copied; below
 * that one memcpy is cheaper than one more part for Python to join. */
enum dp_limits {
    DP_MAX_LINE = 4096,
    DP_MIN_OUT = 512,
    DP_BIG_PIECE = 4096,
    DP_TAR_RECORD = 64
};

typedef struct dp_span {
    uint64_t tag; /* kind | flags | end position << DP_POS_SHIFT */
    uint64_t off; /* into the input, or into the output when DP_SPAN_OUT */
    uint64_t len;
} dp_span;

typedef struct dp_result {
    size_t consumed; /* input bytes consumed; less than given when a buffer filled up */
    size_t nspans;   /* spans written */
    size_t out_len;  /* output bytes written */
} dp_result;

/* ---- END CDEF ---------------------------------------------------------------- */

/* Decoder state, allocated by the caller.  Python reads done, error, err_offset and
 * pos, and writes tar_next_size (a pax "size" record for the next member). */
typedef struct dp_body {
    int framing, content, frames;
    int done;            /* body ended where framing says (content checked complete) */
    int error;           /* 0 or a dp_error code; sticky */
    uint64_t err_offset; /* absolute offset of the fault */
    uint64_t pos;        /* bytes consumed so far: offset of the next input byte */
    /* framing */
    int fstate;
    uint64_t remaining;  /* chunk or Content-Length bytes left */
    uint32_t line_len;   /* bytes of the current size/trailer line so far */
    uint32_t line_chars; /* non-CR bytes of the current trailer line */
    /* multiplexed frames */
    uint8_t hdr[8];
    uint32_t hdr_len;
    uint32_t frame_left;
    uint32_t frame_kind;
    /* tar */
    int tstate;
    uint32_t block_len;
    uint64_t block_start; /* absolute offset of the current header block's first byte */
    uint32_t pad_left;
    uint32_t zeros;
    uint32_t member_type;
    uint64_t member_left;
    int64_t tar_next_size; /* -1, or the size a pax header set for the next member */
    uint8_t block[512];
    /* the uname and gname of the last member's header (owners_len[0], [1] bytes at
     * owners and owners + 32), once owners_set: a record says when they repeat */
    uint8_t owners[64];
    uint8_t owners_len[2];
    uint8_t owners_set;
} dp_body;

/* Set up st for a body.  length is the Content-Length for DP_LENGTH (else ignored);
 * frames != 0 makes DP_MUX keep frame boundaries (one END-flagged unit per frame)
 * instead of coalescing adjacent frames of one stream. */
void dp_body_init(dp_body *st, int framing, int content, uint64_t length, int frames);

/* Decode in[0:in_len].  out must hold at least DP_MIN_OUT bytes and spans at least
 * one span.  Fills *res and returns 0, or a dp_error code (also left in st->error).
 * Stops early (res->consumed < in_len) when the span array fills, when the output
 * buffer cannot take a tar header, right after a pax 'x' member's data (so the
 * caller can set tar_next_size), and once the body is done (the rest is not ours). */
int dp_body_feed(dp_body *st, const uint8_t *in, size_t in_len, uint8_t *out,
                 size_t out_cap, dp_span *spans, size_t max_spans, dp_result *res);

/* The peer closed.  Returns 0 when the body and its content ended cleanly (and sets
 * done), else a dp_error code (sticky). */
int dp_body_eof(dp_body *st);

/* ---- private: shared between the .c files, not declared to cffi -------------- */
#ifdef DP_INTERNAL

#include <string.h>

/* One dp_body_feed() call in progress. */
typedef struct dp_call {
    const uint8_t *in;
    uint8_t *out;
    size_t out_cap, out_len;
    dp_span *spans;
    size_t max_spans, nspans;
    uint64_t base; /* absolute offset of in[0] */
    int open;      /* spans[nspans - 1] can still grow */
    int stop;      /* a content decoder asks the framing loop to return now */
} dp_call;

static inline uint64_t dp_end_tag(const dp_call *c, size_t off, size_t n)
{
    return (c->base + off + n) << DP_POS_SHIFT;
}

/* Add in[off:off+n] of the given kind; merge with the open span when allowed.
 * Returns n, or 0 with c->stop set when the span array is full (never a part).
 * A continuing piece is copied into the output when it is small and fits, else it
 * becomes a new span flagged CONT that points into the input (never copied here).
 * Inline: it runs once per frame, and log frames are ~20 bytes. */

static inline size_t dp_emit(dp_call *c, uint32_t kind, size_t off, size_t n, int merge)
{
    if (c->open && merge) {
        dp_span *s = &c->spans[c->nspans - 1];
        if ((s->tag & DP_KIND_MASK) == kind) {
            uint64_t flags = s->tag & (DP_SPAN_CONT | DP_SPAN_OUT | DP_SPAN_END);
            if (!(flags & DP_SPAN_OUT) && s->off + s->len == off) {
                s->len += n;
                s->tag = kind | flags | dp_end_tag(c, off, n);
                return n;
            }
            size_t need = (flags & DP_SPAN_OUT) ? n : (size_t)s->len + n;
            int small = n < DP_BIG_PIECE && ((flags & DP_SPAN_OUT) || s->len < DP_BIG_PIECE);
            if (small && c->out_cap - c->out_len >= need) {
                if (!(flags & DP_SPAN_OUT)) {
                    memcpy(c->out + c->out_len, c->in + s->off, (size_t)s->len);
                    s->off = c->out_len;
                    c->out_len += (size_t)s->len;
                    flags |= DP_SPAN_OUT;
                }
                memcpy(c->out + c->out_len, c->in + off, n);
                c->out_len += n;
                s->len += n;
                s->tag = kind | flags | dp_end_tag(c, off, n);
                return n;
            }
            if (c->nspans == c->max_spans) {
                c->stop = 1;
                return 0;
            }
            s = &c->spans[c->nspans++];
            s->tag = kind | DP_SPAN_CONT | dp_end_tag(c, off, n);
            s->off = off;
            s->len = n;
            return n;
        }
    }
    if (c->nspans == c->max_spans) {
        c->stop = 1;
        return 0;
    }
    dp_span *s = &c->spans[c->nspans++];
    s->tag = kind | dp_end_tag(c, off, n);
    s->off = off;
    s->len = n;
    c->open = 1;
    return n;
}

/* Add a span copied from bytes the caller owns (a tar header record) into the output. */
int dp_emit_copy(dp_call *c, uint32_t kind, const uint8_t *src, size_t n, uint64_t end_pos);
/* Mark the open span as ending its unit, and close it. */
void dp_end_unit(dp_call *c);
int dp_fail(dp_body *st, int code, uint64_t offset);

/* Content decoders: take in[off:off+n], return how much was consumed (less when they
 * set c->stop), and a finish check run when the body ends. */
size_t dp_mux_take(dp_body *st, dp_call *c, size_t off, size_t n);
int dp_mux_finish(dp_body *st, uint64_t at);
size_t dp_pass_take(dp_body *st, dp_call *c, size_t off, size_t n);
size_t dp_lines_take(dp_body *st, dp_call *c, size_t off, size_t n);
size_t dp_tar_take(dp_body *st, dp_call *c, size_t off, size_t n);
int dp_tar_finish(dp_body *st, uint64_t at);

#endif /* DP_INTERNAL */
#endif /* DOCKPROTO_H */
