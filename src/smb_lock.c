/* SMB_COM_LOCKING_ANDX request (MS-CIFS 2.2.4.32.1): byte-range locks on an
 * open FID.
 *
 * Pure encoder (see smb.h).  The reply (2.2.4.32.2) is an AndX block and no
 * bytes; its status is the answer, so there is no decoder.  Never chained,
 * and never an oplock break acknowledgement (NewOpLockLevel 0): the client
 * does not request oplocks it would have to break.
 *
 * Ranges are written unlocks first, then locks, as the spec orders them.  The
 * 32-bit form (LOCKING_ANDX_RANGE32) is only used when every offset and
 * length fits; the 64-bit form (LOCKING_ANDX_RANGE64, LARGE_FILES in
 * TypeOfLock) puts the high half of each 64-bit value before the low half,
 * unlike every other 64-bit field in SMB.
 */
#include "smb.h"

#include <errno.h>

#define RANGE32_LEN 10
#define RANGE64_LEN 20

static int check_ranges32(const struct smb_lock_range *r, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		if (r[i].offset > UINT32_MAX || r[i].length > UINT32_MAX)
			return -EINVAL;
	return 0;
}

static void put_ranges(struct wr *w, const struct smb_lock_range *r, uint16_t n, bool large)
{
	for (uint16_t i = 0; i < n; i++) {
		wr_le16(w, r[i].pid);
		if (large) {
			/* 2.2.4.32.1 LOCKING_ANDX_RANGE64 */
			wr_le16(w, 0); /* Pad */
			wr_le32(w, (uint32_t)(r[i].offset >> 32));
			wr_le32(w, (uint32_t)r[i].offset);
			wr_le32(w, (uint32_t)(r[i].length >> 32));
			wr_le32(w, (uint32_t)r[i].length);
		} else {
			/* LOCKING_ANDX_RANGE32 */
			wr_le32(w, (uint32_t)r[i].offset);
			wr_le32(w, (uint32_t)r[i].length);
		}
	}
}

int smb_locking_andx_encode(struct wr *w, uint16_t fid, uint8_t type, uint32_t timeout_ms,
			    const struct smb_lock_range *unlocks, uint16_t n_unlocks,
			    const struct smb_lock_range *locks, uint16_t n_locks)
{
	bool large = (type & LOCKING_ANDX_LARGE_FILES) != 0;

	if ((n_unlocks && !unlocks) || (n_locks && !locks))
		return -EINVAL;
	if (!large && (check_ranges32(unlocks, n_unlocks) || check_ranges32(locks, n_locks)))
		return -EINVAL;
	/* ByteCount is 16-bit: more ranges than it can count is a caller bug,
	 * refused before anything is written. */
	size_t nbytes = ((size_t)n_unlocks + n_locks) * (large ? RANGE64_LEN : RANGE32_LEN);
	if (nbytes > 0xFFFF)
		return -EMSGSIZE;

	/* WordCount 8 */
	size_t wct = smb_words_begin(w);
	smb_andx_none(w);
	wr_le16(w, fid);
	wr_u8(w, type);
	wr_u8(w, 0); /* NewOpLockLevel */
	/* Timeout: 0 fails at once on conflict, 0xFFFFFFFF waits forever. */
	wr_le32(w, timeout_ms);
	wr_le16(w, n_unlocks);
	wr_le16(w, n_locks);
	smb_words_end(w, wct);

	size_t bcc = smb_bytes_begin(w);
	put_ranges(w, unlocks, n_unlocks, large);
	put_ranges(w, locks, n_locks, large);
	smb_bytes_end(w, bcc);
	return w->overflow ? -EMSGSIZE : 0;
}
