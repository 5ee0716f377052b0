/* tar.c: walk the 512-byte blocks of a tar archive (export, copy, save).
 *
 * Wire: for each member a header block, then its data padded to a multiple of 512,
 * then two all-zero blocks.  Header fields used here:
 *
 *     124  size      12 bytes, octal (space/NUL trimmed) or GNU base-256 (byte0 & 0x80)
 *     148  chksum     8 bytes, octal sum of the block with this field as spaces;
 *                     old writers summed signed chars, so both sums are accepted
 *     156  typeflag   '1'-'6' (links, devices, directories, FIFOs) carry no data,
 *                     whatever the size says (as Go's archive/tar and tarfile read it)
 *
 * States: T_HEADER (gathering a block; split blocks are copied into dp_body.block)
 * -> T_DATA (member_left bytes, emitted as spans) -> T_PAD -> T_HEADER ... -> T_END
 * after the second zero block (only zero bytes may follow: tarfile pads to 10 KiB
 * records).  A zero block followed by a header is an error (as Go reads it).
 *
 * The numeric fields of a member's header are parsed and checked here too (mode, uid,
 * gid, mtime; devmajor/devminor for devices '3'/'4'), so that Python builds a member
 * from integers: the header span points into the output at a record, not at the block:
 *
 *      0  size      u64 little-endian: the member's data size as the walk reads it
 *                   (the size field; a pax "size" before the member overrides it; 0
 *                   for types '1'-'6'; a meta member's is its own body's)
 *      8  mode, 16 uid, 24 gid, 32 mtime, 40 devmajor, 48 devminor   u64 LE each
 *                   (0 for a meta member, 'x' 'g' 'L' 'K'; devmajor/devminor 0
 *                   unless the type is '3' or '4')
 *     56  typeflag  u8
 *     57  lengths   u8 each: name, linkname, uname, gname, prefix (NUL-terminated
 *                   within their fields; prefix 0 unless the magic is "ustar\0";
 *                   all 0 for a meta member)
 *     62  flags     u8: 1 = uname and gname are those of the member before (its
 *                   header's, the last one that was not a meta member): their lengths
 *                   are then 0 and their bytes left out (20,000 members of one owner
 *                   decode their names once)
 *     63  zero      1 byte
 *     64  the bytes of name, linkname, uname, gname and prefix, in that order
 *
 * At most 64 + 419 bytes: less than the 512 input bytes of the block, so an output
 * of the input's size plus DP_MIN_OUT never runs out.  Numbers are octal or GNU
 * base-256 (not negative, below 2**63), exactly as Python's tar_number reads them; a
 * bad one is DP_E_TAR_FIELD (DP_E_TAR_DEVICE for devmajor/devminor) at the end of the
 * header block (where the header's span would have ended).
 *
 * Python decodes the texts and the pax/GNU long-name bodies.  A pax 'x' header may set
 * "size" for the next member, so the walk stops right after an 'x' member's data: the
 * caller sets dp_body.tar_next_size before calling again.
 */
#define DP_INTERNAL
#include "dockproto.h"

#include <string.h>

enum { T_HEADER, T_DATA, T_PAD, T_END };

#define DP_MAX_SIZE ((uint64_t)1 << 62)

static int is_meta(uint32_t t)
{
    return t == 'x' || t == 'g' || t == 'L' || t == 'K';
}

static int all_zero(const uint8_t *b)
{
    for (size_t i = 0; i < 512; i++) {
        if (b[i]) return 0;
    }
    return 1;
}

/* An octal field as Go's parseOctal reads it: spaces and NULs trimmed at both ends,
 * then only digits 0-7.  Returns 0 when it is not a number. */
static int octal(const uint8_t *f, size_t n, uint64_t *v)
{
    size_t a = 0, z = n;
    while (a < z && (f[a] == ' ' || f[a] == 0)) a++;
    while (z > a && (f[z - 1] == ' ' || f[z - 1] == 0)) z--;
    uint64_t x = 0;
    for (size_t i = a; i < z; i++) {
        if (f[i] < '0' || f[i] > '7') return 0;
        x = x * 8 + (uint64_t)(f[i] - '0');
    }
    *v = x;
    return 1;
}

