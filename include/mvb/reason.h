/*
 * reason.h - the microvisor's texts, kept on the host ("deferred text", as
 * Zephyr's dictionary logging and defmt do): the microvisor prints a token
 * instead of English, and mvbuild puts the text back.  Two kinds:
 *
 *   "{#HEX}"          a reason code (firmware/include/mv/reason.h's
 *                     MV_REASON_TABLE): '{', '#', the code in lowercase
 *                     hexadecimal without leading zeros (1 to 8 digits; the
 *                     code 0 is "{#0}"), '}'.  Microvisors before message
 *                     tokens printed these; an app may print them too.
 *   "{@ID|ARG|...}"   a console message (firmware/include/mv/msg.h's
 *                     MV_MSG_LIST): '{', '@', the id in decimal without
 *                     leading zeros, then per value '|' and the value as the
 *                     firmware printed it (printable ASCII but '{', '|',
 *                     '}'), '}'.  Replaced by the message's text with the
 *                     values put in; a %r value ("0x" and 8 hex digits) is
 *                     shown as its reason's text.
 *
 * Both tables are the firmware's own headers, compiled here as they are:
 * one list for both ends.  Only a well-formed token of a listed code, or
 * of a listed message with exactly its number of values, at most
 * MVB_TOKEN_MAX bytes long, is replaced; anything else is left as it is,
 * byte for byte.  No text holds a token or a '{' (a unit test checks it),
 * so decoding decoded text changes nothing.  An app can print a token too:
 * its line starts with "app: " all the same.
 *
 * Everything here is pure and bounded: no allocation, every scan linear
 * in its input, every output within the caller's cap.
 */
#ifndef MVB_REASON_H
#define MVB_REASON_H

#include <stddef.h>
#include <stdint.h>

/* The longest token replaced. */
#define MVB_TOKEN_MAX 160u

/* The microvisor's text for a reason code, or NULL for a code it does not
 * list. */
const char *mvb_reason_text(uint32_t code);

/* The text of console message id (with its conversions), or NULL. */
const char *mvb_msg_text(uint32_t id);

/* The first token in in[0..len) that is replaced: returns its offset,
 * with its length in *tok_len; returns len (*tok_len 0) when there is
 * none. */
size_t mvb_token_find(const char *in, size_t len, size_t *tok_len);

/* What the token in[0..tok_len) (one mvb_token_find found) is replaced
 * with, into out as snprintf writes: at most cap - 1 bytes and a NUL
 * (nothing when cap is 0).  Returns the whole length. */
size_t mvb_token_text(const char *tok, size_t tok_len, char *out, size_t cap);

/* in[0..len) with every token replaced, into out as snprintf writes.
 * Returns the length of the whole decoded text, so a result >= cap means
 * it was cut short.  in may hold NUL bytes; they are copied. */
size_t mvb_console_decode(const char *in, size_t len, char *out, size_t cap);

/* For a reader that decodes a stream piece by piece: how many bytes at
 * the end of in[0..len) could be the start of a token the next piece
 * completes, 0 to MVB_TOKEN_MAX - 1.  Holding those back to the front of
 * the next piece (and decoding them as they are at the end) decodes the
 * stream exactly as mvb_console_decode decodes it whole. */
size_t mvb_console_pending(const char *in, size_t len);

#endif
