/* Session establishment, as the SMB exchange goes (MS-CIFS 3.2.4.2):
 * negotiate, session setup, tree connect, then the CIFS UNIX extensions
 * handshake.  Errors become one line for the user; NT status names are kept
 * in that line so a failure can be looked up. */
#include "session.h"

#include <errno.h>
#include <glib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "netbios.h"
#include "ntlmssp.h"
#include "ntstatus.h"
#include "signing.h"

#define OUR_MAX_BUFFER 0xFFFF
/* NetBIOS and SMB headers, 15 words, ByteCount, name and pads of a TRANS2
 * request (MS-CIFS 2.2.4.46.1), with room to spare. */
#define TRANS2_OVERHEAD 256
/* Smallest MaxDataCount we ask for: 4096 UTF-16 code units and room. */
#define TRANS2_MIN_DATA (2 * 4096 + 512)
/* MS-CIFS 2.2.4.42.2: a READ_ANDX response carries header (32), WordCount,
 * 12 words, ByteCount and a pad byte before its data. */
#define READ_ANDX_REP_OVERHEAD (32 + 1 + 24 + 2 + 1)
/* MS-CIFS 2.2.4.43.1: a WRITE_ANDX request, header, WordCount, 14 words,
 * ByteCount and a pad byte before its data. */
#define WRITE_ANDX_REQ_OVERHEAD (32 + 1 + 28 + 2 + 1)
/* Sizes with CAP_LARGE_READX / CAP_LARGE_WRITEX: Windows servers read at
 * most 60 KiB per READ_ANDX (and write 64 KiB - 1), whatever MaxCountHigh
 * allows; and with the UNIX large read/write capabilities as well (Samba). */
#define LARGE_IO_SIZE (60 * 1024)
#define UNIX_LARGE_IO_SIZE (1024 * 1024)
/* Samba (a server with CAP_UNIX) takes a WRITE_ANDX of up to 128 KiB of
 * data with CAP_LARGE_WRITEX, signed or not, without the UNIX large write
 * capability (which it offers only with `min receive file size`); its own
 * client writes 127 KiB.  Twice the requests in flight per round trip for
 * the same cost.  A server that refuses it gets safe_write (write_data). */
#define UNIX_WRITEX_SIZE (127 * 1024)
/* CIFS UNIX extension capabilities we ask for.  POSIX pathnames change the
 * path syntax ('/' separates, '\\' is an ordinary character), and Samba 4.15+
 * answers the UNIX info levels only on sessions that asked for them. */
#define WANTED_UNIX_CAPS                                                              \
	(CIFS_UNIX_FCNTL_LOCKS_CAP | CIFS_UNIX_EXTATTR_CAP | CIFS_UNIX_LARGE_READ_CAP | \
	 CIFS_UNIX_LARGE_WRITE_CAP | CIFS_UNIX_POSIX_PATHNAMES_CAP)

/* MS-CIFS 3.3.5.3: a session setup with VcNumber 0 asks the server to drop
 * every other connection from this client (Windows does; Samba only with
 * "reset on zero vc").  That would cut our own pool's other connections and
 * every other mount from this host, so never 0. */
#define SESSION_VC_NUMBER 1

static const char native_os[] = "Unix";
static const char native_lanman[] = "smbfuse " PACKAGE_VERSION;

void session_msg_begin(struct session *s, struct wr *w, void *buf, size_t cap,
		       uint8_t command)
{
	conn_msg_begin(s->conn, w, buf, cap, command, s->tid, s->uid);
}

int session_call(struct session *s, struct wr *w, struct smb_reply *reply)
{
	int ret = conn_call(s->conn, w, reply);
	if (ret < 0)
		return ret;
	ret = smb_hdr_errno(&reply->msg.hdr);
	if (ret < 0)
		smb_reply_clear(reply);
	return ret;
}

int session_trans2(struct session *s, uint16_t subcommand, const uint8_t *params,
		   uint16_t param_len, const uint8_t *data, uint16_t data_len,
		   uint16_t max_param, struct smb_reply *reply)
{
	return session_trans2_max(s, subcommand, params, param_len, data, data_len, max_param,
				  s->max_trans_data, reply);
}

