/* What a server makes of a chmod (see modemask.h). */
#include "modemask.h"

#define PERM_BITS 07777

void modemask_learn(struct modemask *m, mode_t asked, mode_t got)
{
	asked &= PERM_BITS;
	got &= PERM_BITS;
	m->set_kept |= asked & got;
	m->set_dropped |= asked & ~got & PERM_BITS;
	m->clear_kept |= ~asked & ~got & PERM_BITS;
	m->clear_added |= ~asked & got & PERM_BITS;
	if ((m->set_kept & m->set_dropped) || (m->clear_kept & m->clear_added))
		m->broken = true;
}

bool modemask_predict(const struct modemask *m, mode_t asked, mode_t *got)
{
	asked &= PERM_BITS;
	mode_t clear = ~asked & PERM_BITS;
	if (m->broken || (asked & ~(m->set_kept | m->set_dropped)) ||
	    (clear & ~(m->clear_kept | m->clear_added)))
		return false;
	*got = (asked & m->set_kept) | (clear & m->clear_added);
	return true;
}
