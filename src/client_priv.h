/* Shared by client*.c only: message sizes and the TRANS2 set/query helpers
 * every family of operations uses. */
#ifndef SMBFUSE_CLIENT_PRIV_H
#define SMBFUSE_CLIENT_PRIV_H

#include "client.h"

#define SMALL_MSG 1024
/* Room for a header, words and one or two UTF-16 paths of PATH_MAX. */
#define PATH_MSG (SMALL_MSG + 2 * 2 * 4096)

/* TRANS2_SET_PATH_INFORMATION on an SMB path. */
int client_set_path_info(struct client *c, const char *smb_path, uint16_t level,
			 const uint8_t *data, size_t len);
/* TRANS2_SET_FILE_INFORMATION on an open FID. */
int client_set_file_info(struct client *c, uint16_t fid, uint16_t level, const uint8_t *data,
			 size_t len);
/* A request that carries nothing but a status back (DELETE, FLUSH, ...):
 * send w, check the status, free the reply. */
int client_simple_call(struct client *c, struct wr *w);
/* For a new object at path (a mount path): fills u->uid and u->gid from
 * own (struct client_owner) and returns whether the parent directory is
 * setgid.  The parent is asked only when own is set or want_sgid. */
bool client_new_owner(struct client *c, const char *path, const struct client_owner *own,
		      bool want_sgid, struct smb_unix_set *u);
/* 0 if an SMB path names something on the server, else -errno. */
int client_smb_path_exists(struct client *c, const char *smb_path);
/* NT_CREATE_ANDX with explicit access, disposition and options. */
int client_nt_create(struct client *c, const char *smb_path, uint32_t access,
		     uint32_t disposition, uint32_t options, uint16_t *fid,
		     struct client_open_info *id);
/* Waits for a READ_ANDX asking want bytes and decodes its answer into
 * *rep (pointing into *reply): 0, or -errno.  A read past the end that a
 * server answers END_OF_FILE (Windows) is 0 bytes; more than asked is EIO. */
int client_read_answer(struct conn_req *req, struct smb_reply *reply, uint32_t want,
		       struct smb_read_andx_rep *rep);

#endif
