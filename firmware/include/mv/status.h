/*
 * status.h - results of the microvisor's secure calls, as the app sees them.
 * Freestanding; shared by the microvisor, the app SDK and the host tests.
 */
#ifndef MV_STATUS_H
#define MV_STATUS_H

/*
 * Every secure call that can fail returns an int32_t: 0 or a positive
 * count on success, one of these negative values on failure.  The values
 * are ABI: never renumber, only add.
 */
#define MV_OK 0
#define MV_EINVAL (-1)  /* an argument value is out of range */
#define MV_EFAULT (-2)  /* a pointer is NULL, secure, wraps or is not readable/writable by the caller */
#define MV_E2BIG (-3)   /* a length is over the call's limit */
#define MV_ESTATE (-4)  /* not allowed from the caller's current mode */
#define MV_ENOTSUP (-5) /* not available in this microvisor build */
#define MV_EBUSY (-6)   /* another app thread is inside a call on the same secure context: try again later (ABI 1.1) */

#endif
