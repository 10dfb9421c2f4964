/*
 * reason.h - the microvisor's reason texts, kept on the host ("deferred
 * text", as Zephyr's dictionary logging and defmt do): the microvisor
 * prints a reason as the token "{#HEX}" instead of its English text, and
 * mvbuild puts the text back.
 *
 * The table is firmware/include/mv/reason.h's MV_REASON_TABLE, compiled
 * here as it is: one list of codes and texts for both ends.
 *
 * A token is exactly what the firmware's mv_printf("%r") prints: '{', '#',
 * the code in lowercase hexadecimal without leading zeros (1 to 8 digits;
 * the code 0 is "{#0}"), '}'.  Only a token of a code the table lists is
 * replaced; anything else (an unknown code, uppercase digits, leading
 * zeros, "0x", 9 digits, a missing brace, a token cut short) is left as it
 * is, byte for byte.  The texts hold no token themselves (a unit test
 * checks it), so decoding decoded text changes nothing.  An app can print
 * a token too: its line starts with "app: " all the same.
 *
 * Everything here is pure and bounded: no allocation, every scan linear
 * in its input, the output of mvb_reason_decode within the caller's cap.
 */
#ifndef MVB_REASON_H
#define MVB_REASON_H

#include <stddef.h>
#include <stdint.h>

/* The longest token: "{#" 8 digits "}". */
#define MVB_REASON_TOKEN_MAX 11u

/* The microvisor's text for a reason code, or NULL for a code it does not
 * list. */
const char *mvb_reason_text(uint32_t code);

/* The first token in in[0..len) of a code the table lists: returns its
 * offset, with its length in *tok_len and its code in *code; returns len
 * (*tok_len 0) when there is none. */
size_t mvb_reason_find(const char *in, size_t len, size_t *tok_len, uint32_t *code);

/* in[0..len) with every listed token replaced by its text, into out as
 * snprintf writes: at most cap - 1 bytes and a NUL (nothing when cap is
 * 0).  Returns the length of the whole decoded text, so a result >= cap
 * means it was cut short.  in may hold NUL bytes; they are copied. */
size_t mvb_reason_decode(const char *in, size_t len, char *out, size_t cap);

/* For a reader that decodes a stream piece by piece: how many bytes at
 * the end of in[0..len) could be the start of a token the next piece
 * completes ("{", "{#", "{#4", up to "{#" and 8 digits), 0 to
 * MVB_REASON_TOKEN_MAX - 1.  Holding those back to the front of the next
 * piece (and decoding them as they are at the end) decodes the stream
 * exactly as mvb_reason_decode decodes it whole. */
size_t mvb_reason_pending(const char *in, size_t len);

#endif
