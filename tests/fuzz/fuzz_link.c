/* fuzz_link.c - libFuzzer harness: the link's receiver (src/link) fed an
 * arbitrary byte stream, as a device or 'mvbuild serve' reads it from a
 * hostile other end; every frame it delivers goes through the message
 * readers.  Oracles: a delivered frame has a payload within the limit and
 * re-encodes to a wire frame that decodes to the same frame; a READ
 * request the reader accepts names nothing outside the repository; a
 * LOG_READ response it accepts holds exactly lk_count lines, each inside
 * the payload, and nothing after them.
 *
 * Covers: src/link/link.c
 */
#include <stdlib.h>
#include <string.h>
#include "mvl.h"

static struct mvl_rx rx, rx2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t wire[MVL_WIRE_MAX + 2], copy[MVL_PAYLOAD_MAX];
	mvl_rx_init(&rx);
	for (size_t i = 0; i < size; i++) {
		struct mvl_header h;
		const uint8_t *p;
		if (!mvl_rx_byte(&rx, data[i], &h, &p))
			continue;
		if (h.lf_len > MVL_PAYLOAD_MAX || h.lf_version != MVL_FORMAT)
			abort();
		memcpy(copy, p, h.lf_len);
		size_t n = mvl_encode(h.lf_stream, h.lf_type, h.lf_flags, h.lf_seq, copy, h.lf_len, wire, sizeof(wire));
		if (n == 0)
			abort();
		mvl_rx_init(&rx2);
		int got = 0;
		for (size_t k = 0; k < n; k++) {
			struct mvl_header h2;
			const uint8_t *p2;
			if (mvl_rx_byte(&rx2, wire[k], &h2, &p2)) {
				if (got++ || memcmp(&h, &h2, sizeof(h)) != 0 || memcmp(copy, p2, h.lf_len) != 0)
					abort();
			}
		}
		if (got != 1)
			abort();
		struct mvl_hello he;
		struct mvl_read rd;
		struct mvl_data da;
		struct mvl_error er;
		struct mvl_report rp;
		struct mvl_line li;
		struct mvl_status st;
		struct mvl_log_part lk;
		(void)mvl_get_hello(copy, h.lf_len, &he);
		if (mvl_get_read(copy, h.lf_len, MVL_PAYLOAD_MAX, &rd) == 0) {
			if (rd.lr_name_len == 0 || rd.lr_name_len > MVL_OBJECT_MAX || rd.lr_name[0] == '/' ||
			    (rd.lr_name_len >= 2 && rd.lr_name[0] == '.' && rd.lr_name[1] == '.' &&
			     (rd.lr_name_len == 2 || rd.lr_name[2] == '/')))
				abort();
			for (size_t k = 0; k + 3 < rd.lr_name_len; k++)
				if (memcmp(rd.lr_name + k, "/../", 4) == 0)
					abort();
		}
		(void)mvl_get_data(copy, h.lf_len, &da);
		(void)mvl_get_error(copy, h.lf_len, &er);
		(void)mvl_get_report(copy, h.lf_len, &rp);
		(void)mvl_get_line(copy, h.lf_len, &li);
		/* a status record that parses has string names and a known state */
		if (mvl_get_status(copy, h.lf_len, &st) == 0 &&
		    (st.ls_state > MVL_DEV_TRIAL || st.ls_board[31] || st.ls_app[31] || st.ls_serial[31]))
			abort();
		if (mvl_get_log_part(copy, h.lf_len, &lk) == 0) {
			size_t off = 0, tn, end = MVL_LOG_PART_SIZE;
			const uint8_t *text;
			uint32_t lines = 0;
			while (mvl_log_line(copy, h.lf_len, &off, &text, &tn)) {
				if (text < copy + end || text + tn > copy + h.lf_len)
					abort();
				end = (size_t)(text - copy) + tn;
				lines++;
			}
			if (lines != lk.lk_count || end != h.lf_len || lk.lk_next - lk.lk_first != lk.lk_count)
				abort();
		}
	}
	return 0;
}
