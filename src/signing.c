/* SMB1 message signing (MS-CIFS 3.1.4.1, 3.1.5.1; MS-SMB 3.1.5.1).
 *
 * smb_msg is the SMB message itself (from the 0xFF 'S' 'M' 'B' header on),
 * without the 4-byte NetBIOS session header.  The SecuritySignature field is
 * header bytes 14..21: the sequence number goes there as le32 followed by
 * four zero bytes, MD5(key || message) is computed, and its first 8 bytes
 * replace the field.  Sequence numbers are the caller's (the connection
 * keeps them under its send lock); nothing here has state.
 */
#include "signing.h"

#include <errno.h>
#include <string.h>

#include "crypto.h"

#define SIG_OFF 14
#define SIG_LEN 8
#define HDR_LEN 32

/* The message may come in two parts: smb_msg (header on) and data that
 * follows it on the wire (a write's payload, signed where it lies). */
static int mac(const uint8_t *key, size_t key_len, uint8_t *smb_msg, size_t len,
	       const void *data, size_t data_len, uint32_t seq, uint8_t out[SIG_LEN])
{
	uint8_t digest[16];

	smb_msg[SIG_OFF + 0] = (uint8_t)seq;
	smb_msg[SIG_OFF + 1] = (uint8_t)(seq >> 8);
	smb_msg[SIG_OFF + 2] = (uint8_t)(seq >> 16);
	smb_msg[SIG_OFF + 3] = (uint8_t)(seq >> 24);
	memset(smb_msg + SIG_OFF + 4, 0, 4);

	struct crypto_iov iov[] = { { key, key_len }, { smb_msg, len }, { data, data_len } };
	int rc = crypto_md5_iov(iov, data_len ? 3 : 2, digest);
	if (rc == 0)
		memcpy(out, digest, SIG_LEN);
	explicit_bzero(digest, sizeof(digest));
	return rc;
}

int signing_sign(const uint8_t *key, size_t key_len, uint8_t *smb_msg, size_t len,
		 uint32_t seq)
{
	return signing_sign_data(key, key_len, smb_msg, len, NULL, 0, seq);
}

int signing_sign_data(const uint8_t *key, size_t key_len, uint8_t *smb_msg, size_t len,
		      const void *data, size_t data_len, uint32_t seq)
{
	uint8_t sig[SIG_LEN];

	if (!key || key_len == 0 || !smb_msg || len < HDR_LEN || (data_len && !data))
		return -EINVAL;
	int rc = mac(key, key_len, smb_msg, len, data, data_len, seq, sig);
	if (rc) {
		memset(smb_msg + SIG_OFF, 0, SIG_LEN);
		return rc;
	}
	memcpy(smb_msg + SIG_OFF, sig, SIG_LEN);
	return 0;
}

bool signing_verify(const uint8_t *key, size_t key_len, uint8_t *smb_msg, size_t len,
		    uint32_t seq)
{
	uint8_t received[SIG_LEN], expect[SIG_LEN];
	uint8_t diff = 0;

	if (!key || key_len == 0 || !smb_msg || len < HDR_LEN)
		return false;
	memcpy(received, smb_msg + SIG_OFF, SIG_LEN);
	int rc = mac(key, key_len, smb_msg, len, NULL, 0, seq, expect);
	memcpy(smb_msg + SIG_OFF, received, SIG_LEN);
	if (rc)
		return false;
	/* Constant time: a timing oracle on the MAC is worth nothing to give. */
	for (int i = 0; i < SIG_LEN; i++)
		diff |= received[i] ^ expect[i];
	return diff == 0;
}

bool signing_is_unsigned(const uint8_t *smb_msg, size_t len)
{
	static const uint8_t zero[SIG_LEN];
	static const uint8_t placeholder[SIG_LEN] = { 'B', 'S', 'R', 'S', 'P', 'Y', 'L', ' ' };

	if (!smb_msg || len < HDR_LEN)
		return false;
	return memcmp(smb_msg + SIG_OFF, zero, SIG_LEN) == 0 ||
	       memcmp(smb_msg + SIG_OFF, placeholder, SIG_LEN) == 0;
}