int session_trans2_max(struct session *s, uint16_t subcommand, const uint8_t *params,
		       uint16_t param_len, const uint8_t *data, uint16_t data_len,
		       uint16_t max_param, uint16_t max_data, struct smb_reply *reply)
{
	/* Sized from the request: a 4095-byte path is 8 KiB of UTF-16, a
	 * symlink target as much again. */
	size_t cap = TRANS2_OVERHEAD + (size_t)param_len + data_len;
	uint8_t *buf = g_malloc(cap);
	struct wr w;
	struct smb_trans2_req req = {
		.subcommand = subcommand,
		.params = params,
		.param_len = param_len,
		.data = data,
		.data_len = data_len,
		.max_param_count = max_param,
		.max_data_count = max_data,
	};

	session_msg_begin(s, &w, buf, cap, SMB_COM_TRANSACTION2);
	int ret = smb_trans2_encode(&w, &req);
	if (ret == 0)
		ret = session_call(s, &w, reply);
	g_free(buf);
	return ret;
}

/* Sets FLAGS2 bits in a message started with conn_msg_begin. */
static void msg_add_flags2(struct wr *w, uint16_t bits)
{
	uint8_t *f2 = w->data + w->origin + 10;
	uint16_t v = (uint16_t)(f2[0] | f2[1] << 8) | bits;
	f2[0] = (uint8_t)v;
	f2[1] = (uint8_t)(v >> 8);
}

/* ---- negotiate ---- */

static int negotiate(struct session *s, const struct session_params *p,
		     struct smb_negotiate_rep *neg, struct smb_reply *reply, char **errmsg)
{
	uint8_t buf[256];
	struct wr w;

	conn_msg_begin(s->conn, &w, buf, sizeof(buf), SMB_COM_NEGOTIATE, 0, 0);
	if (p->sec == SEC_NTLMSSP)
		msg_add_flags2(&w, SMB_FLAGS2_EXTENDED_SECURITY);
	if (p->sign)
		msg_add_flags2(&w, SMB_FLAGS2_SMB_SECURITY_SIGNATURE);
	int ret = smb_negotiate_encode(&w);
	if (ret == 0)
		ret = conn_call(s->conn, &w, reply);
	if (ret == -EPROTONOSUPPORT || ret == -ECONNRESET || ret == -EPROTO) {
		/* An SMB2-only server answers in SMB2 or hangs up on an SMB1
		 * negotiate; both mean we cannot talk to it. */
		*errmsg = g_strdup_printf("server %s does not speak SMB1 (NT LM 0.12)%s",
					  p->server,
					  ret == -ECONNRESET ? ": it closed the connection" : "");
		return -EPROTONOSUPPORT;
	}
	if (ret < 0) {
		*errmsg = g_strdup_printf("negotiate with %s failed: %s", p->server,
					  g_strerror(-ret));
		return ret;
	}
	ret = smb_hdr_errno(&reply->msg.hdr);
	if (ret == 0)
		ret = smb_negotiate_decode(&reply->msg, neg);
	if (ret < 0 || neg->dialect_index != 0) {
		*errmsg = g_strdup_printf("server %s does not speak SMB1 (NT LM 0.12)",
					  p->server);
		return -EPROTONOSUPPORT;
	}
	if (!(neg->security_mode & NEGOTIATE_USER_SECURITY)) {
		*errmsg = g_strdup_printf("server %s uses share-level security, which smbfuse "
					  "does not support",
					  p->server);
		return -EPROTONOSUPPORT;
	}
	s->server_caps = neg->capabilities;
	s->security_mode = neg->security_mode;
	s->max_mpx = neg->max_mpx_count ? neg->max_mpx_count : 1;
	s->path_sep = '\\';
	s->max_buffer = neg->max_buffer_size;
	if (s->max_buffer < 1024) {
		*errmsg = g_strdup_printf("server %s offers a %u-byte buffer, too small",
					  p->server, s->max_buffer);
		return -EPROTO;
	}
	if (p->sign && !(neg->security_mode & NEGOTIATE_SECURITY_SIGNATURES_ENABLED)) {
		*errmsg = g_strdup_printf("signing was required, but server %s does not sign",
					  p->server);
		return -EOPNOTSUPP;
	}
	conn_set_limits(s->conn, s->max_mpx, s->max_buffer);
	return 0;
}

