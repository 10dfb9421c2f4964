/* accept.c - may a release be installed over the running one (mvu.h):
 * the rollback rule shared by the device's update client and fetch. */
#include "mvu.h"

int mvu_accept(const struct mvu_release *running, const struct mvu_release *offered, unsigned flags)
{
	if (offered->counter < running->counter)
		return MVU_E_COUNTER;
	if (offered->version == running->version)
		return MVU_SAME;
	if (offered->version < running->version)
		return flags & MVU_ALLOW_OLDER ? MVU_INSTALL : MVU_E_OLDER;
	return MVU_INSTALL;
}
