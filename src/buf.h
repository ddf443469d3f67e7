/* Bounded byte cursors for wire data.
 *
 * Every byte that comes from the peer is read through struct rd; every byte
 * we send is written through struct wr.  Both have a sticky overflow flag:
 * once a read or write would cross the end, the flag is set, reads return
 * zeroes and writes are dropped, so a codec can do a run of gets/puts and
 * check the flag once at the end.  Nothing here allocates except the UTF-16
 * helpers, which return g_malloc'd strings.
 *
 * Alignment: SMB aligns Unicode strings to 2 bytes relative to the start of
 * the SMB header, not of the buffer.  Both cursors therefore carry an
 * `origin`: the buffer offset of the SMB header (4 when a NetBIOS header is
 * in front of it).
 */
#ifndef SMBFUSE_BUF_H
#define SMBFUSE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *data;
	size_t len;
	size_t pos;
	size_t origin;
	bool overflow;
};

struct wr {
	uint8_t *data;
	size_t cap;
	size_t pos;
	size_t origin;
	bool overflow;
};

void rd_init(struct rd *r, const void *data, size_t len);
uint8_t rd_u8(struct rd *r);
uint16_t rd_le16(struct rd *r);
uint32_t rd_le32(struct rd *r);
uint64_t rd_le64(struct rd *r);
uint16_t rd_be16(struct rd *r);
uint32_t rd_be32(struct rd *r);
/* Copies n bytes to out (zero-filled on overflow). */
void rd_bytes(struct rd *r, void *out, size_t n);
/* Returns a pointer to the next n bytes and advances, or NULL (and sets
 * overflow) when fewer than n remain. */
const uint8_t *rd_ptr(struct rd *r, size_t n);
void rd_skip(struct rd *r, size_t n);
/* Moves to absolute position pos (relative to data, not origin). */
void rd_seek(struct rd *r, size_t pos);
size_t rd_remaining(const struct rd *r);
/* Skips one pad byte if the position is odd relative to origin. */
void rd_align2(struct rd *r);
/* Reads a UTF-16LE string of exactly nbytes bytes (nbytes odd -> last byte
 * ignored), stopping early at a NUL code unit; returns UTF-8 (g_malloc) or
 * NULL on overflow or invalid UTF-16. */
char *rd_utf16(struct rd *r, size_t nbytes);
/* Reads a NUL-terminated UTF-16LE string (consuming the terminator); NULL if
 * no terminator before the end. */
char *rd_utf16z(struct rd *r);
/* Reads a NUL-terminated 8-bit string (consuming the terminator). */
char *rd_asciiz(struct rd *r);

void wr_init(struct wr *w, void *data, size_t cap);
void wr_u8(struct wr *w, uint8_t v);
void wr_le16(struct wr *w, uint16_t v);
void wr_le32(struct wr *w, uint32_t v);
void wr_le64(struct wr *w, uint64_t v);
void wr_be16(struct wr *w, uint16_t v);
void wr_be32(struct wr *w, uint32_t v);
void wr_bytes(struct wr *w, const void *p, size_t n);
void wr_zero(struct wr *w, size_t n);
/* Patch a value already written at absolute offset off (no cursor move). */
void wr_le16_at(struct wr *w, size_t off, uint16_t v);
void wr_le32_at(struct wr *w, size_t off, uint32_t v);
/* Pads with zero bytes to a multiple of 2 / 4 relative to origin. */
void wr_align2(struct wr *w);
void wr_align4(struct wr *w);
/* Writes utf8 as UTF-16LE, with a 2-byte NUL terminator when nul is true.
 * Returns the number of bytes written, or -1 (and sets overflow) when the
 * string is not valid UTF-8 or does not fit. */
long wr_utf16(struct wr *w, const char *utf8, bool nul);
/* Writes an 8-bit string with its NUL terminator. */
void wr_asciiz(struct wr *w, const char *s);
size_t wr_len(const struct wr *w);

#endif