/* ---- session setup ---- */

static uint32_t our_caps(const struct session *s, bool extended)
{
	uint32_t caps = CAP_UNICODE | CAP_LARGE_FILES | CAP_NT_SMBS | CAP_STATUS32 |
			CAP_LARGE_READX | CAP_LARGE_WRITEX | CAP_UNIX;
	if (extended)
		caps |= CAP_EXTENDED_SECURITY;
	return caps & (s->server_caps | CAP_EXTENDED_SECURITY);
}

static int setup_call(struct session *s, const struct smb_session_setup_req *req,
		      struct smb_reply *reply, uint16_t flags2)
{
	size_t cap = 1024 + req->security_blob_len + req->unicode_password_len;
	uint8_t *buf = g_malloc(cap);
	struct wr w;

	conn_msg_begin(s->conn, &w, buf, cap, SMB_COM_SESSION_SETUP_ANDX, 0, s->uid);
	msg_add_flags2(&w, flags2);
	int ret = smb_session_setup_encode(&w, req);
	if (ret == 0)
		ret = conn_call(s->conn, &w, reply);
	g_free(buf);
	return ret;
}

/* MS-CIFS 3.2.4.2.4: a client that wants signing says so in the session
 * setup request's Flags2; the server then signs from its reply on. */
static uint16_t sign_flag(const struct session_params *p)
{
	return p->sign ? SMB_FLAGS2_SMB_SECURITY_SIGNATURE : 0;
}

static char *auth_error(const struct session_params *p, uint32_t status)
{
	return g_strdup_printf("authentication failed for user %s%s%s on %s (%s)",
			       p->domain && *p->domain ? p->domain : "",
			       p->domain && *p->domain ? "\\" : "", p->user ? p->user : "",
			       p->server, ntstatus_name(status));
}

