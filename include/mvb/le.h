/*
 * le.h - little-endian fields at any alignment, for the freestanding code
 * the host and the microvisor share (src/link, src/delta, the update
 * client).  On a little-endian target that takes unaligned loads (the
 * Armv8-M Mainline cores, x86, AArch64) each access is one load or
 * store through a packed type; anywhere else, bytes.  The bytes on the
 * wire or in flash are the same either way.
 */
#ifndef MVB_LE_H
#define MVB_LE_H

#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ &&                                         \
	(defined(__ARM_FEATURE_UNALIGNED) || defined(__x86_64__) || defined(__i386__) || defined(__aarch64__))
struct __attribute__((packed, may_alias)) mvb_ule32_ {
	uint32_t v;
};
struct __attribute__((packed, may_alias)) mvb_ule16_ {
	uint16_t v;
};
static inline uint32_t mvb_get_le32(const void *p)
{
	return ((const struct mvb_ule32_ *)p)->v;
}
static inline uint16_t mvb_get_le16(const void *p)
{
	return ((const struct mvb_ule16_ *)p)->v;
}
static inline void mvb_set_le32(void *p, uint32_t v)
{
	((struct mvb_ule32_ *)p)->v = v;
}
static inline void mvb_set_le16(void *p, uint16_t v)
{
	((struct mvb_ule16_ *)p)->v = v;
}
#else
static inline uint32_t mvb_get_le32(const void *q)
{
	const uint8_t *p = q;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint16_t mvb_get_le16(const void *q)
{
	const uint8_t *p = q;
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline void mvb_set_le32(void *q, uint32_t v)
{
	uint8_t *p = q;
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}
static inline void mvb_set_le16(void *q, uint16_t v)
{
	uint8_t *p = q;
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
#endif

#endif
