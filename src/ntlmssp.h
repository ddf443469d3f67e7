/* NTLM authentication (MS-NLMP): NTLMv2 responses, NTLMSSP messages and the
 * SPNEGO (RFC 4178) wrapping SMB1 extended security carries them in.
 *
 * Deterministic: time, client challenge and the random session key are
 * parameters, so the MS-NLMP 4.2.4 test vectors exercise the real code.
 */
#ifndef SMBFUSE_NTLMSSP_H
#define SMBFUSE_NTLMSSP_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* NTLMSSP negotiate flags (MS-NLMP 2.2.2.5) */
#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001
#define NTLMSSP_NEGOTIATE_OEM 0x00000002
#define NTLMSSP_REQUEST_TARGET 0x00000004
#define NTLMSSP_NEGOTIATE_SIGN 0x00000010
#define NTLMSSP_NEGOTIATE_SEAL 0x00000020
#define NTLMSSP_NEGOTIATE_LM_KEY 0x00000080
#define NTLMSSP_NEGOTIATE_NTLM 0x00000200
#define NTLMSSP_ANONYMOUS 0x00000800
#define NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED 0x00001000
#define NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN 0x00008000
#define NTLMSSP_TARGET_TYPE_DOMAIN 0x00010000
#define NTLMSSP_TARGET_TYPE_SERVER 0x00020000
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000
#define NTLMSSP_NEGOTIATE_TARGET_INFO 0x00800000
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000
#define NTLMSSP_NEGOTIATE_128 0x20000000
#define NTLMSSP_NEGOTIATE_KEY_EXCH 0x40000000
#define NTLMSSP_NEGOTIATE_56 0x80000000

/* MsvAvTimestamp etc. (MS-NLMP 2.2.2.1) */
#define MSV_AV_EOL 0
#define MSV_AV_NB_COMPUTER_NAME 1
#define MSV_AV_NB_DOMAIN_NAME 2
#define MSV_AV_TIMESTAMP 7

/* NTOWFv1: MD4(UTF-16LE(password)). */
int ntlm_nt_hash(const char *password, uint8_t out[16]);
/* NTOWFv2: HMAC_MD5(nt_hash, UTF-16LE(UPPER(user) + domain)). */
int ntlm_v2_hash(const uint8_t nt_hash[16], const char *user, const char *domain,
		 uint8_t out[16]);

/* NTLMv2 response (MS-NLMP 3.3.2): NTProofStr || temp, where temp is
 * 0x01 0x01 Z(6) time client_challenge Z(4) target_info Z(4).
 * Appends to nt_response; fills the session base key. */
int ntlm_v2_response(const uint8_t v2hash[16], const uint8_t server_challenge[8],
		     const uint8_t client_challenge[8], uint64_t nttime, const uint8_t *target_info,
		     size_t target_info_len, GByteArray *nt_response, uint8_t session_base_key[16]);
/* LMv2 response: HMAC_MD5(v2hash, server || client challenge) || client challenge. */
int ntlm_lmv2_response(const uint8_t v2hash[16], const uint8_t server_challenge[8],
		       const uint8_t client_challenge[8], uint8_t out[24]);

/* NTLMSSP_NEGOTIATE (type 1) */
GByteArray *ntlmssp_negotiate_msg(uint32_t flags);

struct ntlmssp_challenge {
	uint32_t flags;
	uint8_t server_challenge[8];
	uint8_t *target_info; /* g_malloc */
	size_t target_info_len;
	char *target_name; /* g_malloc, UTF-8, may be NULL */
	bool has_timestamp;
	uint64_t timestamp; /* MsvAvTimestamp from target_info, if present */
};
/* Parses NTLMSSP_CHALLENGE (type 2); bounds-checks every field. */
int ntlmssp_parse_challenge(const uint8_t *buf, size_t len, struct ntlmssp_challenge *c);
void ntlmssp_challenge_clear(struct ntlmssp_challenge *c);

struct ntlm_creds {
	const char *user; /* NULL or "" with anonymous */
	const char *domain;
	const char *password;
	const char *workstation;
	bool anonymous;
};
/* Builds NTLMSSP_AUTHENTICATE (type 3) with an NTLMv2 response (LMv2 zeroed
 * when the challenge carried a timestamp, as MS-NLMP 3.1.5.1.2 says).  With
 * KEY_EXCH negotiated, random_session_key is RC4-encrypted with the key
 * exchange key and becomes the session key.  session_key receives the key
 * that signing uses. Anonymous: empty NT response, LM response Z(1). */
GByteArray *ntlmssp_authenticate_msg(const struct ntlmssp_challenge *c,
				     const struct ntlm_creds *cr,
				     const uint8_t client_challenge[8], uint64_t nttime,
				     const uint8_t random_session_key[16],
				     uint8_t session_key[16]);

/* SPNEGO: a negTokenInit offering NTLMSSP (1.3.6.1.4.1.311.2.2.10) with the
 * NTLMSSP negotiate message as mechToken. */
GByteArray *spnego_wrap_init(const uint8_t *mech_token, size_t len);
/* negTokenResp carrying responseToken. */
GByteArray *spnego_wrap_resp(const uint8_t *token, size_t len);
/* Finds the NTLMSSP token in a server's negTokenResp (or a bare NTLMSSP
 * blob).  *token points into blob.  *neg_state gets negState (0 accept-
 * completed, 1 accept-incomplete, 2 reject) or -1 if absent. */
int spnego_unwrap(const uint8_t *blob, size_t len, const uint8_t **token, size_t *token_len,
		  int *neg_state);
/* True if the negotiate reply's security blob (negTokenInit, may be empty)
 * lists NTLMSSP or lists nothing. */
bool spnego_offers_ntlmssp(const uint8_t *blob, size_t len);

#endif