static int setup_extended(struct session *s, const struct session_params *p,
			  const struct smb_negotiate_rep *neg, struct smb_reply *reply,
			  GByteArray *mac_key, char **errmsg)
{
	struct ntlmssp_challenge chal = { 0 };
	GByteArray *nego = NULL, *blob = NULL, *auth = NULL;
	bool anonymous = p->guest || p->sec == SEC_NONE;
	int ret;

	if (neg->security_blob_len &&
	    !spnego_offers_ntlmssp(neg->security_blob, neg->security_blob_len)) {
		*errmsg = g_strdup_printf("server %s does not offer NTLMSSP authentication",
					  p->server);
		return -EPROTONOSUPPORT;
	}
	uint32_t flags = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET |
			 NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
			 NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
			 NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_128 |
			 NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56;
	if (p->sign)
		flags |= NTLMSSP_NEGOTIATE_SIGN;
	if (anonymous)
		flags |= NTLMSSP_ANONYMOUS;
	nego = ntlmssp_negotiate_msg(flags);
	blob = spnego_wrap_init(nego->data, nego->len);

	struct smb_session_setup_req req = {
		.extended = true,
		.max_buffer_size = OUR_MAX_BUFFER,
		.max_mpx_count = s->max_mpx,
		.vc_number = SESSION_VC_NUMBER,
		.session_key = neg->session_key,
		.capabilities = our_caps(s, true),
		.security_blob = blob->data,
		.security_blob_len = blob->len,
		.unicode = true,
		.native_os = native_os,
		.native_lanman = native_lanman,
	};
	uint16_t flags2 = SMB_FLAGS2_EXTENDED_SECURITY | sign_flag(p);
	ret = setup_call(s, &req, reply, flags2);
	if (ret < 0)
		goto out_transport;
	if (reply->msg.hdr.status != NT_STATUS_MORE_PROCESSING_REQUIRED) {
		ret = smb_hdr_errno(&reply->msg.hdr);
		*errmsg = ret < 0 ? auth_error(p, reply->msg.hdr.status)
				  : g_strdup_printf("server %s skipped the NTLMSSP challenge",
						    p->server);
		ret = ret < 0 ? ret : -EPROTO;
		goto out;
	}
	s->uid = reply->msg.hdr.uid;

	struct smb_session_setup_rep rep;
	const uint8_t *token;
	size_t token_len;
	int neg_state;
	ret = smb_session_setup_decode(&reply->msg, true, &rep);
	if (ret == 0)
		ret = spnego_unwrap(rep.security_blob, rep.security_blob_len, &token, &token_len,
				    &neg_state);
	if (ret == 0)
		ret = ntlmssp_parse_challenge(token, token_len, &chal);
	if (ret < 0) {
		*errmsg = g_strdup_printf("malformed NTLMSSP challenge from %s", p->server);
		goto out;
	}

	uint8_t client_chal[8], random_key[16], session_key[16];
	crypto_random(client_chal, sizeof(client_chal));
	crypto_random(random_key, sizeof(random_key));
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct ntlm_creds cr = {
		.user = anonymous ? "" : p->user,
		.domain = p->domain ? p->domain : "",
		.password = anonymous ? "" : p->password,
		.workstation = "SMBFUSE",
		.anonymous = anonymous,
	};
	auth = ntlmssp_authenticate_msg(&chal, &cr, client_chal, smb_timespec_to_nttime(&now),
					random_key, session_key);
	if (!auth) {
		*errmsg = g_strdup("cannot build the NTLMSSP authenticate message");
		ret = -EINVAL;
		goto out;
	}
	g_byte_array_unref(blob);
	blob = spnego_wrap_resp(auth->data, auth->len);
	smb_reply_clear(reply);
	req.security_blob = blob->data;
	req.security_blob_len = blob->len;
	ret = setup_call(s, &req, reply, flags2);
	if (ret < 0)
		goto out_transport;
	ret = smb_hdr_errno(&reply->msg.hdr);
	if (ret < 0) {
		*errmsg = auth_error(p, reply->msg.hdr.status);
		goto out;
	}
	ret = smb_session_setup_decode(&reply->msg, true, &rep);
	if (ret < 0) {
		*errmsg = g_strdup_printf("malformed session setup reply from %s", p->server);
		goto out;
	}
	s->uid = reply->msg.hdr.uid;
	s->guest_login = rep.action & 1;
	if (!anonymous)
		g_byte_array_append(mac_key, session_key, sizeof(session_key));
	memset(session_key, 0, sizeof(session_key));
	goto out;

out_transport:
	*errmsg = g_strdup_printf("session setup with %s failed: %s", p->server,
				  g_strerror(-ret));
out:
	ntlmssp_challenge_clear(&chal);
	if (nego)
		g_byte_array_unref(nego);
	if (blob)
		g_byte_array_unref(blob);
	if (auth)
		g_byte_array_unref(auth);
	return ret;
}

/* Classic NT LM 0.12 session setup with the 8-byte challenge from negotiate:
 * NTLMv2 in the Unicode password field, LMv2 in the OEM one (MS-CIFS
 * 3.2.4.2.4, MS-NLMP 3.3.2). */
