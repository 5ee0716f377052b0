/* body.c: HTTP/1.1 body framing, the span builder, and the dp_body_feed() entry.
 *
 * Wire (RFC 9112 section 7.1), chunked:
 *
 *     1a;name=value\r\n  <0x1a bytes>\r\n  ...  0\r\n  Trailer: x\r\n  \r\n
 *
 * States: F_SIZE (hex digits) -> F_SIZE_TAIL (spaces, then ';' or CR or LF) ->
 * F_EXT (an extension, ignored up to LF) / F_SIZE_LF -> F_DATA (the chunk, handed
 * to the content decoder) -> F_DATA_CR -> F_DATA_LF -> F_SIZE ... A zero size moves
 * to F_TRAILER, which skips header lines up to an empty one, then F_DONE.  A bare LF
 * ends a size or trailer line (as Go's net/http accepts); after chunk data only CRLF is
 * accepted, so a chunk longer than its size is caught at its first extra byte.
 *
 * Content-Length bodies count down; read-until-close bodies pass everything on
 * until dp_body_eof().  When the framing says the body ended, the content decoder
 * must be at a clean boundary too (no half frame, no tar without its end blocks).
 *
 * The span builder (dp_emit, inline in dockproto.h) decides copy or no copy: a
 * piece that continues the open span of the same kind is appended by memcpy into
 * the output when it is small (one log line per chunk), else it becomes a new span
 * flagged CONT that points into the input, so big frames are never copied here
 * (Python copies once when it makes bytes).
 */
#define DP_INTERNAL
#include "dockproto.h"

#include <string.h>

enum {
    F_SIZE, F_SIZE_TAIL, F_EXT, F_SIZE_LF, F_DATA, F_DATA_CR, F_DATA_LF,
    F_TRAILER, F_DONE
};

#define DP_MAX_CHUNK ((uint64_t)1 << 40)

int dp_fail(dp_body *st, int code, uint64_t offset)
{
    if (!st->error) {
        st->error = code;
        st->err_offset = offset;
    }
    return st->error;
}

int dp_emit_copy(dp_call *c, uint32_t kind, const uint8_t *src, size_t n, uint64_t end_pos)
{
    if (c->nspans == c->max_spans || c->out_cap - c->out_len < n) {
        c->stop = 1;
        return 0;
    }
    dp_span *s = &c->spans[c->nspans++];
    memcpy(c->out + c->out_len, src, n);
    s->tag = kind | DP_SPAN_OUT | (end_pos << DP_POS_SHIFT);
    s->off = c->out_len;
    s->len = n;
    c->out_len += n;
    c->open = 0;
    return 1;
}

void dp_end_unit(dp_call *c)
{
    if (c->open) {
        c->spans[c->nspans - 1].tag |= DP_SPAN_END;
        c->open = 0;
    }
}

void dp_body_init(dp_body *st, int framing, int content, uint64_t length, int frames)
{
    memset(st, 0, sizeof *st);
    st->framing = framing;
    st->content = content;
    st->frames = frames != 0;
    st->tar_next_size = -1;
    st->fstate = F_SIZE;
    if (framing == DP_LENGTH) {
        st->remaining = length;
    }
    if ((framing != DP_CHUNKED && framing != DP_LENGTH && framing != DP_CLOSE)
        || content < DP_MUX || content > DP_LINES) {
        dp_fail(st, DP_E_ARGS, 0);
    } else if (framing == DP_LENGTH && length == 0) {
        /* A body declared empty (HEAD, 204, 304) carries no content to check. */
        st->done = 1;
        st->fstate = F_DONE;
    }
}

static size_t take(dp_body *st, dp_call *c, size_t off, size_t n)
{
    switch (st->content) {
    case DP_MUX:
        return dp_mux_take(st, c, off, n);
    case DP_TAR:
        return dp_tar_take(st, c, off, n);
    case DP_LINES:
        return dp_lines_take(st, c, off, n);
    default:
        return dp_pass_take(st, c, off, n);
    }
}

