/* NT status (MS-ERREF 2.3) and DOS error class/code (MS-CIFS 2.2.2.4) ->
 * errno: the one place where protocol errors become errno, and names for
 * logs.
 *
 * Choices worth knowing (the tables below are the reference):
 *  - Success and informational statuses are 0.  STATUS_BUFFER_OVERFLOW is 0
 *    too: the server still sends a complete reply, with truncated data, and
 *    the parsers check lengths.
 *  - NO_MORE_FILES, END_OF_FILE and their DOS forms are -ENODATA, "nothing
 *    more": directory listing and read treat it as the end, not an error.
 *  - NOT_IMPLEMENTED and NOT_SUPPORTED are -EOPNOTSUPP, never -ENOSYS: FUSE
 *    takes ENOSYS from an operation as "never call this again".
 *  - OBJECT_NAME_INVALID is -ENOENT (as the Linux client does): a name the
 *    server cannot store cannot exist there, and lookups should say so.
 *  - A session, tree or connection the server dropped is -ECONNRESET.  A
 *    reply saying the session or tree is gone (smb_hdr_session_gone) makes
 *    the connection be replaced and the request repeated (conn.c, pool.c).
 *  - Unknown errors are -EIO, logged once per value (the set of values seen
 *    is the only shared state here; it is locked).
 */
#include "ntstatus.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>

#include "log.h"

struct nt_map {
	uint32_t status;
	int err; /* positive errno, 0 for "not an error" */
	const char *name;
};

#define NT(n, e) { NT_STATUS_##n, e, "NT_STATUS_" #n }
/* Statuses the client does not test for by name: value given here. */
#define NTV(v, n, e) { v, e, "NT_STATUS_" #n }

