/* Change notification and oplock break codecs: byte layouts from MS-CIFS
 * 2.2.7.4 and 2.2.4.32, and hostile lists. */
#include <errno.h>
#include <glib.h>
#include <stdlib.h>

#include "check.h"
#include "smb.h"

static void test_notify_request(void)
{
	uint8_t buf[256];
	struct wr w;
	struct smb_hdr h = { .command = SMB_COM_NT_TRANSACT };

	wr_init(&w, buf, sizeof(buf));
	smb_hdr_encode(&w, &h);
	CHECK_INT(smb_notify_change_encode(&w, 0x4321, 0x17, true, 8192), 0);
	const uint8_t *p = buf + SMB_HDR_LEN;
	CHECK_INT(p[0], 23); /* 19 words + 4 setup words */
	/* MaxParameterCount at word offset 1 + 2 + 4 + 4 */
	CHECK_INT(p[1 + 11] | p[1 + 12] << 8, 8192);
	CHECK_INT(p[1 + 35], 4);                  /* SetupCount */
	CHECK_INT(p[1 + 36] | p[1 + 37] << 8, 4); /* Function: NOTIFY_CHANGE */
	CHECK_INT(p[1 + 38], 0x17);               /* CompletionFilter */
	CHECK_INT(p[1 + 42] | p[1 + 43] << 8, 0x4321);
	CHECK_INT(p[1 + 44], 1); /* WatchTree */
	CHECK_INT(p[1 + 46] | p[1 + 47] << 8, 0); /* ByteCount */
	CHECK_INT(wr_len(&w), SMB_HDR_LEN + 1 + 46 + 2);
}

struct seen {
	int n;
	uint32_t actions[4];
	char *names[4];
};

static int collect(void *ctx, uint32_t action, const char *name)
{
	struct seen *s = ctx;
	if (s->n < 4) {
		s->actions[s->n] = action;
		s->names[s->n] = g_strdup(name);
	}
	s->n++;
	return 0;
}

static void seen_clear(struct seen *s)
{
	for (int i = 0; i < 4; i++)
		g_free(s->names[i]);
	memset(s, 0, sizeof(*s));
}

/* One FILE_NOTIFY_INFORMATION entry; next = 0 for the last. */
static size_t put_entry(uint8_t *out, uint32_t next, uint32_t action, const char *ascii)
{
	struct wr w;
	size_t n = strlen(ascii);
	wr_init(&w, out, 12 + 2 * n);
	wr_le32(&w, next);
	wr_le32(&w, action);
	wr_le32(&w, (uint32_t)(2 * n));
	for (size_t i = 0; i < n; i++)
		wr_le16(&w, (uint8_t)ascii[i]);
	return w.pos;
}

static void test_notify_parse(void)
{
	uint8_t buf[64] = { 0 };
	struct seen s = { 0 };

	/* "a\b.txt" added, then "c" removed: the first entry padded to 4 */
	size_t first = put_entry(buf, 32, FILE_ACTION_ADDED, "a\\b.txt");
	CHECK_INT(first, 26);
	size_t second = put_entry(buf + 32, 0, FILE_ACTION_REMOVED, "c");
	CHECK_INT(smb_notify_parse(buf, 32 + second, true, collect, &s), 0);
	CHECK_INT(s.n, 2);
	CHECK_INT(s.actions[0], FILE_ACTION_ADDED);
	CHECK_STR(s.names[0], "a\\b.txt");
	CHECK_INT(s.actions[1], FILE_ACTION_REMOVED);
	CHECK_STR(s.names[1], "c");
	seen_clear(&s);

	/* empty: no entries, no error */
	CHECK_INT(smb_notify_parse(buf, 0, true, collect, &s), 0);
	CHECK_INT(s.n, 0);

	/* hostile: a next offset that points back, past the end, unaligned;
	 * a name longer than the block */
	uint32_t bad_next[] = { 4, 33, 30, 0xFFFFFFF0u };
	for (size_t i = 0; i < G_N_ELEMENTS(bad_next); i++) {
		memset(buf, 0, sizeof(buf));
		put_entry(buf, bad_next[i], FILE_ACTION_ADDED, "x");
		CHECK_INT(smb_notify_parse(buf, 32, true, collect, &s), -EPROTO);
		seen_clear(&s);
	}
	memset(buf, 0, sizeof(buf));
	put_entry(buf, 0, FILE_ACTION_ADDED, "xy");
	buf[8] = 40; /* FileNameLength beyond the block */
	CHECK_INT(smb_notify_parse(buf, 16, true, collect, &s), -EPROTO);
	seen_clear(&s);
}

static void test_oplock_break(void)
{
	uint8_t buf[128];
	struct wr w;
	struct smb_msg m;
	uint16_t fid = 0;
	uint8_t level = 9;
	struct smb_hdr h = { .command = SMB_COM_LOCKING_ANDX, .mid = 0xFFFF };

	/* What a server sends (2.2.4.32.1): our ack encoder builds the same
	 * layout, so it serves as the sample. */
	wr_init(&w, buf, sizeof(buf));
	smb_hdr_encode(&w, &h);
	CHECK_INT(smb_oplock_ack_encode(&w, 0x0102, OPLOCK_BREAK_TO_LEVEL_II), 0);
	CHECK_INT(w.pos, SMB_HDR_LEN + 1 + 16 + 2);
	CHECK_INT(buf[SMB_HDR_LEN], 8);
	CHECK_INT(buf[SMB_HDR_LEN + 1 + 6], LOCKING_ANDX_OPLOCK_RELEASE);
	CHECK_INT(smb_msg_parse(buf, w.pos, &m), 0);
	CHECK_INT(smb_oplock_break_decode(&m, &fid, &level), 0);
	CHECK_INT(fid, 0x0102);
	CHECK_INT(level, OPLOCK_BREAK_TO_LEVEL_II);

	/* a reply, or a plain lock request, is not a break */
	buf[SMB_HDR_LEN + 1 + 6] = LOCKING_ANDX_SHARED_LOCK;
	CHECK_INT(smb_msg_parse(buf, w.pos, &m), 0);
	CHECK_INT(smb_oplock_break_decode(&m, &fid, &level), -EPROTO);
	buf[SMB_HDR_LEN + 1 + 6] = LOCKING_ANDX_OPLOCK_RELEASE;
	buf[9] |= SMB_FLAGS_REPLY; /* Flags (2.2.3.1) */
	CHECK_INT(smb_msg_parse(buf, w.pos, &m), 0);
	CHECK_INT(smb_oplock_break_decode(&m, &fid, &level), -EPROTO);
}

int main(void)
{
	test_notify_request();
	test_notify_parse();
	test_oplock_break();
	CHECK_DONE();
}
