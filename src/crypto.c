/* The only door to libcrypto (OpenSSL 3).
 *
 * Invariants: the algorithms are fetched once, under pthread_once, and are
 * read-only afterwards; EVP_MD / EVP_CIPHER / EVP_MAC objects may be shared
 * between threads, so every primitive only allocates a per-call context and
 * is thread-safe without locks.  Every primitive runs the one-time setup
 * itself, so a caller that forgot crypto_init() gets -ENOSYS, never a crash.
 *
 * MD4, RC4 and DES live in OpenSSL 3's legacy provider; loading a provider
 * explicitly stops the default one from loading implicitly, so both are
 * loaded.  An atexit handler (registered after OpenSSL's own, hence run
 * before it) releases what we fetched, so valgrind sees no leak.
 */
#include "crypto.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc = -ENOSYS;
static const char *init_err = "crypto not initialised";

static OSSL_PROVIDER *prov_default;
static OSSL_PROVIDER *prov_legacy;
static EVP_MD *md_md4;
static EVP_MD *md_md5;
static EVP_MAC *mac_hmac;
static EVP_CIPHER *ciph_rc4;
static EVP_CIPHER *ciph_des;

static void release(void)
{
	EVP_MD_free(md_md4);
	EVP_MD_free(md_md5);
	EVP_MAC_free(mac_hmac);
	EVP_CIPHER_free(ciph_rc4);
	EVP_CIPHER_free(ciph_des);
	md_md4 = md_md5 = NULL;
	mac_hmac = NULL;
	ciph_rc4 = ciph_des = NULL;
	if (prov_legacy)
		OSSL_PROVIDER_unload(prov_legacy);
	if (prov_default)
		OSSL_PROVIDER_unload(prov_default);
	prov_legacy = prov_default = NULL;
}

static int digest_iov(const EVP_MD *md, const struct crypto_iov *iov, int n, uint8_t out[16])
{
	if (!md)
		return -ENOSYS;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	int rc = -EIO;
	unsigned int olen = 0;
	if (!EVP_DigestInit_ex2(ctx, md, NULL))
		goto out_ctx;
	for (int i = 0; i < n; i++)
		if (iov[i].len && !EVP_DigestUpdate(ctx, iov[i].data, iov[i].len))
			goto out_ctx;
	if (!EVP_DigestFinal_ex(ctx, out, &olen) || olen != 16)
		goto out_ctx;
	rc = 0;
out_ctx:
	EVP_MD_CTX_free(ctx);
	if (rc)
		ERR_clear_error();
	return rc;
}

static void do_init(void)
{
	prov_default = OSSL_PROVIDER_load(NULL, "default");
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	if (!prov_default) {
		init_err = "OpenSSL default provider could not be loaded";
		goto fail;
	}
	if (!prov_legacy) {
		init_err = "MD4 unavailable: OpenSSL legacy provider not found "
			   "(install openssl's legacy module / libssl3)";
		goto fail;
	}
	md_md4 = EVP_MD_fetch(NULL, "MD4", NULL);
	if (!md_md4) {
		init_err = "MD4 unavailable in the OpenSSL legacy provider";
		goto fail;
	}
	md_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!md_md5 || !mac_hmac) {
		init_err = "MD5 / HMAC unavailable in OpenSSL";
		goto fail;
	}
	ciph_rc4 = EVP_CIPHER_fetch(NULL, "RC4", NULL);
	ciph_des = EVP_CIPHER_fetch(NULL, "DES-ECB", NULL);
	if (!ciph_rc4 || !ciph_des) {
		init_err = "RC4 / DES unavailable: OpenSSL legacy provider incomplete";
		goto fail;
	}
	atexit(release);
	init_rc = 0;
	init_err = NULL;

	/* A provider can load and still fail to run a digest: prove MD4 works on
	 * the RFC 1320 "abc" vector before anyone depends on it. */
	static const uint8_t md4_abc[16] = { 0xa4, 0x48, 0x01, 0x7a, 0xaf, 0x21, 0xd8, 0x52,
					     0x5f, 0xc1, 0x0a, 0xe8, 0x7a, 0xa6, 0x72, 0x9d };
	static const struct crypto_iov abc = { "abc", 3 };
	uint8_t out[16];
	if (digest_iov(md_md4, &abc, 1, out) != 0 || memcmp(out, md4_abc, 16) != 0) {
		init_rc = -ENOSYS;
		init_err = "MD4 unavailable: OpenSSL legacy provider does not compute MD4";
	}
	ERR_clear_error();
	return;

fail:
	ERR_clear_error();
	release();
	init_rc = -ENOSYS;
}

/* Runs the one-time setup; 0 when every primitive is usable. */
static int ready(void)
{
	pthread_once(&init_once, do_init);
	return init_rc;
}

int crypto_init(const char **err)
{
	int rc = ready();
	if (err)
		*err = rc ? init_err : NULL;
	return rc;
}

