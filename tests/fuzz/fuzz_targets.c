/* Fuzz targets (see fuzz.h).  Built into fuzz_replay for `make check` and
 * into a libFuzzer binary by contrib/fuzz.sh (-DFUZZ_LIBFUZZER). */
#include "fuzz.h"

#include <glib.h>
#include <string.h>

#include "netbios.h"
#include "ntlmssp.h"
#include "smb.h"

static void find_levels(const uint8_t *data, size_t len, uint16_t count)
{
	static const uint16_t levels[] = { SMB_FIND_FILE_BOTH_DIRECTORY_INFO, SMB_FIND_FILE_UNIX };
	for (size_t i = 0; i < G_N_ELEMENTS(levels); i++) {
		for (int unicode = 0; unicode < 2; unicode++) {
			char *last = NULL;
			uint32_t key = 0;
			smb_find_parse_entries(data, len, levels[i], unicode, count, NULL, NULL,
					       &last, &key);
			g_free(last);
		}
	}
}

static int ignore_notify(void *ctx, uint32_t action, const char *name)
{
	(void)ctx;
	(void)action;
	(void)name;
	return 0;
}

int fuzz_trans2_data(const uint8_t *data, size_t len)
{
	struct smb_file_info fi;
	struct smb_fs_size fs;
	struct smb_posix_fs_info pfs;
	struct smb_find_rep fr;
	uint16_t major, minor;
	uint64_t caps;
	char *target = NULL;

	smb_parse_file_all_info(data, len, &fi);
	smb_parse_file_basic_info(data, len, &fi);
	smb_parse_file_standard_info(data, len, &fi);
	smb_parse_file_unix_basic(data, len, &fi);
	for (int unicode = 0; unicode < 2; unicode++) {
		if (smb_parse_file_unix_link(data, len, unicode, &target) == 0)
			g_free(target);
		target = NULL;
	}
	smb_parse_fs_full_size_info(data, len, &fs);
	smb_parse_fs_size_info(data, len, &fs);
	smb_parse_posix_fs_info(data, len, &pfs);
	smb_parse_cifs_unix_info(data, len, &major, &minor, &caps);
	struct smb_posix_open_rep po;
	smb_parse_posix_open_reply(data, len, &po);
	struct smb_posix_lock pl;
	smb_parse_posix_lock_data(data, len, &pl);
	smb_find_first_rep_params(data, len, &fr);
	smb_find_next_rep_params(data, len, &fr);
	find_levels(data, len, len > 0 ? data[0] : 0);
	find_levels(data, len, 0xFFFF);
	for (int unicode = 0; unicode < 2; unicode++)
		smb_notify_parse(data, len, unicode, ignore_notify, NULL);
	return 0;
}

int fuzz_smb_reply(const uint8_t *data, size_t len)
{
	struct smb_msg m;

	if (smb_msg_parse(data, len, &m) < 0)
		return 0;
	switch (m.hdr.command) {
	case SMB_COM_NEGOTIATE: {
		struct smb_negotiate_rep r = { 0 };
		if (smb_negotiate_decode(&m, &r) == 0)
			spnego_offers_ntlmssp(r.security_blob, r.security_blob_len);
		smb_negotiate_rep_clear(&r);
		break;
	}
	case SMB_COM_SESSION_SETUP_ANDX:
		for (int ext = 0; ext < 2; ext++) {
			struct smb_session_setup_rep r;
			if (smb_session_setup_decode(&m, ext, &r) == 0 && ext)
				fuzz_security_blobs(r.security_blob, r.security_blob_len);
		}
		break;
	case SMB_COM_TREE_CONNECT_ANDX: {
		struct smb_tree_connect_rep r;
		smb_tree_connect_decode(&m, &r);
		break;
	}
	case SMB_COM_OPEN_ANDX: {
		struct smb_open_andx_rep r;
		smb_open_andx_decode(&m, &r);
		break;
	}
	case SMB_COM_NT_CREATE_ANDX: {
		struct smb_nt_create_rep r;
		struct smb_msg next;
		struct smb_read_andx_rep rd;
		smb_nt_create_decode(&m, &r);
		/* The chain an open for reading gets back (client_open_head). */
		if (smb_andx_next(&m, &next) == 1 && next.hdr.command == SMB_COM_READ_ANDX &&
		    smb_read_andx_decode(&next, &rd) == 0 && rd.data_len) {
			volatile uint8_t sink = rd.data[0];
			sink = rd.data[rd.data_len - 1];
			(void)sink;
		}
		break;
	}
	case SMB_COM_READ_ANDX: {
		struct smb_read_andx_rep r;
		int dec = smb_read_andx_decode(&m, &r);
		if (dec == 0 && r.data_len) {
			/* Touch both ends: ASan flags a range past the buffer. */
			volatile uint8_t sink = r.data[0];
			sink = r.data[r.data_len - 1];
			(void)sink;
		}
		/* The receiver's look (conn.c) lets through only what the
		 * decoder reads the same way. */
		uint16_t mid;
		uint32_t off, dlen;
		if (len >= SMB_READ_ANDX_REP_HEAD &&
		    smb_read_andx_rep_peek(data, SMB_READ_ANDX_REP_HEAD, (uint32_t)len, &mid, &off,
					   &dlen) == 0 &&
		    (dec != 0 || r.data != data + off || r.data_len != dlen))
			abort();
		break;
	}
	case SMB_COM_WRITE_ANDX: {
		uint32_t count;
		smb_write_andx_decode(&m, &count);
		break;
	}
	case SMB_COM_TRANSACTION2: {
		struct smb_trans2_rep t2 = { 0 };
		if (smb_trans2_rep_add(&t2, &m) == 1) {
			fuzz_trans2_data(t2.data, t2.total_data);
			fuzz_trans2_data(t2.params, t2.total_param);
		}
		smb_trans2_rep_clear(&t2);
		break;
	}
	case SMB_COM_NT_TRANSACT: {
		struct smb_trans2_rep nt = { 0 };
		if (smb_nttrans_rep_add(&nt, &m, 1u << 20) == 1)
			fuzz_trans2_data(nt.params, nt.total_param);
		smb_trans2_rep_clear(&nt);
		break;
	}
	case SMB_COM_LOCKING_ANDX: {
		uint16_t fid;
		uint8_t level;
		smb_oplock_break_decode(&m, &fid, &level);
		break;
	}
	default:
		break;
	}
	return 0;
}

int fuzz_security_blobs(const uint8_t *data, size_t len)
{
	const uint8_t *token;
	size_t token_len;
	int state;
	struct ntlmssp_challenge c = { 0 };
	struct netbios_session_reply nr;

	if (spnego_unwrap(data, len, &token, &token_len, &state) == 0) {
		if (ntlmssp_parse_challenge(token, token_len, &c) == 0)
			ntlmssp_challenge_clear(&c);
	}
	if (ntlmssp_parse_challenge(data, len, &c) == 0)
		ntlmssp_challenge_clear(&c);
	spnego_offers_ntlmssp(data, len);
	if (len >= 1)
		netbios_decode_session_reply(data[0], data + 1, len - 1, &nr);
	return 0;
}

int fuzz_all(const uint8_t *data, size_t len)
{
	fuzz_smb_reply(data, len);
	fuzz_security_blobs(data, len);
	fuzz_trans2_data(data, len);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	return fuzz_all(data, len);
}
#endif