static int setup_classic(struct session *s, const struct session_params *p,
			 const struct smb_negotiate_rep *neg, struct smb_reply *reply,
			 GByteArray *mac_key, char **errmsg)
{
	GByteArray *ntresp = g_byte_array_new();
	uint8_t lmresp[24] = { 0 };
	uint8_t session_key[16];
	bool anonymous = p->guest || p->sec == SEC_NONE;
	int ret;

	if (!anonymous) {
		if (neg->challenge_len != 8) {
			*errmsg = g_strdup_printf("server %s sent no 8-byte challenge", p->server);
			ret = -EPROTO;
			goto out;
		}
		uint8_t nt_hash[16], v2hash[16], client_chal[8];
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		crypto_random(client_chal, sizeof(client_chal));
		ret = ntlm_nt_hash(p->password, nt_hash);
		if (ret == 0)
			ret = ntlm_v2_hash(nt_hash, p->user, p->domain ? p->domain : "", v2hash);
		if (ret == 0)
			ret = ntlm_v2_response(v2hash, neg->challenge, client_chal,
					       smb_timespec_to_nttime(&now), NULL, 0, ntresp,
					       session_key);
		if (ret == 0)
			ret = ntlm_lmv2_response(v2hash, neg->challenge, client_chal, lmresp);
		memset(nt_hash, 0, sizeof(nt_hash));
		memset(v2hash, 0, sizeof(v2hash));
		if (ret < 0) {
			*errmsg = g_strdup_printf("cannot compute the NTLMv2 response: %s",
						  g_strerror(-ret));
			goto out;
		}
	}

	struct smb_session_setup_req req = {
		.extended = false,
		.max_buffer_size = OUR_MAX_BUFFER,
		.max_mpx_count = s->max_mpx,
		.vc_number = SESSION_VC_NUMBER,
		.session_key = neg->session_key,
		.capabilities = our_caps(s, false),
		.oem_password = lmresp,
		.oem_password_len = anonymous ? 0 : sizeof(lmresp),
		.unicode_password = ntresp->data,
		.unicode_password_len = ntresp->len,
		.account = anonymous ? "" : p->user,
		.domain = p->domain ? p->domain : "",
		.unicode = true,
		.native_os = native_os,
		.native_lanman = native_lanman,
	};
	ret = setup_call(s, &req, reply, sign_flag(p));
	if (ret < 0) {
		*errmsg = g_strdup_printf("session setup with %s failed: %s", p->server,
					  g_strerror(-ret));
		goto out;
	}
	ret = smb_hdr_errno(&reply->msg.hdr);
	if (ret < 0 && reply->msg.hdr.status == NT_STATUS_INVALID_PARAMETER) {
		/* Samba's default "raw NTLMv2 auth = no" answers this way. */
		*errmsg = g_strdup_printf("authentication failed for user %s on %s (%s): the "
					  "server refuses classic NTLMv2 (Samba: raw NTLMv2 auth); "
					  "use sec=ntlmssp",
					  p->user, p->server, ntstatus_name(reply->msg.hdr.status));
		goto out;
	}
	if (ret < 0) {
		*errmsg = auth_error(p, reply->msg.hdr.status);
		goto out;
	}
	struct smb_session_setup_rep rep;
	ret = smb_session_setup_decode(&reply->msg, false, &rep);
	if (ret < 0) {
		*errmsg = g_strdup_printf("malformed session setup reply from %s", p->server);
		goto out;
	}
	s->uid = reply->msg.hdr.uid;
	s->guest_login = rep.action & 1;
	/* MS-CIFS 3.2.5.3: the MAC key is the session key (for NTLMv2 the
	 * session base key, MS-NLMP 3.3.2) followed by the whole NT response. */
	if (!anonymous) {
		g_byte_array_append(mac_key, session_key, sizeof(session_key));
		g_byte_array_append(mac_key, ntresp->data, ntresp->len);
	}
out:
	memset(session_key, 0, sizeof(session_key));
	g_byte_array_unref(ntresp);
	return ret;
}

/* MS-CIFS 3.2.5.3, MS-SMB 3.2.5.3: after the first authenticated session
 * setup the MAC key is fixed and the server signs its reply with sequence
 * number 1; the client's next request carries 2.  That reply is checked
 * before anything else is trusted, as the first signed message.  A server may
 * also not start signing for this session at all: Samba (4.x) has no session
 * key after a classic (non-NTLMSSP) logon, so it neither signs nor checks,
 * even with "server signing = mandatory", and its reply carries the unsigned
 * placeholder.  Going on unsigned is then what the server itself does; only a
 * user who asked for signing (-o sign) is refused. */
static int start_signing(struct session *s, const struct session_params *p,
			 const GByteArray *mac_key, struct smb_reply *reply, char **errmsg)
{
	bool required = s->security_mode & NEGOTIATE_SECURITY_SIGNATURES_REQUIRED;

	if (!p->sign && !required)
		return 0;
	/* Anonymous sessions have no key to sign with; servers let them
	 * through unsigned (Samba does even with signing mandatory). */
	if (!mac_key->len) {
		if (!p->sign)
			return 0;
		*errmsg = g_strdup_printf("signing was required, but a guest session with %s "
					  "has no key to sign with",
					  p->server);
		return -EACCES;
	}
	if (signing_verify(mac_key->data, mac_key->len, reply->frame, reply->len, 1)) {
		conn_start_signing(s->conn, mac_key->data, mac_key->len, 2);
		s->signing = true;
		return 0;
	}
	if (!signing_is_unsigned(reply->frame, reply->len)) {
		*errmsg = g_strdup_printf("bad signature on the session setup reply from %s",
					  p->server);
		return -EACCES;
	}
	if (p->sign) {
		*errmsg = g_strdup_printf("signing was required, but server %s does not sign "
					  "this session%s",
					  p->server,
					  s->extended_security
						  ? ""
						  : " (after a classic NTLMv2 logon Samba never "
						    "signs; use sec=ntlmssp)");
		return -EOPNOTSUPP;
	}
	log_warn("server %s requires signing but does not sign this session%s; going on "
		 "unsigned, as the server does",
		 p->server, s->extended_security ? "" : " (classic NTLMv2 logon)");
	return 0;
}

