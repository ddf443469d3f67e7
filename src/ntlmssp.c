/* NTLM authentication (MS-NLMP) and the SPNEGO (RFC 4178) wrapping that SMB1
 * extended security carries it in.
 *
 * Invariants: pure codecs.  No clock, no RNG, no I/O: time, client challenge
 * and the random session key are parameters, so the MS-NLMP 4.2.4 vectors
 * run through the real code.  Every byte from the server is read through a
 * bounded struct rd; every security buffer offset/length and every DER length
 * is checked against its container before use.  The DER reader is iterative
 * and only descends into the fixed shape of NegTokenInit / NegTokenResp, so
 * the peer cannot choose the nesting depth.  Secrets held on the stack
 * (hashes, keys, UTF-16 passwords) are wiped before returning.  No state, no
 * locks.
 */
#include "ntlmssp.h"

#include <errno.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"

#define NTLMSSP_MSG_NEGOTIATE 1
#define NTLMSSP_MSG_CHALLENGE 2
#define NTLMSSP_MSG_AUTHENTICATE 3

#define NEGOTIATE_LEN 32 /* MS-NLMP 2.2.1.1 without Version */
#define CHALLENGE_MIN_LEN 48 /* MS-NLMP 2.2.1.2 up to TargetInfoFields */
#define AUTHENTICATE_LEN 64 /* MS-NLMP 2.2.1.3 without Version and MIC */

/* Flags we put in an AUTHENTICATE_MESSAGE when the server chose them.  The
 * server-only ones (TARGET_TYPE_*) and VERSION (we send no Version field)
 * are left out. */
#define AUTH_FLAGS_MASK                                                                        \
	(NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | NTLMSSP_NEGOTIATE_SIGN |         \
	 NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |      \
	 NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_TARGET_INFO |          \
	 NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56)

