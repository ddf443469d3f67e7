/* NT status and DOS error -> errno, in one table (the only place). */
#ifndef SMBFUSE_NTSTATUS_H
#define SMBFUSE_NTSTATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "smb.h"

/* Negative errno for a status; 0 for success and informational statuses,
 * and for STATUS_BUFFER_OVERFLOW (the reply's data is valid, truncated).
 * NO_MORE_FILES and END_OF_FILE (and their DOS forms) are -ENODATA: the
 * caller treats that as "end", not as a failure.  Unknown errors map to -EIO
 * and are logged once with their hex value.  See ntstatus.c for the table. */
int ntstatus_to_errno(uint32_t status);
/* DOS error class/code (used when a reply lacks FLAGS2_NT_STATUS). */
int doserror_to_errno(uint8_t err_class, uint16_t code);
/* Chooses between the two by the header's FLAGS2_NT_STATUS. */
int smb_hdr_errno(const struct smb_hdr *h);
/* Whether the header's status says the server dropped our session or tree
 * though it still talks on the connection (NETWORK_NAME_DELETED,
 * USER_SESSION_DELETED, NETWORK_SESSION_EXPIRED and their DOS forms); not
 * CONNECTION_RESET and the like, which a server also sends for a failure of
 * its own storage.  Nothing is logged. */
bool smb_hdr_session_gone(const struct smb_hdr *h);
/* STATUS_INVALID_HANDLE, or its DOS form ERRDOS/ERRbadfid. */
bool smb_hdr_bad_handle(const struct smb_hdr *h);
/* "NT_STATUS_LOGON_FAILURE" or "NT_STATUS_0xc0001234" (static or per-thread
 * buffer). */
const char *ntstatus_name(uint32_t status);

#endif