/* ---- tree connect ---- */

static int tree_connect(struct session *s, const struct session_params *p, char **errmsg)
{
	uint8_t buf[1024];
	struct wr w;
	struct smb_reply reply = { 0 };

	s->unc = smb_tree_unc(p->server, p->share);
	if (!s->unc) {
		*errmsg = g_strdup_printf("share name '%s' is not valid UTF-8", p->share);
		return -EINVAL;
	}
	conn_msg_begin(s->conn, &w, buf, sizeof(buf), SMB_COM_TREE_CONNECT_ANDX, 0, s->uid);
	int ret = smb_tree_connect_encode(&w, s->unc, true);
	if (ret == 0)
		ret = conn_call(s->conn, &w, &reply);
	if (ret < 0) {
		*errmsg = g_strdup_printf("tree connect to %s failed: %s", s->unc,
					  g_strerror(-ret));
		return ret;
	}
	uint32_t status = reply.msg.hdr.status;
	ret = smb_hdr_errno(&reply.msg.hdr);
	if (ret < 0) {
		if (status == NT_STATUS_BAD_NETWORK_NAME)
			*errmsg = g_strdup_printf("share not found: %s (%s)", s->unc,
						  ntstatus_name(status));
		else if (ret == -EACCES)
			*errmsg = g_strdup_printf("access to share %s denied (%s)", s->unc,
						  ntstatus_name(status));
		else
			*errmsg = g_strdup_printf("tree connect to %s failed (%s)", s->unc,
						  ntstatus_name(status));
		goto out;
	}
	struct smb_tree_connect_rep rep;
	ret = smb_tree_connect_decode(&reply.msg, &rep);
	if (ret < 0) {
		*errmsg = g_strdup_printf("malformed tree connect reply from %s", p->server);
		goto out;
	}
	if (!smb_tree_service_is_disk(rep.service)) {
		*errmsg = g_strdup_printf("%s is not a disk share (service \"%s\")", s->unc,
					  rep.service);
		ret = -ENOTDIR;
		goto out;
	}
	s->tid = reply.msg.hdr.tid;
out:
	smb_reply_clear(&reply);
	return ret;
}

/* ---- CIFS UNIX extensions ---- */

static void unix_extensions(struct session *s)
{
	uint8_t params[16], data[16];
	struct smb_reply reply = { 0 };
	uint64_t caps = 0;

	long plen = smb_qfsinfo_params(params, sizeof(params), SMB_QUERY_CIFS_UNIX_INFO);
	if (plen < 0 || session_trans2(s, TRANS2_QUERY_FS_INFORMATION, params, (uint16_t)plen,
				       NULL, 0, 8, &reply) < 0)
		goto out;
	if (smb_parse_cifs_unix_info(reply.t2.data, reply.t2.total_data, &s->unix_major,
				     &s->unix_minor, &caps) < 0)
		goto out;
	smb_reply_clear(&reply);

	uint64_t want = caps & WANTED_UNIX_CAPS;
	plen = smb_set_unix_info_params(params, sizeof(params));
	long dlen = smb_set_unix_info_data(data, sizeof(data), s->unix_major, s->unix_minor,
					   want);
	if (plen < 0 || dlen < 0)
		goto out;
	if (session_trans2(s, TRANS2_SET_FS_INFORMATION, params, (uint16_t)plen, data,
			   (uint16_t)dlen, 8, &reply) < 0) {
		log_info("server refused SET_CIFS_UNIX_INFO; using UNIX extensions without "
			 "large reads");
		want = 0;
	}
	s->unix_caps = want;
	/* Without POSIX pathnames Samba refuses the UNIX info levels, so the
	 * extensions are of no use. */
	s->unix_ext = want & CIFS_UNIX_POSIX_PATHNAMES_CAP;
	s->path_sep = s->unix_ext ? '/' : '\\';
out:
	smb_reply_clear(&reply);
}

