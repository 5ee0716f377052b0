/* demux.c: content decoders for multiplexed frames, JSON lines and plain bytes.
 *
 * Multiplexed stream (attach, exec, logs without a TTY), one frame per daemon Write:
 *
 *     [stream:1][0][0][0][size:4 big-endian][payload:size]
 *
 * stream is 0 stdin, 1 stdout, 2 stderr, 3 systemerr.  Anything above 3, or a
 * non-zero byte 1-3, means we are not looking at a frame header and the stream is
 * broken: we fail at that byte rather than guess (bollard's "first byte > 2 means
 * TTY" heuristic misreads systemerr).  A header split across reads or across HTTP
 * chunks is gathered in dp_body.hdr (8 bytes).  Payload bytes become spans of the
 * frame's stream; zero-length frames produce nothing.
 *
 * JSON lines: only the boundaries are found here (memchr for LF); each line,
 * terminator included, is a span flagged END, and Python json.loads it.
 *
 * Plain bytes (TTY streams, raw bodies): every byte is payload.
 */
#define DP_INTERNAL
#include "dockproto.h"

#include <string.h>

static int bad_header_byte(uint32_t idx, uint8_t b)
{
    if (idx == 0) return b > 3 ? DP_E_MUX_STREAM : 0;
    if (idx < 4) return b != 0 ? DP_E_MUX_HEADER : 0;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8)
           | (uint32_t)p[3];
}

size_t dp_mux_take(dp_body *st, dp_call *c, size_t off, size_t n)
{
    const uint8_t *in = c->in;
    size_t i = off, end = off + n;
    while (i < end) {
        if (st->frame_left == 0) {
            const uint8_t *h;
            if (st->hdr_len == 0 && end - i >= 8) {
                h = in + i;
                for (uint32_t j = 0; (h[0] > 3 || h[1] || h[2] || h[3]) && j < 4; j++) {
                    int e = bad_header_byte(j, h[j]);
                    if (e) {
                        dp_fail(st, e, c->base + i + j);
                        c->stop = 1;
                        return i - off;
                    }
                }
                i += 8;
            } else {
                int e = bad_header_byte(st->hdr_len, in[i]);
                if (e) {
                    dp_fail(st, e, c->base + i);
                    c->stop = 1;
                    return i - off;
                }
                st->hdr[st->hdr_len++] = in[i++];
                if (st->hdr_len < 8) continue;
                st->hdr_len = 0;
                h = st->hdr;
            }
            st->frame_kind = h[0];
            st->frame_left = be32(h + 4);
            continue;
        }
        size_t k = end - i;
        if (k > st->frame_left) k = st->frame_left;
        if (!dp_emit(c, st->frame_kind, i, k, 1)) return i - off;
        i += k;
        st->frame_left -= (uint32_t)k;
        if (st->frame_left == 0 && st->frames) dp_end_unit(c);
    }
    return i - off;
}

int dp_mux_finish(dp_body *st, uint64_t at)
{
    if (st->hdr_len || st->frame_left) return dp_fail(st, DP_E_MUX_CUT, at);
    return 0;
}

size_t dp_pass_take(dp_body *st, dp_call *c, size_t off, size_t n)
{
    (void)st;
    return dp_emit(c, DP_K_DATA, off, n, 1);
}

size_t dp_lines_take(dp_body *st, dp_call *c, size_t off, size_t n)
{
    (void)st;
    size_t i = off, end = off + n;
    while (i < end) {
        const uint8_t *nl = memchr(c->in + i, '\n', end - i);
        size_t k = nl ? (size_t)(nl - (c->in + i)) + 1 : end - i;
        if (!dp_emit(c, DP_K_LINE, i, k, 1)) return i - off;
        i += k;
        if (nl) dp_end_unit(c);
    }
    return i - off;
}