int crypto_md4(const void *data, size_t len, uint8_t out[16])
{
	int rc = ready();
	if (rc)
		return rc;
	struct crypto_iov v = { data, len };
	return digest_iov(md_md4, &v, 1, out);
}

int crypto_md5(const void *data, size_t len, uint8_t out[16])
{
	struct crypto_iov v = { data, len };
	return crypto_md5_iov(&v, 1, out);
}

int crypto_md5_iov(const struct crypto_iov *iov, int n, uint8_t out[16])
{
	int rc = ready();
	if (rc)
		return rc;
	return digest_iov(md_md5, iov, n, out);
}

int crypto_hmac_md5_iov(const void *key, size_t key_len, const struct crypto_iov *iov, int n,
			uint8_t out[16])
{
	static const uint8_t no_key;
	int rc = ready();
	if (rc)
		return rc;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac_hmac);
	if (!ctx)
		return -ENOMEM;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"MD5", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t olen = 0;
	rc = -EIO;
	/* A NULL key would mean "reuse the previous key" to EVP_MAC_init. */
	if (!EVP_MAC_init(ctx, key_len ? key : &no_key, key_len, params))
		goto out_ctx;
	for (int i = 0; i < n; i++)
		if (iov[i].len && !EVP_MAC_update(ctx, iov[i].data, iov[i].len))
			goto out_ctx;
	if (!EVP_MAC_final(ctx, out, &olen, 16) || olen != 16)
		goto out_ctx;
	rc = 0;
out_ctx:
	EVP_MAC_CTX_free(ctx);
	if (rc)
		ERR_clear_error();
	return rc;
}

int crypto_hmac_md5(const void *key, size_t key_len, const void *data, size_t len,
		    uint8_t out[16])
{
	struct crypto_iov v = { data, len };
	return crypto_hmac_md5_iov(key, key_len, &v, 1, out);
}

/* One-shot encryption; in == out is allowed (the EVP API permits exact
 * overlap), which RC4 callers rely on. */
static int cipher_once(const EVP_CIPHER *c, const void *key, size_t key_len, const void *in,
		       size_t len, void *out)
{
	if (key_len == 0 || key_len > INT_MAX || len > INT_MAX)
		return -EINVAL;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	int rc = -EIO;
	int n = 0, fin = 0;
	if (!EVP_EncryptInit_ex2(ctx, c, NULL, NULL, NULL))
		goto out_ctx;
	if (!EVP_CIPHER_CTX_set_key_length(ctx, (int)key_len))
		goto out_ctx;
	if (!EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto out_ctx;
	if (!EVP_EncryptInit_ex2(ctx, NULL, key, NULL, NULL))
		goto out_ctx;
	if (len && !EVP_EncryptUpdate(ctx, out, &n, in, (int)len))
		goto out_ctx;
	if (!EVP_EncryptFinal_ex(ctx, (uint8_t *)out + n, &fin) || (size_t)(n + fin) != len)
		goto out_ctx;
	rc = 0;
out_ctx:
	EVP_CIPHER_CTX_free(ctx);
	if (rc)
		ERR_clear_error();
	return rc;
}

int crypto_rc4(const void *key, size_t key_len, const void *in, size_t len, void *out)
{
	int rc = ready();
	if (rc)
		return rc;
	return cipher_once(ciph_rc4, key, key_len, in, len, out);
}

/* MS-NLMP 6 (DES with a 7-byte key): spread 56 key bits over 8 bytes, 7 per
 * byte in the high bits, and set the low bit for odd parity. */
static void des_key_expand(const uint8_t k[7], uint8_t out[8])
{
	out[0] = k[0];
	out[1] = (uint8_t)(k[0] << 7 | k[1] >> 1);
	out[2] = (uint8_t)(k[1] << 6 | k[2] >> 2);
	out[3] = (uint8_t)(k[2] << 5 | k[3] >> 3);
	out[4] = (uint8_t)(k[3] << 4 | k[4] >> 4);
	out[5] = (uint8_t)(k[4] << 3 | k[5] >> 5);
	out[6] = (uint8_t)(k[5] << 2 | k[6] >> 6);
	out[7] = (uint8_t)(k[6] << 1);
	for (int i = 0; i < 8; i++) {
		uint8_t b = out[i] & 0xfe;
		out[i] = (uint8_t)(b | !(__builtin_popcount(b) & 1));
	}
}

int crypto_des_7(const uint8_t key7[7], const uint8_t in[8], uint8_t out[8])
{
	int rc = ready();
	if (rc)
		return rc;
	uint8_t key[8];
	des_key_expand(key7, key);
	rc = cipher_once(ciph_des, key, sizeof(key), in, 8, out);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int crypto_random(void *out, size_t len)
{
	int rc = ready();
	if (rc)
		return rc;
	if (len > INT_MAX)
		return -EINVAL;
	if (len && RAND_bytes(out, (int)len) != 1) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}