static int checksum_ok(const uint8_t *b)
{
    uint64_t stored;
    if (!octal(b + 148, 8, &stored)) return 0;
    /* The signed sum is the unsigned one less 256 per byte >= 128.  Both loops run over
     * whole blocks without a branch, so the compiler can vectorize them. */
    uint32_t usum = 0, high = 0;
    for (size_t i = 0; i < 512; i++) {
        usum += b[i];
        high += (uint32_t)(b[i] >> 7);
    }
    for (size_t i = 148; i < 156; i++) {
        usum -= b[i];
        high -= (uint32_t)(b[i] >> 7);
    }
    usum += 8 * ' ';
    int64_t ssum = (int64_t)usum - 256 * (int64_t)high;
    return stored == usum || (int64_t)stored == ssum;
}

/* A numeric field: octal, or GNU base-256 (byte 0 & 0x80) if not negative (0x40) and
 * under 2**63.  Returns 0 when it is not a number (exactly as Python's tar_number). */
static int number(const uint8_t *f, size_t n, uint64_t *v)
{
    if (!(f[0] & 0x80)) return octal(f, n, v);
    if (f[0] & 0x40) return 0; /* negative */
    uint64_t x = f[0] & 0x3f;
    for (size_t i = 1; i < n; i++) {
        if (x >> 55) return 0;
        x = (x << 8) | f[i];
    }
    *v = x;
    return 1;
}

static int size_field(const uint8_t *f, uint64_t *v)
{
    return number(f, 12, v) && *v <= DP_MAX_SIZE;
}