/* The framing says the body ended at absolute offset `at`: the content must agree. */
static void finish(dp_body *st, uint64_t at)
{
    st->done = 1;
    st->fstate = F_DONE;
    if (st->content == DP_MUX) {
        dp_mux_finish(st, at);
    } else if (st->content == DP_TAR) {
        dp_tar_finish(st, at);
    }
}

static const int8_t HEX[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
    ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16,
};

/* The value of a hex digit, or -1 (the table holds value + 1, so 0 means "not hex"). */
static int hexval(uint8_t b)
{
    return HEX[b] - 1;
}

/* Whether the chunk of size v at h (avail bytes of input from there) is whole in the
 * input, followed by its CRLF, and is exactly one well-formed multiplexed frame that
 * starts at a frame boundary. */
static int one_frame_chunk(const dp_body *st, const uint8_t *h, size_t avail, uint64_t v)
{
    if (st->frame_left || st->hdr_len || v < 8 || v + 2 > avail) return 0;
    if (h[0] > 3 || h[1] || h[2] || h[3]) return 0;
    uint64_t size = ((uint64_t)h[4] << 24) | ((uint64_t)h[5] << 16) | ((uint64_t)h[6] << 8)
                    | (uint64_t)h[7];
    return size == v - 8 && h[v] == '\r' && h[v + 1] == '\n';
}

static size_t chunked(dp_body *st, dp_call *c, size_t n)
{
    const uint8_t *in = c->in;
    size_t i = 0;
    while (i < n) {
        uint8_t b = in[i];
        if (st->fstate == F_SIZE && st->line_len == 0) {
            /* Fast path for the usual line: 1-10 hex digits and CRLF, all in this
             * input (10 digits cannot pass 2**40).  Anything else takes the slow
             * path from its first byte, so errors are reported the same way. */
            size_t j = i;
            uint64_t v = 0;
            int d;
            while (j < n && j - i < 10 && (d = hexval(in[j])) >= 0) {
                v = v * 16 + (uint64_t)d;
                j++;
            }
            if (j > i && j + 1 < n && in[j] == '\r' && in[j + 1] == '\n') {
                size_t p = j + 2;
                if (st->content == DP_MUX && one_frame_chunk(st, in + p, n - p, v)) {
                    /* dockerd's logs: one chunk holding one whole frame (one line).
                     * Emit its payload and step over the frame and the CRLF at once,
                     * exactly as the state machines below would, without them. */
                    size_t len = (size_t)v - 8;
                    if (len) {
                        if (!dp_emit(c, in[p], p + 8, len, 1)) return i;
                        if (st->frames) dp_end_unit(c);
                    }
                    i = p + (size_t)v + 2;
                    continue;
                }
                st->remaining = v;
                st->fstate = v ? F_DATA : F_TRAILER;
                i = j + 2;
                continue;
            }
        }
        switch (st->fstate) {
        case F_SIZE: {
            int d = hexval(b);
            if (d < 0) {
                if (st->line_len == 0) {
                    dp_fail(st, DP_E_CHUNK_SIZE, c->base + i);
                    return i;
                }
                st->fstate = F_SIZE_TAIL;
                continue; /* look at b again */
            }
            if (++st->line_len > DP_MAX_LINE) {
                dp_fail(st, DP_E_CHUNK_LINE, c->base + i);
                return i;
            }
            st->remaining = st->remaining * 16 + (uint64_t)d;
            if (st->remaining > DP_MAX_CHUNK) {
                dp_fail(st, DP_E_CHUNK_TOO_BIG, c->base + i);
                return i;
            }
            i++;
            break;
        }
        case F_SIZE_TAIL:
        case F_EXT:
        case F_SIZE_LF:
            if (++st->line_len > DP_MAX_LINE) {
                dp_fail(st, DP_E_CHUNK_LINE, c->base + i);
                return i;
            }
            i++;
            if (b == '\n') {
                st->line_len = 0;
                st->fstate = st->remaining ? F_DATA : F_TRAILER;
                st->line_chars = 0;
            } else if (st->fstate == F_SIZE_LF) {
                dp_fail(st, DP_E_CHUNK_SIZE, c->base + i - 1);
                return i - 1;
            } else if (st->fstate == F_SIZE_TAIL) {
                if (b == '\r') {
                    st->fstate = F_SIZE_LF;
                } else if (b == ';') {
                    st->fstate = F_EXT;
                } else if (b != ' ' && b != '\t') {
                    dp_fail(st, DP_E_CHUNK_SIZE, c->base + i - 1);
                    return i - 1;
                }
            }
            break;
        case F_DATA: {
            size_t k = n - i;
            if (k > st->remaining) k = (size_t)st->remaining;
            size_t used = take(st, c, i, k);
            st->remaining -= used;
            i += used;
            if (st->error) return i;
            if (st->remaining == 0) {
                st->fstate = F_DATA_CR;
                if (n - i >= 2 && in[i] == '\r' && in[i + 1] == '\n') {
                    st->fstate = F_SIZE; /* the usual CRLF, in one step */
                    i += 2;
                }
            }
            if (c->stop) return i;
            break;
        }
        case F_DATA_CR:
        case F_DATA_LF:
            if (b != (st->fstate == F_DATA_CR ? '\r' : '\n')) {
                dp_fail(st, DP_E_CHUNK_CRLF, c->base + i);
                return i;
            }
            i++;
            st->fstate = st->fstate == F_DATA_CR ? F_DATA_LF : F_SIZE;
            break;
        case F_TRAILER:
            if (++st->line_len > DP_MAX_LINE) {
                dp_fail(st, DP_E_CHUNK_LINE, c->base + i);
                return i;
            }
            i++;
            if (b == '\n') {
                if (st->line_chars == 0) {
                    finish(st, c->base + i);
                    return i;
                }
                st->line_len = 0;
                st->line_chars = 0;
            } else if (b != '\r') {
                st->line_chars++;
            }
            break;
        default:
            return i;
        }
    }
    return i;
}

