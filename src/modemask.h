/* What a server makes of a chmod, learned from what it answered before.
 *
 * Samba stores a mode set through the UNIX extensions as
 * (mode & "create mask") | "force create mode" (directories: the directory
 * mask and force mode), settings a client cannot see; so after a chmod the
 * mode is asked again.  The answers teach, bit by bit, what each of the 12
 * permission bits becomes when asked set and when asked clear; once every
 * bit of a request has been seen going the way it asks, the result is
 * known without asking.  A server whose answers disagree with that model
 * (one bit kept once and dropped another time) is never predicted again.
 * Files and directories are learned apart.  Pure; the caller locks. */
#ifndef SMBFUSE_MODEMASK_H
#define SMBFUSE_MODEMASK_H

#include <stdbool.h>
#include <sys/types.h>

struct modemask {
	mode_t set_kept, set_dropped;   /* asked set: came back set / clear */
	mode_t clear_kept, clear_added; /* asked clear: came back clear / set */
	bool broken;                    /* an answer the model cannot explain */
};

/* The server answered `got` to a chmod asking `asked`. */
void modemask_learn(struct modemask *m, mode_t asked, mode_t got);
/* true with *got what the server will make of `asked`, if every bit of it
 * has been seen. */
bool modemask_predict(const struct modemask *m, mode_t asked, mode_t *got);

#endif