static const struct nt_map nt_table[] = {
	NT(OK, 0),
	NT(PENDING, 0),
	NT(BUFFER_OVERFLOW, 0),
	NT(NO_MORE_FILES, ENODATA),
	NT(STOPPED_ON_SYMLINK, ELOOP),
	/* Raw DOS ERRSRV/ERRerror in the status field (see smb_proto.h). */
	NT(INVALID_SMB, EPROTO),

	NT(UNSUCCESSFUL, EIO),
	NT(NOT_IMPLEMENTED, EOPNOTSUPP),
	NT(INVALID_INFO_CLASS, EOPNOTSUPP),
	NTV(0xC0000004, INFO_LENGTH_MISMATCH, EINVAL),
	NTV(0xC0000005, ACCESS_VIOLATION, EACCES),
	NT(INVALID_HANDLE, EBADF),
	NT(INVALID_PARAMETER, EINVAL),
	NTV(0xC000000E, NO_SUCH_DEVICE, ENODEV),
	NT(NO_SUCH_FILE, ENOENT),
	NT(INVALID_DEVICE_REQUEST, EOPNOTSUPP),
	NT(END_OF_FILE, ENODATA),
	NTV(0xC0000013, NO_MEDIA_IN_DEVICE, ENOMEDIUM),
	/* Session setup tests this one by value; reaching errno means an
	 * unexpected continuation. */
	NT(MORE_PROCESSING_REQUIRED, EIO),
	NT(NO_MEMORY, ENOMEM),
	NT(ACCESS_DENIED, EACCES),
	NT(BUFFER_TOO_SMALL, ERANGE),
	NTV(0xC0000024, OBJECT_TYPE_MISMATCH, EINVAL),
	NT(OBJECT_NAME_INVALID, ENOENT),
	NT(OBJECT_NAME_NOT_FOUND, ENOENT),
	NT(OBJECT_NAME_COLLISION, EEXIST),
	/* "A path component was not a directory" (MS-ERREF) */
	NT(OBJECT_PATH_INVALID, ENOTDIR),
	NT(OBJECT_PATH_NOT_FOUND, ENOENT),
	NT(OBJECT_PATH_SYNTAX_BAD, EINVAL),
	NTV(0xC000003E, DATA_ERROR, EIO),
	NTV(0xC000003F, CRC_ERROR, EIO),
	NT(SHARING_VIOLATION, EBUSY),
	NT(QUOTA_EXCEEDED, EDQUOT),
	NT(EAS_NOT_SUPPORTED, EOPNOTSUPP),
	NTV(0xC0000050, EA_TOO_LARGE, E2BIG),
	NTV(0xC0000051, NONEXISTENT_EA_ENTRY, ENODATA),
	NTV(0xC0000052, NO_EAS_ON_FILE, ENODATA),
	NTV(0xC0000053, EA_CORRUPT_ERROR, EIO),
	/* Byte-range locks: an I/O that hits another's lock is refused
	 * (EACCES); a lock request that cannot be granted is EAGAIN, as
	 * fcntl(F_SETLK) reports it. */
	NT(FILE_LOCK_CONFLICT, EACCES),
	NT(LOCK_NOT_GRANTED, EAGAIN),
	NT(RANGE_NOT_LOCKED, ENOLCK),
	/* Open of a file being deleted: it is already gone for POSIX. */
	NT(DELETE_PENDING, ENOENT),
	NT(PRIVILEGE_NOT_HELD, EPERM),
	NTV(0xC0000062, INVALID_ACCOUNT_NAME, EACCES),
	NTV(0xC0000064, NO_SUCH_USER, EACCES),
	NTV(0xC000006A, WRONG_PASSWORD, EACCES),
	NT(LOGON_FAILURE, EACCES),
	NT(ACCOUNT_RESTRICTION, EACCES),
	NTV(0xC000006F, INVALID_LOGON_HOURS, EACCES),
	NTV(0xC0000070, INVALID_WORKSTATION, EACCES),
	NT(PASSWORD_EXPIRED, EKEYEXPIRED),
	NT(ACCOUNT_DISABLED, EACCES),
	NT(DISK_FULL, ENOSPC),
	NTV(0xC000009A, INSUFFICIENT_RESOURCES, ENOMEM),
	NTV(0xC000009C, DEVICE_DATA_ERROR, EIO),
	NT(MEDIA_WRITE_PROTECTED, EROFS),
	NTV(0xC00000B0, PIPE_DISCONNECTED, EPIPE),
	NTV(0xC00000B1, PIPE_CLOSING, EPIPE),
	NT(IO_TIMEOUT, ETIMEDOUT),
	NTV(0xC00000B6, FILE_FORCED_CLOSED, EBADF),
	NT(FILE_IS_A_DIRECTORY, EISDIR),
	NT(NOT_SUPPORTED, EOPNOTSUPP),
	NTV(0xC00000BE, BAD_NETWORK_PATH, ENOENT),
	NTV(0xC00000BF, NETWORK_BUSY, EBUSY),
	NTV(0xC00000C1, TOO_MANY_COMMANDS, EBUSY),
	NTV(0xC00000C3, INVALID_NETWORK_RESPONSE, EIO),
	NTV(0xC00000C4, UNEXPECTED_NETWORK_ERROR, EIO),
	NT(NETWORK_NAME_DELETED, ECONNRESET),
	NT(NETWORK_ACCESS_DENIED, EACCES),
	NTV(0xC00000CB, BAD_DEVICE_TYPE, ENODEV),
	NT(BAD_NETWORK_NAME, ENOENT),
	/* "No more connections can be made to this remote computer" */
	NT(REQUEST_NOT_ACCEPTED, ECONNREFUSED),
	NT(NOT_SAME_DEVICE, EXDEV),
	NT(FILE_RENAMED, ESTALE),
	NTV(0xC00000E5, INTERNAL_ERROR, EIO),
	NT(DIRECTORY_NOT_EMPTY, ENOTEMPTY),
	NT(NOT_A_DIRECTORY, ENOTDIR),
	NT(NAME_TOO_LONG, ENAMETOOLONG),
	NT(TOO_MANY_OPENED_FILES, EMFILE),
	NT(CANCELLED, EINTR),
	/* Delete of a read-only file */
	NT(CANNOT_DELETE, EACCES),
	NTV(0xC0000123, FILE_DELETED, ENOENT),
	NT(FILE_CLOSED, EBADF),
	NT(INVALID_LEVEL, EOPNOTSUPP),
	NTV(0xC000014B, PIPE_BROKEN, EPIPE),
	NT(LOGON_TYPE_NOT_GRANTED, EACCES),
	NTV(0xC0000184, INVALID_DEVICE_STATE, EIO),
	NTV(0xC000018D, TRUSTED_RELATIONSHIP_FAILURE, EACCES),
	NTV(0xC0000193, ACCOUNT_EXPIRED, EKEYEXPIRED),
	NT(USER_SESSION_DELETED, ECONNRESET),
	NT(INSUFF_SERVER_RESOURCES, ENOMEM),
	NT(CONNECTION_DISCONNECTED, ECONNRESET),
	NT(CONNECTION_RESET, ECONNRESET),
	NTV(0xC0000224, PASSWORD_MUST_CHANGE, EKEYEXPIRED),
	NT(ACCOUNT_LOCKED_OUT, EACCES),
	NTV(0xC0000236, CONNECTION_REFUSED, ECONNREFUSED),
	NTV(0xC0000237, GRACEFUL_DISCONNECT, ECONNRESET),
	NTV(0xC000023C, NETWORK_UNREACHABLE, ENETUNREACH),
	NTV(0xC000023D, HOST_UNREACHABLE, EHOSTUNREACH),
	NTV(0xC0000241, CONNECTION_ABORTED, ECONNABORTED),
	/* DFS referral needed: we do not follow DFS. */
	NTV(0xC0000257, PATH_NOT_COVERED, EREMOTE),
	NTV(0xC0000275, NOT_A_REPARSE_POINT, EINVAL),
	/* The session must be set up again. */
	NT(NETWORK_SESSION_EXPIRED, ECONNRESET),
	NT(DISK_QUOTA_EXCEEDED, EDQUOT),
};

