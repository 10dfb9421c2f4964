/*
 * update_none.c - the microvisor image without the update client
 * (microvisor.elf; microvisor-ota.elf has core/update.c): no record is
 * read, nothing waits to be installed, the rollback floor is each app's
 * own counter, and the link declines UPDATE_NOW (link.c).
 */
#include <mvb/link.h>

#include "mv/core.h"

uint32_t mv_update_session(void)
{
	return MVL_R_FAILED;
}

uint32_t mv_update_floor(void)
{
	return 0;
}

uint32_t mv_update_index_version(void)
{
	return 0;
}

int mv_update_pending(void)
{
	return 0;
}