static size_t counted(dp_body *st, dp_call *c, size_t n)
{
    size_t k = n;
    if (k > st->remaining) k = (size_t)st->remaining;
    size_t used = k ? take(st, c, 0, k) : 0;
    st->remaining -= used;
    if (!st->error && st->remaining == 0) finish(st, c->base + used);
    return used;
}

int dp_body_feed(dp_body *st, const uint8_t *in, size_t in_len, uint8_t *out,
                 size_t out_cap, dp_span *spans, size_t max_spans, dp_result *res)
{
    res->consumed = res->nspans = res->out_len = 0;
    if (st->error) return st->error;
    if (out_cap < DP_MIN_OUT || max_spans < 1 || (in_len && !in)) return DP_E_ARGS;

    dp_call c;
    c.in = in;
    c.out = out;
    c.out_cap = out_cap;
    c.out_len = 0;
    c.spans = spans;
    c.max_spans = max_spans;
    c.nspans = 0;
    c.base = st->pos;
    c.open = 0;
    c.stop = 0;

    size_t used = 0;
    if (!st->done) {
        if (st->framing == DP_CHUNKED) {
            used = chunked(st, &c, in_len);
        } else if (st->framing == DP_LENGTH) {
            used = counted(st, &c, in_len);
        } else {
            used = in_len ? take(st, &c, 0, in_len) : 0;
        }
    }
    st->pos += used;
    res->consumed = used;
    res->nspans = c.nspans;
    res->out_len = c.out_len;
    return st->error;
}

int dp_body_eof(dp_body *st)
{
    if (st->error || st->done) return st->error;
    if (st->framing == DP_CHUNKED) return dp_fail(st, DP_E_BODY_CUT, st->pos);
    if (st->framing == DP_LENGTH) return dp_fail(st, DP_E_BODY_SHORT, st->pos);
    finish(st, st->pos);
    return st->error;
}
