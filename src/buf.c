/* Bounded cursors: see buf.h.  The overflow flag is sticky; once set, reads
 * yield zero and writes are dropped. */
#include "buf.h"

#include <glib.h>
#include <string.h>

void rd_init(struct rd *r, const void *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->origin = 0;
	r->overflow = false;
}

static bool rd_have(struct rd *r, size_t n)
{
	if (r->overflow || r->pos > r->len || n > r->len - r->pos) {
		r->overflow = true;
		return false;
	}
	return true;
}

uint8_t rd_u8(struct rd *r)
{
	if (!rd_have(r, 1))
		return 0;
	return r->data[r->pos++];
}

uint16_t rd_le16(struct rd *r)
{
	if (!rd_have(r, 2))
		return 0;
	const uint8_t *p = r->data + r->pos;
	r->pos += 2;
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t rd_le32(struct rd *r)
{
	if (!rd_have(r, 4))
		return 0;
	const uint8_t *p = r->data + r->pos;
	r->pos += 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t rd_le64(struct rd *r)
{
	uint64_t lo = rd_le32(r);
	uint64_t hi = rd_le32(r);
	return lo | hi << 32;
}

uint16_t rd_be16(struct rd *r)
{
	if (!rd_have(r, 2))
		return 0;
	const uint8_t *p = r->data + r->pos;
	r->pos += 2;
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t rd_be32(struct rd *r)
{
	uint32_t hi = rd_be16(r);
	uint32_t lo = rd_be16(r);
	return hi << 16 | lo;
}

void rd_bytes(struct rd *r, void *out, size_t n)
{
	if (!rd_have(r, n)) {
		memset(out, 0, n);
		return;
	}
	memcpy(out, r->data + r->pos, n);
	r->pos += n;
}

const uint8_t *rd_ptr(struct rd *r, size_t n)
{
	if (!rd_have(r, n))
		return NULL;
	const uint8_t *p = r->data + r->pos;
	r->pos += n;
	return p;
}

void rd_skip(struct rd *r, size_t n)
{
	if (rd_have(r, n))
		r->pos += n;
}

void rd_seek(struct rd *r, size_t pos)
{
	if (pos > r->len)
		r->overflow = true;
	else
		r->pos = pos;
}

size_t rd_remaining(const struct rd *r)
{
	if (r->overflow || r->pos > r->len)
		return 0;
	return r->len - r->pos;
}

void rd_align2(struct rd *r)
{
	if ((r->pos - r->origin) & 1)
		rd_skip(r, 1);
}

static char *utf16_to_utf8(const uint8_t *p, size_t units)
{
	gunichar2 *tmp = g_new(gunichar2, units + 1);
	size_t n = 0;
	for (; n < units; n++) {
		gunichar2 c = (gunichar2)(p[2 * n] | p[2 * n + 1] << 8);
		if (c == 0)
			break;
		tmp[n] = c;
	}
	char *s = g_utf16_to_utf8(tmp, (glong)n, NULL, NULL, NULL);
	g_free(tmp);
	return s;
}

char *rd_utf16(struct rd *r, size_t nbytes)
{
	const uint8_t *p = rd_ptr(r, nbytes);
	if (!p)
		return NULL;
	return utf16_to_utf8(p, nbytes / 2);
}

char *rd_utf16z(struct rd *r)
{
	size_t avail = rd_remaining(r);
	const uint8_t *p = r->data + r->pos;
	for (size_t i = 0; i + 1 < avail; i += 2) {
		if (p[i] == 0 && p[i + 1] == 0) {
			char *s = utf16_to_utf8(p, i / 2);
			r->pos += i + 2;
			return s;
		}
	}
	r->overflow = true;
	return NULL;
}

char *rd_asciiz(struct rd *r)
{
	size_t avail = rd_remaining(r);
	const uint8_t *p = r->data + r->pos;
	const uint8_t *nul = memchr(p, 0, avail);
	if (!nul) {
		r->overflow = true;
		return NULL;
	}
	size_t n = (size_t)(nul - p);
	r->pos += n + 1;
	/* 8-bit strings are treated as Latin-1 when not valid UTF-8, so a log
	 * or name never carries invalid UTF-8 further. */
	if (g_utf8_validate((const char *)p, (gssize)n, NULL))
		return g_strndup((const char *)p, n);
	return g_convert((const char *)p, (gssize)n, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
}

void wr_init(struct wr *w, void *data, size_t cap)
{
	w->data = data;
	w->cap = cap;
	w->pos = 0;
	w->origin = 0;
	w->overflow = false;
}

static bool wr_room(struct wr *w, size_t n)
{
	if (w->overflow || w->pos > w->cap || n > w->cap - w->pos) {
		w->overflow = true;
		return false;
	}
	return true;
}

void wr_u8(struct wr *w, uint8_t v)
{
	if (wr_room(w, 1))
		w->data[w->pos++] = v;
}

void wr_le16(struct wr *w, uint16_t v)
{
	if (!wr_room(w, 2))
		return;
	w->data[w->pos++] = (uint8_t)v;
	w->data[w->pos++] = (uint8_t)(v >> 8);
}

void wr_le32(struct wr *w, uint32_t v)
{
	wr_le16(w, (uint16_t)v);
	wr_le16(w, (uint16_t)(v >> 16));
}

void wr_le64(struct wr *w, uint64_t v)
{
	wr_le32(w, (uint32_t)v);
	wr_le32(w, (uint32_t)(v >> 32));
}

void wr_be16(struct wr *w, uint16_t v)
{
	if (!wr_room(w, 2))
		return;
	w->data[w->pos++] = (uint8_t)(v >> 8);
	w->data[w->pos++] = (uint8_t)v;
}

void wr_be32(struct wr *w, uint32_t v)
{
	wr_be16(w, (uint16_t)(v >> 16));
	wr_be16(w, (uint16_t)v);
}

void wr_bytes(struct wr *w, const void *p, size_t n)
{
	if (n && wr_room(w, n)) {
		memcpy(w->data + w->pos, p, n);
		w->pos += n;
	}
}

void wr_zero(struct wr *w, size_t n)
{
	if (n && wr_room(w, n)) {
		memset(w->data + w->pos, 0, n);
		w->pos += n;
	}
}

void wr_le16_at(struct wr *w, size_t off, uint16_t v)
{
	if (off > w->cap || w->cap - off < 2) {
		w->overflow = true;
		return;
	}
	w->data[off] = (uint8_t)v;
	w->data[off + 1] = (uint8_t)(v >> 8);
}

void wr_le32_at(struct wr *w, size_t off, uint32_t v)
{
	wr_le16_at(w, off, (uint16_t)v);
	wr_le16_at(w, off + 2, (uint16_t)(v >> 16));
}

void wr_align2(struct wr *w)
{
	if ((w->pos - w->origin) & 1)
		wr_u8(w, 0);
}

void wr_align4(struct wr *w)
{
	while (!w->overflow && ((w->pos - w->origin) & 3))
		wr_u8(w, 0);
}

long wr_utf16(struct wr *w, const char *utf8, bool nul)
{
	glong units = 0;
	gunichar2 *u = g_utf8_to_utf16(utf8, -1, NULL, &units, NULL);
	if (!u) {
		w->overflow = true;
		return -1;
	}
	size_t start = w->pos;
	for (glong i = 0; i < units; i++)
		wr_le16(w, u[i]);
	if (nul)
		wr_le16(w, 0);
	g_free(u);
	return w->overflow ? -1 : (long)(w->pos - start);
}

void wr_asciiz(struct wr *w, const char *s)
{
	wr_bytes(w, s, strlen(s) + 1);
}

size_t wr_len(const struct wr *w)
{
	return w->pos;
}