static const uint8_t ntlmssp_sig[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

/* 1.3.6.1.5.5.2 (SPNEGO) and 1.3.6.1.4.1.311.2.2.10 (NTLMSSP), DER content */
static const uint8_t oid_spnego[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
static const uint8_t oid_ntlmssp[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a };

/* DER tags used here */
#define DER_ENUMERATED 0x0a
#define DER_OCTET_STRING 0x04
#define DER_OID 0x06
#define DER_SEQUENCE 0x30
#define DER_APPLICATION_0 0x60
#define DER_CTX(n) (0xa0 | (n)) /* [n] constructed, explicit */

/* Largest token we wrap: keeps every DER length within 3 length octets. */
#define SPNEGO_MAX_TOKEN 0xff0000u

static void wipe_free(void *p, size_t len)
{
	if (p) {
		explicit_bzero(p, len);
		g_free(p);
	}
}

/* UTF-8 -> UTF-16LE bytes (g_malloc'd, *len in bytes); NULL on invalid
 * UTF-8.  upper: per-code-unit Unicode uppercase as NTOWFv2 needs
 * (MS-NLMP 3.3.2); one unit never becomes two, as with Windows' RtlUpcase. */
static uint8_t *utf16le(const char *s, bool upper, size_t *len)
{
	glong units = 0;
	gunichar2 *u = g_utf8_to_utf16(s ? s : "", -1, NULL, &units, NULL);
	if (!u)
		return NULL;
	uint8_t *out = g_malloc((size_t)units * 2 + 1);
	for (glong i = 0; i < units; i++) {
		gunichar2 c = u[i];
		if (upper && (c < 0xd800 || c > 0xdfff)) {
			gunichar up = g_unichar_toupper(c);
			if (up <= 0xffff && (up < 0xd800 || up > 0xdfff))
				c = (gunichar2)up;
		}
		out[2 * i] = (uint8_t)c;
		out[2 * i + 1] = (uint8_t)(c >> 8);
	}
	explicit_bzero(u, (size_t)units * sizeof(*u));
	g_free(u);
	*len = (size_t)units * 2;
	return out;
}

/* ---- NTLMv2 computations (MS-NLMP 3.3.2) ---- */

int ntlm_nt_hash(const char *password, uint8_t out[16])
{
	size_t n;
	uint8_t *pw = utf16le(password, false, &n);
	if (!pw)
		return -EINVAL;
	int rc = crypto_md4(pw, n, out);
	wipe_free(pw, n);
	return rc;
}

int ntlm_v2_hash(const uint8_t nt_hash[16], const char *user, const char *domain,
		 uint8_t out[16])
{
	size_t ulen = 0, dlen = 0;
	uint8_t *u = utf16le(user, true, &ulen);
	uint8_t *d = utf16le(domain, false, &dlen);
	int rc = -EINVAL;
	if (u && d) {
		struct crypto_iov iov[] = { { u, ulen }, { d, dlen } };
		rc = crypto_hmac_md5_iov(nt_hash, 16, iov, 2, out);
	}
	wipe_free(u, ulen);
	wipe_free(d, dlen);
	return rc;
}

int ntlm_v2_response(const uint8_t v2hash[16], const uint8_t server_challenge[8],
		     const uint8_t client_challenge[8], uint64_t nttime, const uint8_t *target_info,
		     size_t target_info_len, GByteArray *nt_response, uint8_t session_base_key[16])
{
	static const uint8_t z4[4];
	uint8_t hdr[28];
	uint8_t proof[16];
	struct wr w;

	if (target_info_len && !target_info)
		return -EINVAL;
	/* temp = RespType HiRespType Z(6) Time ClientChallenge Z(4) ServerName Z(4) */
	wr_init(&w, hdr, sizeof(hdr));
	wr_u8(&w, 1);
	wr_u8(&w, 1);
	wr_zero(&w, 6);
	wr_le64(&w, nttime);
	wr_bytes(&w, client_challenge, 8);
	wr_zero(&w, 4);

	/* NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge || temp) */
	struct crypto_iov iov[] = {
		{ server_challenge, 8 },
		{ hdr, sizeof(hdr) },
		{ target_info, target_info_len },
		{ z4, sizeof(z4) },
	};
	int rc = crypto_hmac_md5_iov(v2hash, 16, iov, 4, proof);
	if (rc)
		goto out;
	/* SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr) */
	rc = crypto_hmac_md5(v2hash, 16, proof, sizeof(proof), session_base_key);
	if (rc)
		goto out;
	g_byte_array_append(nt_response, proof, sizeof(proof));
	g_byte_array_append(nt_response, hdr, sizeof(hdr));
	if (target_info_len)
		g_byte_array_append(nt_response, target_info, (guint)target_info_len);
	g_byte_array_append(nt_response, z4, sizeof(z4));
out:
	explicit_bzero(proof, sizeof(proof));
	return rc;
}

int ntlm_lmv2_response(const uint8_t v2hash[16], const uint8_t server_challenge[8],
		       const uint8_t client_challenge[8], uint8_t out[24])
{
	struct crypto_iov iov[] = { { server_challenge, 8 }, { client_challenge, 8 } };
	int rc = crypto_hmac_md5_iov(v2hash, 16, iov, 2, out);
	if (rc)
		return rc;
	memcpy(out + 16, client_challenge, 8);
	return 0;
}

/* ---- NTLMSSP messages (MS-NLMP 2.2.1) ---- */

GByteArray *ntlmssp_negotiate_msg(uint32_t flags)
{
	/* No domain or workstation supplied and no Version field, so the flags
	 * that announce them must not be set. */
	flags &= ~(uint32_t)(NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED |
			     NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED);
	GByteArray *m = g_byte_array_sized_new(NEGOTIATE_LEN);
	g_byte_array_set_size(m, NEGOTIATE_LEN);
	struct wr w;
	wr_init(&w, m->data, m->len);
	wr_bytes(&w, ntlmssp_sig, sizeof(ntlmssp_sig));
	wr_le32(&w, NTLMSSP_MSG_NEGOTIATE);
	wr_le32(&w, flags);
	for (int i = 0; i < 2; i++) { /* DomainNameFields, WorkstationFields */
		wr_le16(&w, 0);
		wr_le16(&w, 0);
		wr_le32(&w, NEGOTIATE_LEN);
	}
	if (w.overflow || wr_len(&w) != NEGOTIATE_LEN) {
		g_byte_array_free(m, TRUE);
		return NULL;
	}
	return m;
}

/* A security buffer (MS-NLMP 2.2.1): Len, MaxLen, BufferOffset. */
struct secbuf {
	uint16_t len;
	uint32_t off;
};

static void get_secbuf(struct rd *r, struct secbuf *b)
{
	b->len = rd_le16(r);
	rd_le16(r); /* MaxLen: ignored, as MS-NLMP says */
	b->off = rd_le32(r);
}

/* The buffer must lie inside the message; an empty one may point anywhere. */
static bool secbuf_ok(const struct secbuf *b, size_t msg_len)
{
	return b->len == 0 || (b->off <= msg_len && b->len <= msg_len - b->off);
}

/* AV pairs (MS-NLMP 2.2.2.1): must end with MsvAvEOL inside the buffer. */
static int parse_av_pairs(const uint8_t *p, size_t len, struct ntlmssp_challenge *c)
{
	struct rd r;
	rd_init(&r, p, len);
	for (;;) {
		uint16_t id = rd_le16(&r);
		uint16_t alen = rd_le16(&r);
		const uint8_t *v = rd_ptr(&r, alen);
		if (r.overflow || !v)
			return -EPROTO;
		if (id == MSV_AV_EOL)
			return 0;
		if (id == MSV_AV_TIMESTAMP) {
			if (alen != 8)
				return -EPROTO;
			struct rd t;
			rd_init(&t, v, alen);
			c->timestamp = rd_le64(&t);
			c->has_timestamp = true;
		}
	}
}

static char *oem_string(const uint8_t *p, size_t len)
{
	const uint8_t *nul = memchr(p, 0, len);
	if (nul)
		len = (size_t)(nul - p);
	return g_convert((const char *)p, (gssize)len, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
}

int ntlmssp_parse_challenge(const uint8_t *buf, size_t len, struct ntlmssp_challenge *c)
{
	struct secbuf name, info;
	struct rd r;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!buf || len < CHALLENGE_MIN_LEN)
		return -EPROTO;
	rd_init(&r, buf, len);
	const uint8_t *sig = rd_ptr(&r, sizeof(ntlmssp_sig));
	if (!sig || memcmp(sig, ntlmssp_sig, sizeof(ntlmssp_sig)) != 0)
		return -EPROTO;
	if (rd_le32(&r) != NTLMSSP_MSG_CHALLENGE)
		return -EPROTO;
	get_secbuf(&r, &name);
	c->flags = rd_le32(&r);
	rd_bytes(&r, c->server_challenge, sizeof(c->server_challenge));
	rd_skip(&r, 8); /* Reserved */
	get_secbuf(&r, &info);
	if (r.overflow || !secbuf_ok(&name, len) || !secbuf_ok(&info, len))
		goto proto;

	if (info.len) {
		rc = parse_av_pairs(buf + info.off, info.len, c);
		if (rc)
			goto proto;
		/* g_memdup2 needs glib 2.68; configure asks for 2.56 */
		c->target_info = g_malloc(info.len);
		memcpy(c->target_info, buf + info.off, info.len);
		c->target_info_len = info.len;
	}
	if (name.len) {
		/* Informational only: an undecodable name is dropped, not fatal. */
		if (c->flags & NTLMSSP_NEGOTIATE_UNICODE) {
			struct rd n;
			rd_init(&n, buf + name.off, name.len);
			c->target_name = rd_utf16(&n, name.len);
		} else {
			c->target_name = oem_string(buf + name.off, name.len);
		}
	}
	return 0;

proto:
	ntlmssp_challenge_clear(c);
	return -EPROTO;
}

void ntlmssp_challenge_clear(struct ntlmssp_challenge *c)
{
	g_free(c->target_info);
	g_free(c->target_name);
	memset(c, 0, sizeof(*c));
}

static void put_secbuf(struct wr *w, size_t len, size_t off)
{
	wr_le16(w, (uint16_t)len);
	wr_le16(w, (uint16_t)len);
	wr_le32(w, (uint32_t)off);
}

GByteArray *ntlmssp_authenticate_msg(const struct ntlmssp_challenge *c,
				     const struct ntlm_creds *cr,
				     const uint8_t client_challenge[8], uint64_t nttime,
				     const uint8_t random_session_key[16],
				     uint8_t session_key[16])
{
	uint32_t flags = (c->flags & AUTH_FLAGS_MASK) | NTLMSSP_NEGOTIATE_UNICODE;
	GByteArray *nt = g_byte_array_new();
	GByteArray *out = NULL;
	uint8_t *dom = NULL, *user = NULL, *ws = NULL;
	size_t dom_len = 0, user_len = 0, ws_len = 0;
	uint8_t lm[24] = { 0 };
	size_t lm_len = 0;
	uint8_t enc_key[16];
	size_t enc_key_len = 0;
	uint8_t nt_hash[16], v2hash[16], base_key[16];

	memset(session_key, 0, 16);
	if (cr->anonymous) {
		/* MS-NLMP 3.1.5.1.2 / 3.3.2: anonymous is an empty NT response and
		 * LmChallengeResponse Z(1); there is no session key to exchange,
		 * so nothing to sign or seal with either. */
		flags |= NTLMSSP_ANONYMOUS;
		flags &= ~(uint32_t)(NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_SIGN |
				     NTLMSSP_NEGOTIATE_SEAL);
		lm_len = 1;
		dom = utf16le("", false, &dom_len);
		user = utf16le("", false, &user_len);
	} else {
		dom = utf16le(cr->domain, false, &dom_len);
		user = utf16le(cr->user, false, &user_len);
		if (!dom || !user)
			goto out;
		if (ntlm_nt_hash(cr->password, nt_hash) ||
		    ntlm_v2_hash(nt_hash, cr->user, cr->domain, v2hash))
			goto out;
		/* MS-NLMP 3.1.5.1.2: with MsvAvTimestamp the server's time goes
		 * in the blob and LmChallengeResponse is Z(24). */
		uint64_t t = c->has_timestamp ? c->timestamp : nttime;
		if (ntlm_v2_response(v2hash, c->server_challenge, client_challenge, t,
				     c->target_info, c->target_info_len, nt, base_key))
			goto out;
		lm_len = 24;
		if (!c->has_timestamp &&
		    ntlm_lmv2_response(v2hash, c->server_challenge, client_challenge, lm))
			goto out;
		/* MS-NLMP 3.4.5.1: for NTLMv2, KeyExchangeKey = SessionBaseKey.
		 * With KEY_EXCH the exported key is our random key, sent as
		 * RC4(KeyExchangeKey, random key). */
		if (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) {
			if (!random_session_key ||
			    crypto_rc4(base_key, 16, random_session_key, 16, enc_key))
				goto out;
			enc_key_len = 16;
			memcpy(session_key, random_session_key, 16);
		} else {
			memcpy(session_key, base_key, 16);
		}
	}
	ws = utf16le(cr->workstation, false, &ws_len);
	if (!dom || !user || !ws)
		goto out;
	if (dom_len > 0xffff || user_len > 0xffff || ws_len > 0xffff || nt->len > 0xffff)
		goto out;

	/* Payload: the UTF-16 strings first so they stay 2-aligned (the
	 * anonymous LM response is one byte), then LM, NT, session key. */
	size_t o_dom = AUTHENTICATE_LEN;
	size_t o_user = o_dom + dom_len;
	size_t o_ws = o_user + user_len;
	size_t o_lm = o_ws + ws_len;
	size_t o_nt = o_lm + lm_len;
	size_t o_key = o_nt + nt->len;
	size_t total = o_key + enc_key_len;

	out = g_byte_array_sized_new((guint)total);
	g_byte_array_set_size(out, (guint)total);
	struct wr w;
	wr_init(&w, out->data, out->len);
	wr_bytes(&w, ntlmssp_sig, sizeof(ntlmssp_sig));
	wr_le32(&w, NTLMSSP_MSG_AUTHENTICATE);
	put_secbuf(&w, lm_len, o_lm);
	put_secbuf(&w, nt->len, o_nt);
	put_secbuf(&w, dom_len, o_dom);
	put_secbuf(&w, user_len, o_user);
	put_secbuf(&w, ws_len, o_ws);
	put_secbuf(&w, enc_key_len, o_key);
	wr_le32(&w, flags);
	wr_bytes(&w, dom, dom_len);
	wr_bytes(&w, user, user_len);
	wr_bytes(&w, ws, ws_len);
	wr_bytes(&w, lm, lm_len);
	wr_bytes(&w, nt->data, nt->len);
	wr_bytes(&w, enc_key, enc_key_len);
	if (w.overflow || wr_len(&w) != total) {
		g_byte_array_free(out, TRUE);
		out = NULL;
	}

out:
	if (!out)
		memset(session_key, 0, 16);
	explicit_bzero(nt_hash, sizeof(nt_hash));
	explicit_bzero(v2hash, sizeof(v2hash));
	explicit_bzero(base_key, sizeof(base_key));
	explicit_bzero(enc_key, sizeof(enc_key));
	g_free(dom);
	g_free(user);
	g_free(ws);
	g_byte_array_free(nt, TRUE);
	return out;
}

/* ---- SPNEGO (RFC 4178) over a minimal DER reader/writer ---- */

/* Reads one TLV: low tag numbers only, definite lengths of 1..4 length
 * octets (indefinite BER lengths and longer ones are refused), and the value
 * must lie within the cursor.  *val points into the cursor's buffer. */
static int der_get(struct rd *r, uint8_t *tag, const uint8_t **val, size_t *len)
{
	uint8_t t = rd_u8(r);
	uint8_t l = rd_u8(r);
	size_t n = l;

	if (r->overflow || (t & 0x1f) == 0x1f)
		return -EPROTO;
	if (l & 0x80) {
		int k = l & 0x7f;
		if (k == 0 || k > 4)
			return -EPROTO;
		n = 0;
		while (k--)
			n = n << 8 | rd_u8(r);
		if (r->overflow)
			return -EPROTO;
	}
	*val = rd_ptr(r, n);
	if (!*val)
		return -EPROTO;
	*tag = t;
	*len = n;
	return 0;
}

/* Reads a TLV that must have the given tag and opens a cursor on its value. */
static int der_enter(struct rd *r, uint8_t tag, struct rd *in)
{
	const uint8_t *v;
	uint8_t t;
	size_t n;

	if (der_get(r, &t, &v, &n) || t != tag)
		return -EPROTO;
	rd_init(in, v, n);
	return 0;
}

static bool der_oid_is(const uint8_t *v, size_t n, const uint8_t *oid, size_t oid_len)
{
	return n == oid_len && memcmp(v, oid, n) == 0;
}

static size_t der_len_size(size_t n)
{
	if (n < 0x80)
		return 1;
	if (n <= 0xff)
		return 2;
	if (n <= 0xffff)
		return 3;
	return 4; /* callers keep n below 2^24 */
}

static size_t der_tlv_size(size_t n)
{
	return 1 + der_len_size(n) + n;
}

static void der_put_hdr(struct wr *w, uint8_t tag, size_t n)
{
	wr_u8(w, tag);
	if (n < 0x80) {
		wr_u8(w, (uint8_t)n);
		return;
	}
	size_t k = der_len_size(n) - 1;
	wr_u8(w, (uint8_t)(0x80 | k));
	while (k--)
		wr_u8(w, (uint8_t)(n >> (8 * k)));
}

static GByteArray *der_finish(GByteArray *m, struct wr *w)
{
	if (w->overflow || wr_len(w) != m->len) {
		g_byte_array_free(m, TRUE);
		return NULL;
	}
	return m;
}

/* InitialContextToken (RFC 2743 3.1) = [APPLICATION 0] { thisMech OID,
 * NegTokenInit [0] SEQUENCE { mechTypes [0] SEQUENCE OF OID,
 * mechToken [2] OCTET STRING } } (RFC 4178 4.2.1). */
GByteArray *spnego_wrap_init(const uint8_t *mech_token, size_t len)
{
	if ((len && !mech_token) || len > SPNEGO_MAX_TOKEN)
		return NULL;
	size_t c_mt = der_tlv_size(len);
	size_t c_mseq = der_tlv_size(sizeof(oid_ntlmssp));
	size_t c_mtypes = der_tlv_size(c_mseq);
	size_t c_seq = der_tlv_size(c_mtypes) + der_tlv_size(c_mt);
	size_t c_init = der_tlv_size(c_seq);
	size_t c_app = der_tlv_size(sizeof(oid_spnego)) + der_tlv_size(c_init);
	size_t total = der_tlv_size(c_app);

	GByteArray *m = g_byte_array_sized_new((guint)total);
	g_byte_array_set_size(m, (guint)total);
	struct wr w;
	wr_init(&w, m->data, m->len);
	der_put_hdr(&w, DER_APPLICATION_0, c_app);
	der_put_hdr(&w, DER_OID, sizeof(oid_spnego));
	wr_bytes(&w, oid_spnego, sizeof(oid_spnego));
	der_put_hdr(&w, DER_CTX(0), c_init);
	der_put_hdr(&w, DER_SEQUENCE, c_seq);
	der_put_hdr(&w, DER_CTX(0), c_mtypes);
	der_put_hdr(&w, DER_SEQUENCE, c_mseq);
	der_put_hdr(&w, DER_OID, sizeof(oid_ntlmssp));
	wr_bytes(&w, oid_ntlmssp, sizeof(oid_ntlmssp));
	der_put_hdr(&w, DER_CTX(2), c_mt);
	der_put_hdr(&w, DER_OCTET_STRING, len);
	wr_bytes(&w, mech_token, len);
	return der_finish(m, &w);
}

/* NegTokenResp [1] SEQUENCE { responseToken [2] OCTET STRING } (RFC 4178
 * 4.2.2); negState and supportedMech are the acceptor's to send. */
GByteArray *spnego_wrap_resp(const uint8_t *token, size_t len)
{
	if ((len && !token) || len > SPNEGO_MAX_TOKEN)
		return NULL;
	size_t c_rt = der_tlv_size(len);
	size_t c_seq = der_tlv_size(c_rt);
	size_t c_resp = der_tlv_size(c_seq);
	size_t total = der_tlv_size(c_resp);

	GByteArray *m = g_byte_array_sized_new((guint)total);
	g_byte_array_set_size(m, (guint)total);
	struct wr w;
	wr_init(&w, m->data, m->len);
	der_put_hdr(&w, DER_CTX(1), c_resp);
	der_put_hdr(&w, DER_SEQUENCE, c_seq);
	der_put_hdr(&w, DER_CTX(2), c_rt);
	der_put_hdr(&w, DER_OCTET_STRING, len);
	wr_bytes(&w, token, len);
	return der_finish(m, &w);
}

/* One explicitly tagged field of a NegTokenResp: exactly one inner TLV of
 * the expected type, nothing after it. */
static int resp_field(const uint8_t *v, size_t n, uint8_t tag, const uint8_t **val,
		      size_t *len)
{
	struct rd f;
	uint8_t t;

	rd_init(&f, v, n);
	if (der_get(&f, &t, val, len) || t != tag || rd_remaining(&f))
		return -EPROTO;
	return 0;
}

int spnego_unwrap(const uint8_t *blob, size_t len, const uint8_t **token, size_t *token_len,
		  int *neg_state)
{
	struct rd r, resp, seq;

	*token = NULL;
	*token_len = 0;
	*neg_state = -1;
	if (!blob)
		return -EPROTO;
	/* Raw NTLMSSP (some servers answer a raw NEGOTIATE without SPNEGO). */
	if (len >= sizeof(ntlmssp_sig) && memcmp(blob, ntlmssp_sig, sizeof(ntlmssp_sig)) == 0) {
		*token = blob;
		*token_len = len;
		return 0;
	}
	/* Trailing bytes after the token itself are tolerated. */
	rd_init(&r, blob, len);
	if (der_enter(&r, DER_CTX(1), &resp) || der_enter(&resp, DER_SEQUENCE, &seq))
		return -EPROTO;
	while (rd_remaining(&seq)) {
		const uint8_t *v, *iv;
		size_t n, in;
		uint8_t t;

		if (der_get(&seq, &t, &v, &n))
			goto proto;
		switch (t) {
		case DER_CTX(0): /* negState ENUMERATED */
			if (resp_field(v, n, DER_ENUMERATED, &iv, &in) || in != 1 || iv[0] > 3)
				goto proto;
			*neg_state = iv[0];
			break;
		case DER_CTX(1): /* supportedMech: anything but NTLMSSP is unusable */
			if (resp_field(v, n, DER_OID, &iv, &in) ||
			    !der_oid_is(iv, in, oid_ntlmssp, sizeof(oid_ntlmssp)))
				goto proto;
			break;
		case DER_CTX(2): /* responseToken */
			if (resp_field(v, n, DER_OCTET_STRING, &iv, &in))
				goto proto;
			*token = iv;
			*token_len = in;
			break;
		default: /* mechListMIC [3] and extensions: not needed without a MIC */
			break;
		}
	}
	return 0;

proto:
	*token = NULL;
	*token_len = 0;
	*neg_state = -1;
	return -EPROTO;
}

bool spnego_offers_ntlmssp(const uint8_t *blob, size_t len)
{
	struct rd r, app, init, seq, mechs;
	const uint8_t *v;
	uint8_t t;
	size_t n;

	if (!blob || len == 0)
		return true; /* server leaves the choice to us (MS-SMB 3.2.4.2.4) */
	rd_init(&r, blob, len);
	if (blob[0] == DER_APPLICATION_0) {
		if (der_enter(&r, DER_APPLICATION_0, &app) || der_get(&app, &t, &v, &n) ||
		    t != DER_OID || !der_oid_is(v, n, oid_spnego, sizeof(oid_spnego)))
			return false;
		r = app;
	}
	if (der_enter(&r, DER_CTX(0), &init) || der_enter(&init, DER_SEQUENCE, &seq))
		return false;
	/* NegTokenInit / NegTokenInit2: mechTypes [0] comes first; reqFlags,
	 * mechToken and negHints (Samba's "not_defined_in_RFC4178@please_ignore")
	 * are of no interest. */
	while (rd_remaining(&seq)) {
		if (der_get(&seq, &t, &v, &n))
			return false;
		if (t != DER_CTX(0))
			continue;
		struct rd f;
		rd_init(&f, v, n);
		if (der_enter(&f, DER_SEQUENCE, &mechs))
			return false;
		while (rd_remaining(&mechs)) {
			if (der_get(&mechs, &t, &v, &n) || t != DER_OID)
				return false;
			if (der_oid_is(v, n, oid_ntlmssp, sizeof(oid_ntlmssp)))
				return true;
		}
		return false;
	}
	return false;
}