/* Largest READ_ANDX / WRITE_ANDX payloads the negotiated capabilities allow.
 * Plain (MS-CIFS 2.2.4.42.1, 2.2.4.43.1): what fits in one buffer with the
 * header, the server's for writes, the smaller of both for reads (the reply
 * must fit in ours).  CAP_LARGE_READX/WRITEX: 60 KiB, what Windows honours.
 * The UNIX large read/write capabilities (Samba, unsigned sessions) allow
 * 1 MiB, but only with CAP_LARGE_READX/WRITEX too: Samba with
 * `large readwrite = no` still offers them and caps each reply at the
 * client's buffer, as the Linux client assumes. */
static void choose_io_sizes(struct session *s, const struct session_params *p)
{
	/* negotiate() refused buffers under 1024 bytes, so neither is 0. */
	s->safe_read = MIN(s->max_buffer, OUR_MAX_BUFFER) - READ_ANDX_REP_OVERHEAD;
	s->safe_write = s->max_buffer - WRITE_ANDX_REQ_OVERHEAD;
	s->max_read = s->safe_read;
	if (s->server_caps & CAP_LARGE_READX)
		s->max_read = s->unix_caps & CIFS_UNIX_LARGE_READ_CAP && !s->signing
				      ? UNIX_LARGE_IO_SIZE
				      : LARGE_IO_SIZE;
	s->max_write = s->safe_write;
	if (s->server_caps & CAP_LARGE_WRITEX)
		s->max_write = s->unix_caps & CIFS_UNIX_LARGE_WRITE_CAP && !s->signing
				       ? UNIX_LARGE_IO_SIZE
				       : s->server_caps & CAP_UNIX ? UNIX_WRITEX_SIZE
								   : LARGE_IO_SIZE;
	/* rsize/wsize only lower the sizes (opts.c keeps them >= 1024). */
	if (p->rsize && p->rsize < s->max_read)
		s->max_read = p->rsize;
	if (p->wsize && p->wsize < s->max_write)
		s->max_write = p->wsize;
	s->safe_read = MIN(s->safe_read, s->max_read);
	s->safe_write = MIN(s->safe_write, s->max_write);
	/* TRANS2 replies that fit in one server buffer come in one message;
	 * larger ones the server sends in parts (MS-CIFS 3.3.4.1.2), which we
	 * reassemble.  Never less than TRANS2_MIN_DATA: a symlink target of
	 * PATH_MAX in UTF-16 must fit, whatever the server's buffer. */
	uint32_t td = s->max_buffer > 512 ? s->max_buffer - 512 : 512;
	td = MAX(td, TRANS2_MIN_DATA);
	s->max_trans_data = td > 0xFFFF ? 0xFFFF : (uint16_t)td;
}

uint32_t session_io_size(const uint32_t *limit, uint32_t max)
{
	uint32_t l = __atomic_load_n(limit, __ATOMIC_RELAXED);
	return l && l < max ? l : max;
}

