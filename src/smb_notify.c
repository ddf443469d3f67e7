/* What the server tells us on its own, and how we ask it to: change
 * notification (NT_TRANSACT_NOTIFY_CHANGE, MS-CIFS 2.2.7.4) and oplock
 * breaks (LOCKING_ANDX from the server, MS-CIFS 2.2.4.32.1, and our
 * acknowledgement).  Pure codecs (see smb.h). */
#include "smb.h"

#include <errno.h>
#include <glib.h>

#define NTTRANS_REQ_WCT 19 /* + SetupCount */
#define NOTIFY_SETUP_WORDS 4
#define LOCKING_ANDX_WCT 8
/* Bounds the walk: FILE_NOTIFY_INFORMATION entries are at least 12 bytes
 * and 4-aligned, so a reply of 64 KiB has fewer than this many. */
#define NOTIFY_MAX_ENTRIES 8192

int smb_notify_change_encode(struct wr *w, uint16_t fid, uint32_t filter, bool watch_tree,
			     uint32_t max_param)
{
	/* 2.2.4.62.1 NT_TRANSACT request, no parameters or data of ours */
	size_t wct = smb_words_begin(w);
	wr_u8(w, 0);        /* MaxSetupCount */
	wr_le16(w, 0);      /* Reserved1 */
	wr_le32(w, 0);      /* TotalParameterCount */
	wr_le32(w, 0);      /* TotalDataCount */
	wr_le32(w, max_param); /* the changes come back as parameters */
	wr_le32(w, 0);      /* MaxDataCount */
	wr_le32(w, 0);      /* ParameterCount */
	wr_le32(w, 0);      /* ParameterOffset */
	wr_le32(w, 0);      /* DataCount */
	wr_le32(w, 0);      /* DataOffset */
	wr_u8(w, NOTIFY_SETUP_WORDS);
	wr_le16(w, NT_TRANSACT_NOTIFY_CHANGE);
	/* 2.2.7.4.1 Setup */
	wr_le32(w, filter);
	wr_le16(w, fid);
	wr_u8(w, watch_tree ? 1 : 0);
	wr_u8(w, 0); /* Reserved */
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}

int smb_notify_parse(const uint8_t *params, size_t len, bool unicode, smb_notify_cb cb,
		     void *ctx)
{
	size_t pos = 0;

	/* An empty answer is legal: "something changed, enumerate" (2.2.7.4.2
	 * when the changes did not fit); the caller treats it as such. */
	for (unsigned n = 0; pos < len && n < NOTIFY_MAX_ENTRIES; n++) {
		struct rd r;
		rd_init(&r, params, len);
		rd_seek(&r, pos);
		uint32_t next = rd_le32(&r);
		uint32_t action = rd_le32(&r);
		uint32_t name_len = rd_le32(&r);
		if (r.overflow || name_len > rd_remaining(&r))
			return -EPROTO;
		char *name = unicode ? rd_utf16(&r, name_len)
				     : g_strndup((const char *)params + pos + 12, name_len);
		if (!name)
			return -EPROTO;
		int ret = cb(ctx, action, name);
		g_free(name);
		if (ret)
			return ret;
		if (next == 0)
			return 0;
		/* Entries move forward, 4-aligned (2.2.7.4.2): anything else
		 * would loop or overlap. */
		if (next < 12 || next % 4 || next > len - pos)
			return -EPROTO;
		pos += next;
	}
	return pos < len ? -EPROTO : 0;
}

int smb_oplock_break_decode(const struct smb_msg *m, uint16_t *fid, uint8_t *new_level)
{
	struct rd r;

	/* 2.2.4.32.1: a break is a LOCKING_ANDX request from the server with
	 * OPLOCK_RELEASE set and no ranges. */
	if (m->hdr.command != SMB_COM_LOCKING_ANDX || m->wct < LOCKING_ANDX_WCT ||
	    (m->hdr.flags & SMB_FLAGS_REPLY))
		return -EPROTO;
	smb_msg_words(m, &r);
	rd_skip(&r, 4); /* AndX */
	*fid = rd_le16(&r);
	uint8_t type = rd_u8(&r);
	*new_level = rd_u8(&r);
	if (r.overflow || !(type & LOCKING_ANDX_OPLOCK_RELEASE))
		return -EPROTO;
	return 0;
}

int smb_oplock_ack_encode(struct wr *w, uint16_t fid, uint8_t new_level)
{
	/* 2.2.4.32.1 with OPLOCK_RELEASE and no ranges: the server sends no
	 * answer to it (3.3.5.30). */
	size_t wct = smb_words_begin(w);
	smb_andx_none(w);
	wr_le16(w, fid);
	wr_u8(w, LOCKING_ANDX_OPLOCK_RELEASE);
	wr_u8(w, new_level);
	wr_le32(w, 0); /* Timeout */
	wr_le16(w, 0); /* NumberOfRequestedUnlocks */
	wr_le16(w, 0); /* NumberOfRequestedLocks */
	smb_words_end(w, wct);
	size_t bcc = smb_bytes_begin(w);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}
