/* SMB1 signing (MS-CIFS 3.1.5.1): fixed vectors computed independently with
 * Python's hashlib.md5(key + message_with_seq)[:8], a sign/verify round trip,
 * tamper and sequence-mismatch detection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto.h"
#include "signing.h"

/* A NEGOTIATE-shaped SMB1 message: header (signature field zero), WordCount
 * 0, ByteCount 2, "ab". */
static const char msg_hex[] = "ff534d42 72 00000000 18 07c8 0000 0000000000000000 0000"
			      "ffff 3412 0800 0200 00 0200 6162";

static size_t load_msg(uint8_t *buf, size_t cap)
{
	return check_unhex(msg_hex, buf, cap);
}

static void test_vectors(void)
{
	uint8_t key[40], msg[64], sig[8];
	size_t len = load_msg(msg, sizeof(msg));

	CHECK_INT(len, 37);
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	memset(key + 16, 0xa5, 24);

	CHECK_INT(signing_sign(key, 16, msg, len, 5), 0);
	check_unhex("ae8ff8b4b1a721d6", sig, sizeof(sig));
	CHECK_MEM(msg + 14, sig, 8);

	len = load_msg(msg, sizeof(msg));
	CHECK_INT(signing_sign(key, 16, msg, len, 0), 0);
	check_unhex("b7445bba3c9d3d64", sig, sizeof(sig));
	CHECK_MEM(msg + 14, sig, 8);

	/* Classic (non-extended) key: session key || NT response. */
	len = load_msg(msg, sizeof(msg));
	CHECK_INT(signing_sign(key, 40, msg, len, 5), 0);
	check_unhex("a249f36733a8879b", sig, sizeof(sig));
	CHECK_MEM(msg + 14, sig, 8);

	/* The same message with its last 2 bytes ("ab") signed where they
	 * lie, as a write's payload is: the same signature. */
	len = load_msg(msg, sizeof(msg));
	CHECK_INT(signing_sign_data(key, 16, msg, len - 2, msg + len - 2, 2, 5), 0);
	check_unhex("ae8ff8b4b1a721d6", sig, sizeof(sig));
	CHECK_MEM(msg + 14, sig, 8);
	CHECK_INT(signing_sign_data(key, 16, msg, len - 2, NULL, 2, 5), -EINVAL);

	/* The rest of the message is untouched. */
	uint8_t orig[64];
	load_msg(orig, sizeof(orig));
	CHECK_MEM(msg, orig, 14);
	CHECK_MEM(msg + 22, orig + 22, len - 22);
}

static void test_round_trip(void)
{
	uint8_t key[16], msg[64], signed_copy[64];
	size_t len = load_msg(msg, sizeof(msg));

	CHECK_INT(crypto_random(key, sizeof(key)), 0);
	CHECK_INT(signing_sign(key, sizeof(key), msg, len, 42), 0);
	memcpy(signed_copy, msg, len);

	CHECK(signing_verify(key, sizeof(key), msg, len, 42));
	/* verify restores the received signature */
	CHECK_MEM(msg, signed_copy, len);

	/* wrong sequence number */
	CHECK(!signing_verify(key, sizeof(key), msg, len, 43));
	CHECK(!signing_verify(key, sizeof(key), msg, len, 41));
	CHECK_MEM(msg, signed_copy, len);

	/* wrong key */
	uint8_t other[16];
	memcpy(other, key, sizeof(other));
	other[15] ^= 1;
	CHECK(!signing_verify(other, sizeof(other), msg, len, 42));

	/* every single-bit tamper, signature bytes included, is caught */
	int missed = 0;
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			msg[i] ^= (uint8_t)(1 << bit);
			if (signing_verify(key, sizeof(key), msg, len, 42))
				missed++;
			msg[i] ^= (uint8_t)(1 << bit);
		}
	}
	CHECK_INT(missed, 0);
	CHECK_MEM(msg, signed_copy, len);

	/* truncation / extension changes the MAC */
	CHECK(!signing_verify(key, sizeof(key), msg, len - 1, 42));
	CHECK(signing_verify(key, sizeof(key), msg, len, 42));
}

static void test_bad_args(void)
{
	uint8_t key[16] = { 0 }, msg[64];
	size_t len = load_msg(msg, sizeof(msg));

	CHECK_INT(signing_sign(key, 16, msg, 31, 0), -EINVAL);
	CHECK_INT(signing_sign(key, 0, msg, len, 0), -EINVAL);
	CHECK_INT(signing_sign(NULL, 16, msg, len, 0), -EINVAL);
	CHECK(!signing_verify(key, 16, msg, 31, 0));
	CHECK(!signing_verify(key, 0, msg, len, 0));
	/* exactly a header is enough */
	CHECK_INT(signing_sign(key, 16, msg, 32, 7), 0);
	CHECK(signing_verify(key, 16, msg, 32, 7));
}

/* What a server without a key puts in the field: zeros, or "BSRSPYL " in a
 * session setup reply (Samba's smb1_signing_sign_pdu; Windows does the same). */
static void test_unsigned(void)
{
	uint8_t key[16] = { 1 }, msg[64];
	size_t len = load_msg(msg, sizeof(msg));

	CHECK(signing_is_unsigned(msg, len));
	memcpy(msg + 14, "BSRSPYL ", 8);
	CHECK(signing_is_unsigned(msg, len));
	CHECK(!signing_verify(key, 16, msg, len, 1));
	memcpy(msg + 14, "BSRSPYL!", 8);
	CHECK(!signing_is_unsigned(msg, len));
	CHECK_INT(signing_sign(key, 16, msg, len, 1), 0);
	CHECK(!signing_is_unsigned(msg, len));
	CHECK(!signing_is_unsigned(msg, 31));
	CHECK(!signing_is_unsigned(NULL, len));
}

int main(void)
{
	const char *err = NULL;
	int rc = crypto_init(&err);
	if (rc) {
		fprintf(stderr, "SKIP: %s\n", err);
		return 77;
	}
	test_vectors();
	test_round_trip();
	test_bad_args();
	test_unsigned();
	CHECK_DONE();
}