void session_io_learn(uint32_t *limit, uint32_t got, uint32_t safe, const char *what)
{
	/* Whole KiB where possible; never below what the spec guarantees (a
	 * short answer under that is the server's business of the moment,
	 * not a limit worth slowing every later request for). */
	uint32_t n = got >= 2048 ? got & ~1023u : got;
	if (n < safe)
		n = safe;
	/* Only ever lower it, whichever thread learns first. */
	uint32_t old = __atomic_load_n(limit, __ATOMIC_RELAXED);
	do {
		if (old && old <= n)
			return;
	} while (!__atomic_compare_exchange_n(limit, &old, n, false, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	if (got)
		log_info("server took %u bytes of a larger %s; using %u-byte requests", got, what,
			 n);
	else
		log_info("server refused a large %s; using %u-byte requests", what, n);
}

int session_open(const struct session_params *p, struct session **out, char **errmsg)
{
	struct session *s = g_new0(struct session, 1);
	s->refs = 1;
	struct smb_negotiate_rep neg = { 0 };
	struct smb_reply neg_reply = { 0 }, setup_reply = { 0 };
	GByteArray *mac_key = g_byte_array_new();
	int ret;

	*errmsg = NULL;
	ret = conn_open(&p->conn, &s->conn, errmsg);
	if (ret < 0)
		goto out_free;
	ret = negotiate(s, p, &neg, &neg_reply, errmsg);
	if (ret < 0)
		goto out_free;

	s->extended_security = p->sec == SEC_NTLMSSP && neg.extended_security;
	if (p->sec == SEC_NTLMSSP && !neg.extended_security)
		log_info("server %s has no extended security; using classic NTLMv2", p->server);
	if (s->extended_security)
		ret = setup_extended(s, p, &neg, &setup_reply, mac_key, errmsg);
	else
		ret = setup_classic(s, p, &neg, &setup_reply, mac_key, errmsg);
	if (ret == 0)
		ret = start_signing(s, p, mac_key, &setup_reply, errmsg);
	if (ret < 0)
		goto out_free;
	if (s->guest_login && !p->guest && p->sec != SEC_NONE)
		log_warn("server %s logged user %s in as guest", p->server, p->user);
	s->user = g_strdup(p->guest ? "(guest)" : p->user);

	ret = tree_connect(s, p, errmsg);
	if (ret < 0)
		goto out_free;
	if (p->unix_extensions && (s->server_caps & CAP_UNIX))
		unix_extensions(s);
	choose_io_sizes(s, p);
	conn_set_established(s->conn);
	log_debug("session %s: caps 0x%08x mpx %u buffer %u unix %d (caps 0x%llx) read %u "
		  "write %u",
		  s->unc, s->server_caps, s->max_mpx, s->max_buffer, s->unix_ext,
		  (unsigned long long)s->unix_caps, s->max_read, s->max_write);
	*out = s;
	goto out;

out_free:
	session_unref(s);
out:
	if (mac_key->len)
		memset(mac_key->data, 0, mac_key->len);
	g_byte_array_unref(mac_key);
	smb_negotiate_rep_clear(&neg);
	smb_reply_clear(&neg_reply);
	smb_reply_clear(&setup_reply);
	return ret;
}

/* Sends w and waits at most timeout_ms; the reply is discarded. */
static int call_briefly(struct session *s, struct wr *w, int timeout_ms)
{
	struct smb_reply reply = { 0 };
	int err;
	struct conn_req *req = conn_submit(s->conn, w, &err);
	if (!req)
		return err;
	err = conn_wait_timeout(req, &reply, timeout_ms);
	if (err == 0)
		err = smb_hdr_errno(&reply.msg.hdr);
	smb_reply_clear(&reply);
	return err;
}

int session_echo(struct session *s, int timeout_ms)
{
	uint8_t buf[128];
	struct wr w;
	static const uint8_t ping[4] = { 's', 'm', 'b', 'f' };

	session_msg_begin(s, &w, buf, sizeof(buf), SMB_COM_ECHO);
	int ret = smb_echo_encode(&w, 1, ping, sizeof(ping));
	return ret < 0 ? ret : call_briefly(s, &w, timeout_ms);
}

void session_goodbye(struct session *s)
{
	/* Goodbyes are a courtesy: a server that does not answer at once must
	 * not hold up an unmount. */
	if (!s->conn || !conn_alive(s->conn) || !s->uid)
		return;
	uint8_t buf[128];
	struct wr w;
	if (s->tid) {
		session_msg_begin(s, &w, buf, sizeof(buf), SMB_COM_TREE_DISCONNECT);
		if (smb_tree_disconnect_encode(&w) == 0)
			call_briefly(s, &w, 1000);
	}
	if (conn_alive(s->conn)) {
		session_msg_begin(s, &w, buf, sizeof(buf), SMB_COM_LOGOFF_ANDX);
		if (smb_logoff_encode(&w) == 0)
			call_briefly(s, &w, 1000);
	}
}

struct session *session_ref(struct session *s)
{
	g_atomic_int_inc(&s->refs);
	return s;
}

void session_unref(struct session *s)
{
	if (!s || !g_atomic_int_dec_and_test(&s->refs))
		return;
	conn_unref(s->conn);
	if (s->eof_known)
		g_hash_table_destroy(s->eof_known);
	g_free(s->unc);
	g_free(s->user);
	g_free(s);
}