/* DOS error classes (MS-CIFS 2.2.2.4) */
#define ERRDOS 0x01
#define ERRSRV 0x02
#define ERRHRD 0x03

struct dos_map {
	uint8_t err_class;
	uint16_t code;
	int err;
};

static const struct dos_map dos_table[] = {
	{ ERRDOS, 1, EINVAL },        /* ERRbadfunc */
	{ ERRDOS, 2, ENOENT },        /* ERRbadfile */
	{ ERRDOS, 3, ENOENT },        /* ERRbadpath */
	{ ERRDOS, 4, EMFILE },        /* ERRnofids */
	{ ERRDOS, 5, EACCES },        /* ERRnoaccess */
	{ ERRDOS, 6, EBADF },         /* ERRbadfid */
	{ ERRDOS, 7, EIO },           /* ERRbadmcb */
	{ ERRDOS, 8, ENOMEM },        /* ERRnomem */
	{ ERRDOS, 9, EFAULT },        /* ERRbadmem */
	{ ERRDOS, 10, EFAULT },       /* ERRbadenv */
	{ ERRDOS, 11, EINVAL },       /* ERRbadformat */
	{ ERRDOS, 12, EACCES },       /* ERRbadaccess */
	{ ERRDOS, 13, EIO },          /* ERRbaddata */
	{ ERRDOS, 15, ENODEV },       /* ERRbaddrive */
	{ ERRDOS, 16, EACCES },       /* ERRremcd */
	{ ERRDOS, 17, EXDEV },        /* ERRdiffdevice */
	{ ERRDOS, 18, ENODATA },      /* ERRnofiles */
	/* Samba's DOS form of MEDIA_WRITE_PROTECTED: a read-only share */
	{ ERRDOS, 19, EROFS },        /* ERROR_WRITE_PROTECT */
	{ ERRDOS, 31, EIO },          /* ERRgeneral */
	{ ERRDOS, 32, EBUSY },        /* ERRbadshare */
	{ ERRDOS, 33, EACCES },       /* ERRlock */
	{ ERRDOS, 38, ENODATA },      /* ERReof */
	{ ERRDOS, 39, ENOSPC },       /* ERRdiskfull */
	{ ERRDOS, 50, EOPNOTSUPP },   /* ERRunsup */
	{ ERRDOS, 53, ENOENT },       /* ERRbadnetpath */
	{ ERRDOS, 64, ECONNRESET },   /* ERROR_NETNAME_DELETED: the tree is gone */
	{ ERRDOS, 67, ENOENT },       /* ERRbadnetname */
	{ ERRDOS, 80, EEXIST },       /* ERRfilexists */
	{ ERRDOS, 87, EINVAL },       /* ERRinvalidparam */
	{ ERRDOS, 112, ENOSPC },      /* ERROR_DISK_FULL */
	{ ERRDOS, 113, EMFILE },      /* ERROR_NO_MORE_SEARCH_HANDLES */
	{ ERRDOS, 123, ENOENT },      /* ERRinvalidname, as OBJECT_NAME_INVALID */
	{ ERRDOS, 124, EOPNOTSUPP },  /* ERRunknownlevel */
	{ ERRDOS, 131, EINVAL },      /* ERRinvalidseek */
	{ ERRDOS, 145, ENOTEMPTY },   /* ERRdirnotempty */
	{ ERRDOS, 158, ENOLCK },      /* ERRnotlocked */
	{ ERRDOS, 173, ENOLCK },      /* ERROR_CANCEL_VIOLATION: no such lock to cancel */
	{ ERRDOS, 174, EOPNOTSUPP },  /* ERROR_ATOMIC_LOCKS_NOT_SUPPORTED */
	{ ERRDOS, 183, EEXIST },      /* ERRalreadyexists */
	{ ERRDOS, 206, ENAMETOOLONG }, /* ERROR_FILENAME_EXCED_RANGE */
	{ ERRDOS, 230, EPIPE },       /* ERRbadpipe */
	{ ERRDOS, 231, EBUSY },       /* ERRpipebusy */
	{ ERRDOS, 232, EPIPE },       /* ERRpipeclosing */
	{ ERRDOS, 233, EPIPE },       /* ERRnotconnected */
	{ ERRDOS, 234, 0 },           /* ERRmoredata: as BUFFER_OVERFLOW */
	{ ERRDOS, 255, EINVAL },      /* ERRbadealist */
	{ ERRDOS, 267, ENOTDIR },     /* ERRbaddirectory */
	{ ERRDOS, 275, E2BIG },       /* ERROR_EAS_DIDNT_FIT */
	{ ERRDOS, 282, EOPNOTSUPP },  /* ERReasnotsupported */
	{ ERRDOS, 994, EACCES },      /* ERROR_EA_ACCESS_DENIED */
	/* As STATUS_NOTIFY_ENUM_DIR: a change notification without the
	 * changes (too many), which notify.c takes as "everything". */
	{ ERRDOS, 1022, 0 },          /* ERR_NOTIFY_ENUM_DIR */
	{ ERRSRV, 1, EIO },           /* ERRerror */
	{ ERRSRV, 2, EACCES },        /* ERRbadpw */
	{ ERRSRV, 4, EACCES },        /* ERRaccess */
	{ ERRSRV, 5, ECONNRESET },    /* ERRinvtid: the tree is gone */
	{ ERRSRV, 6, ENOENT },        /* ERRinvnetname */
	{ ERRSRV, 7, ENODEV },        /* ERRinvdevice */
	{ ERRSRV, 49, ENOSPC },       /* ERRqfull: print queue */
	{ ERRSRV, 50, EFBIG },        /* ERRqtoobig */
	{ ERRSRV, 64, EOPNOTSUPP },   /* ERRsmbcmd */
	{ ERRSRV, 65, EIO },          /* ERRsrverror */
	{ ERRSRV, 67, EINVAL },       /* ERRfilespecs */
	{ ERRSRV, 69, EACCES },       /* ERRbadpermits */
	{ ERRSRV, 71, EINVAL },       /* ERRsetattrmode */
	{ ERRSRV, 81, EAGAIN },       /* ERRpaused: the server is paused */
	{ ERRSRV, 83, ENOSPC },       /* ERRnoroom */
	{ ERRSRV, 87, EUSERS },       /* ERRrmuns: too many remote users */
	{ ERRSRV, 88, ETIMEDOUT },    /* ERRtimeout */
	{ ERRSRV, 89, ENOMEM },       /* ERRnoresource */
	{ ERRSRV, 90, EUSERS },       /* ERRtoomanyuids */
	{ ERRSRV, 91, ECONNRESET },   /* ERRbaduid: the session is gone */
	{ ERRSRV, 250, EOPNOTSUPP },  /* ERRusempx: raw mode not supported */
	{ ERRSRV, 251, EOPNOTSUPP },  /* ERRusestd */
	{ ERRSRV, 2239, EKEYEXPIRED }, /* ERRaccountExpired */
	{ ERRSRV, 2240, EACCES },     /* ERRbadClient: workstation not allowed */
	{ ERRSRV, 2241, EACCES },     /* ERRbadLogonTime */
	{ ERRSRV, 2242, EKEYEXPIRED }, /* ERRpasswordExpired */
	{ ERRSRV, 0xFFFF, EOPNOTSUPP }, /* ERRnosupport */
	{ ERRHRD, 19, EROFS },        /* ERRnowrite */
	{ ERRHRD, 20, ENODEV },       /* ERRbadunit */
	{ ERRHRD, 21, EIO },          /* ERRnotready */
	{ ERRHRD, 22, EIO },          /* ERRbadcmd */
	{ ERRHRD, 23, EIO },          /* ERRdata */
	{ ERRHRD, 24, EIO },          /* ERRbadreq */
	{ ERRHRD, 25, EIO },          /* ERRseek */
	{ ERRHRD, 26, EIO },          /* ERRbadmedia */
	{ ERRHRD, 27, EIO },          /* ERRbadsector */
	{ ERRHRD, 29, EIO },          /* ERRwrite */
	{ ERRHRD, 30, EIO },          /* ERRread */
	{ ERRHRD, 31, EIO },          /* ERRgeneral */
	{ ERRHRD, 32, EBUSY },        /* ERRbadshare */
	{ ERRHRD, 33, EACCES },       /* ERRlock */
	{ ERRHRD, 34, EIO },          /* ERRwrongdisk */
	{ ERRHRD, 39, ENOSPC },       /* ERRdiskfull */
};

