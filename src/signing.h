/* SMB1 message signing (MS-CIFS 3.1.5.1): MD5(key || message with the
 * sequence number in the signature field), first 8 bytes. */
#ifndef SMBFUSE_SIGNING_H
#define SMBFUSE_SIGNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* key: session key (16) followed by the NT response for classic NTLMv2, or
 * just the 16-byte NTLMSSP session key. */
int signing_sign(const uint8_t *key, size_t key_len, uint8_t *smb_msg, size_t len,
		 uint32_t seq);
/* The same for a message whose last data_len bytes (data) are sent from
 * where they lie, after smb_msg's len bytes. */
int signing_sign_data(const uint8_t *key, size_t key_len, uint8_t *smb_msg, size_t len,
		      const void *data, size_t data_len, uint32_t seq);
/* Returns true if the signature in smb_msg matches seq (message restored). */
bool signing_verify(const uint8_t *key, size_t key_len, uint8_t *smb_msg, size_t len,
		    uint32_t seq);
/* True if the signature field holds what a server that has no key sends:
 * zeros, or "BSRSPYL " in a session setup reply (Windows and Samba). */
bool signing_is_unsigned(const uint8_t *smb_msg, size_t len);

#endif