/* Bytes before the first NUL of a text field. */
static size_t text_len(const uint8_t *f, size_t n)
{
    const uint8_t *z = memchr(f, 0, n);
    return z ? (size_t)(z - f) : n;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (size_t i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* The record of a member's header (layout at the top); returns its length, or 0 with
 * st->error set when a numeric field is bad. */
static size_t record(dp_body *st, const uint8_t *b, uint32_t t, uint64_t size, uint8_t *r,
                     uint64_t end_pos)
{
    memset(r, 0, DP_TAR_RECORD);
    put64(r, size);
    r[56] = (uint8_t)t;
    if (is_meta(t)) return DP_TAR_RECORD;
    uint64_t mode, uid, gid, mtime, major = 0, minor = 0;
    if (!number(b + 100, 8, &mode) || !number(b + 108, 8, &uid) ||
        !number(b + 116, 8, &gid) || !number(b + 136, 12, &mtime)) {
        dp_fail(st, DP_E_TAR_FIELD, end_pos);
        return 0;
    }
    if ((t == '3' || t == '4') && (!number(b + 329, 8, &major) || !number(b + 337, 8, &minor))) {
        dp_fail(st, DP_E_TAR_DEVICE, end_pos);
        return 0;
    }
    put64(r + 8, mode);
    put64(r + 16, uid);
    put64(r + 24, gid);
    put64(r + 32, mtime);
    put64(r + 40, major);
    put64(r + 48, minor);
    /* name 0+100, linkname 157+100, uname 265+32, gname 297+32, prefix 345+155 */
    static const uint16_t at[5] = {0, 157, 265, 297, 345};
    static const uint8_t width[5] = {100, 100, 32, 32, 155};
    int ustar = memcmp(b + 257, "ustar", 6) == 0; /* with its NUL */
    size_t k[5];
    for (size_t i = 0; i < 5; i++) k[i] = (i < 4 || ustar) ? text_len(b + at[i], width[i]) : 0;
    if (st->owners_set && k[2] == st->owners_len[0] && k[3] == st->owners_len[1] &&
        memcmp(b + 265, st->owners, k[2]) == 0 && memcmp(b + 297, st->owners + 32, k[3]) == 0) {
        r[62] = 1;
        k[2] = k[3] = 0;
    } else {
        memcpy(st->owners, b + 265, k[2]);
        memcpy(st->owners + 32, b + 297, k[3]);
        st->owners_len[0] = (uint8_t)k[2];
        st->owners_len[1] = (uint8_t)k[3];
        st->owners_set = 1;
    }
    size_t len = DP_TAR_RECORD;
    for (size_t i = 0; i < 5; i++) {
        r[57 + i] = (uint8_t)k[i];
        memcpy(r + len, b + at[i], k[i]);
        len += k[i];
    }
    return len;
}

static void push_eoa(dp_call *c, uint64_t end_pos)
{
    dp_span *s = &c->spans[c->nspans++];
    s->tag = DP_K_TAR_EOA | (end_pos << DP_POS_SHIFT);
    s->off = 0;
    s->len = 0;
    c->open = 0;
}

/* A whole block b (in the input, or gathered into st->block).  The caller checked
 * there is room for one span and DP_MIN_OUT output bytes. */
static void block(dp_body *st, dp_call *c, const uint8_t *b, uint64_t end_pos)
{
    if (all_zero(b)) {
        if (++st->zeros == 2) {
            push_eoa(c, end_pos);
            st->tstate = T_END;
        }
        return;
    }
    if (st->zeros) {
        dp_fail(st, DP_E_TAR_ZERO, st->block_start);
        return;
    }
    if (!checksum_ok(b)) {
        dp_fail(st, DP_E_TAR_CHECKSUM, st->block_start);
        return;
    }
    uint64_t size;
    if (!size_field(b + 124, &size)) {
        dp_fail(st, DP_E_TAR_SIZE, st->block_start);
        return;
    }
    uint32_t t = b[156];
    if (!is_meta(t) && st->tar_next_size >= 0) {
        size = (uint64_t)st->tar_next_size;
        st->tar_next_size = -1;
    }
    if (t >= '1' && t <= '6') size = 0;
    uint8_t rec[DP_TAR_RECORD + 419];
    size_t n = record(st, b, t, size, rec, end_pos);
    if (!n) return;
    dp_emit_copy(c, DP_K_TAR_HEADER, rec, n, end_pos);
    st->member_type = t;
    st->member_left = size;
    st->pad_left = (uint32_t)((512 - size % 512) % 512);
    st->tstate = size ? T_DATA : T_HEADER;
    if (!size && t == 'x') c->stop = 1;
}

size_t dp_tar_take(dp_body *st, dp_call *c, size_t off, size_t n)
{
    const uint8_t *in = c->in;
    size_t i = off, end = off + n;
    while (i < end && !c->stop) {
        switch (st->tstate) {
        case T_HEADER:
            if (c->nspans == c->max_spans) {
                c->stop = 1;
                break;
            }
            if (st->block_len == 0) st->block_start = c->base + i;
            {
                size_t k = 512 - st->block_len;
                if (k > end - i) k = end - i;
                if (k + st->block_len == 512 && c->out_cap - c->out_len < DP_MIN_OUT) {
                    c->stop = 1; /* no room for the record of a whole block */
                    break;
                }
                if (k == 512) {
                    i += 512;
                    block(st, c, in + i - 512, c->base + i);
                } else {
                    memcpy(st->block + st->block_len, in + i, k);
                    st->block_len += (uint32_t)k;
                    i += k;
                    if (st->block_len == 512) {
                        st->block_len = 0;
                        block(st, c, st->block, c->base + i);
                    }
                }
            }
            if (st->error) c->stop = 1;
            break;
        case T_DATA: {
            size_t k = end - i;
            if (k > st->member_left) k = (size_t)st->member_left;
            if (!dp_emit(c, DP_K_TAR_DATA, i, k, 1)) break;
            i += k;
            st->member_left -= k;
            if (st->member_left == 0) {
                dp_end_unit(c);
                st->tstate = st->pad_left ? T_PAD : T_HEADER;
                if (st->member_type == 'x') c->stop = 1;
            }
            break;
        }
        case T_PAD: {
            size_t k = end - i;
            if (k > st->pad_left) k = st->pad_left;
            i += k;
            st->pad_left -= (uint32_t)k;
            if (st->pad_left == 0) st->tstate = T_HEADER;
            break;
        }
        default: /* T_END */
            for (; i < end; i++) {
                if (in[i]) {
                    dp_fail(st, DP_E_TAR_TRAILING, c->base + i);
                    c->stop = 1;
                    break;
                }
            }
            break;
        }
    }
    return i - off;
}

int dp_tar_finish(dp_body *st, uint64_t at)
{
    if (st->tstate == T_END) return 0;
    if (st->tstate == T_HEADER && st->block_len == 0) return dp_fail(st, DP_E_TAR_NO_END, at);
    return dp_fail(st, DP_E_TAR_CUT, at);
}