/* Values already logged as unknown.  Small and fixed: once full, further
 * unknown values are not logged (a server sending that many distinct
 * unknown codes has said enough). */
#define SEEN_MAX 64
static uint32_t seen[SEEN_MAX];
static unsigned int nseen;
G_LOCK_DEFINE_STATIC(seen);

/* True the first time a value is passed in. */
static bool first_sighting(uint32_t v)
{
	bool first = true;

	G_LOCK(seen);
	for (unsigned int i = 0; i < nseen; i++) {
		if (seen[i] == v) {
			first = false;
			break;
		}
	}
	if (first) {
		if (nseen < SEEN_MAX)
			seen[nseen++] = v;
		else
			first = false;
	}
	G_UNLOCK(seen);
	return first;
}

static const struct nt_map *nt_lookup(uint32_t status)
{
	for (size_t i = 0; i < G_N_ELEMENTS(nt_table); i++)
		if (nt_table[i].status == status)
			return &nt_table[i];
	return NULL;
}

int ntstatus_to_errno(uint32_t status)
{
	if (status == NT_STATUS_OK)
		return 0;
	const struct nt_map *e = nt_lookup(status);
	if (e)
		return -e->err;
	/* Severity (MS-ERREF 2.3): 0 success, 1 informational, 2 warning,
	 * 3 error.  Unknown warnings are treated as errors. */
	if (status >> 30 < 2)
		return 0;
	if (first_sighting(status))
		log_warn("unknown NT status 0x%08x, reported as EIO", status);
	return -EIO;
}

