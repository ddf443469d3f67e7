/* The only door to libcrypto: every primitive the protocol needs. */
#ifndef SMBFUSE_CRYPTO_H
#define SMBFUSE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Loads OpenSSL 3's default and legacy providers (MD4 lives in legacy).
 * Returns 0, or -ENOSYS with a message in *err (static string) when MD4 is
 * unavailable.  Safe to call more than once. */
int crypto_init(const char **err);

int crypto_md4(const void *data, size_t len, uint8_t out[16]);
int crypto_md5(const void *data, size_t len, uint8_t out[16]);
/* MD5 over several pieces (signing hashes key || message). */
struct crypto_iov {
	const void *data;
	size_t len;
};
int crypto_md5_iov(const struct crypto_iov *iov, int n, uint8_t out[16]);
int crypto_hmac_md5(const void *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[16]);
int crypto_hmac_md5_iov(const void *key, size_t key_len, const struct crypto_iov *iov, int n,
			uint8_t out[16]);
/* RC4 encrypt/decrypt in one shot (same operation). */
int crypto_rc4(const void *key, size_t key_len, const void *in, size_t len, void *out);
/* DES-ECB of one 8-byte block with a 7-byte key (expanded with parity), for
 * LM/NTLMv1 responses. */
int crypto_des_7(const uint8_t key7[7], const uint8_t in[8], uint8_t out[8]);
int crypto_random(void *out, size_t len);

#endif