int doserror_to_errno(uint8_t err_class, uint16_t code)
{
	/* ERRSUCCESS */
	if (err_class == 0)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(dos_table); i++)
		if (dos_table[i].err_class == err_class && dos_table[i].code == code)
			return -dos_table[i].err;
	/* Keyed as the status field carries it, which cannot collide with a
	 * logged NT status (those have severity 2 or 3). */
	if (first_sighting((uint32_t)code << 16 | err_class))
		log_warn("unknown DOS error class %u code %u, reported as EIO", err_class, code);
	return -EIO;
}

int smb_hdr_errno(const struct smb_hdr *h)
{
	if (h->flags2 & SMB_FLAGS2_NT_STATUS)
		return ntstatus_to_errno(h->status);
	/* MS-CIFS 2.2.3.1: ErrorClass, Reserved, ErrorCode */
	return doserror_to_errno((uint8_t)(h->status & 0xFF), (uint16_t)(h->status >> 16));
}

/* The DOS forms: ERRSRV/ERRinvtid, ERRSRV/ERRbaduid, and ERRDOS/64
 * (ERROR_NETNAME_DELETED, what Samba sends for NETWORK_NAME_DELETED without
 * NT status codes). */
static bool dos_session_gone(uint8_t err_class, uint16_t code)
{
	return (err_class == ERRSRV && (code == 5 || code == 91)) ||
	       (err_class == ERRDOS && code == 64);
}

bool smb_hdr_session_gone(const struct smb_hdr *h)
{
	if (h->flags2 & SMB_FLAGS2_NT_STATUS)
		return h->status == NT_STATUS_NETWORK_NAME_DELETED ||
		       h->status == NT_STATUS_USER_SESSION_DELETED ||
		       h->status == NT_STATUS_NETWORK_SESSION_EXPIRED;
	return dos_session_gone((uint8_t)(h->status & 0xFF), (uint16_t)(h->status >> 16));
}

bool smb_hdr_bad_handle(const struct smb_hdr *h)
{
	if (h->flags2 & SMB_FLAGS2_NT_STATUS)
		return h->status == NT_STATUS_INVALID_HANDLE;
	return (h->status & 0xFF) == ERRDOS && (h->status >> 16) == 6;
}

const char *ntstatus_name(uint32_t status)
{
	static __thread char buf[sizeof("NT_STATUS_0x12345678")];
	const struct nt_map *e = nt_lookup(status);

	if (e)
		return e->name;
	snprintf(buf, sizeof(buf), "NT_STATUS_0x%08x", status);
	return buf;
}
