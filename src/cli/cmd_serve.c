/* cmd_serve.c - `mvbuild serve`: the other end of a device's link
 * (mvbuild-link(5)).  It opens the link (a TCP socket, a serial port, or
 * QEMU started here with the link on UART4), feeds the bytes through the
 * codec both ends share (src/link), lets the core (src/core/serve.c)
 * answer each frame from the repository, read through store.c as fetch
 * reads it, and shows what the device says, reads and reports. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/link_dev.h"
#include "cli/probe.h"
#include "cli/progress.h"
#include "cli/serve_int.h"
#include "cli/store.h"
#include "link/mvl.h"
#include "mvb/hash.h"
#include "mvb/reason.h"
#include "mvb/repo.h"
#include "mvb/serve.h"
#include "sys/serial.h"
#include "sys/sys.h"

#define OBJECT_MAX ((size_t)16 << 20) /* a bundle larger than any board's flash */
#define WRITE_TIMEOUT_MS 10000        /* a response the device does not take in this is a dead link */
#define SAY_MAX 10                    /* messages per kind of misbehaviour; the rest are counted */
#define LINE_MAX_TEXT 1024            /* console bytes printed as one line at most */
#define LINE_DECODED_MAX 4096         /* ... and its text with reason tokens decoded */
#define LR_TRIES 3                    /* LOG_READ: sent this often, a second apart, then live lines only */
#define LR_HELD 64                    /* LINEs held back while LOG_READ is unanswered; one more: no wait */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Text from the device for JSON: printable ASCII only, so a hostile
 * device cannot make the document invalid UTF-8. */
void ascii(const char *in, size_t len, char *out, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < len && in[i] && o + 1 < n; i++)
		out[o++] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
	out[o] = 0;
}

/* ---- the repository, with the objects a session reads kept in memory */

/* Each session starts from the repository as it is then (a publish may
 * have replaced the index); within one the bytes stay the same, as the
 * device requires of ld_total. */
static void repo_forget(struct repo *r)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		mvb_buf_release(&r->slot[i].data);
		r->slot[i].name[0] = 0;
		r->slot[i].used = 0;
	}
}

static int repo_get(void *ctx, const char *name, const uint8_t **data, size_t *len, uint32_t *detail)
{
	struct repo *r = ctx;
	struct slot *victim = &r->slot[0];
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		struct slot *sl = &r->slot[i];
		if (sl->used && !strcmp(sl->name, name)) {
			sl->used = ++r->tick;
			*data = sl->data.data ? sl->data.data : (const uint8_t *)"";
			*len = sl->data.len;
			return 0;
		}
		if (sl->used < victim->used)
			victim = sl;
	}
	mvb_buf_release(&victim->data);
	victim->used = 0;
	size_t max = mvb_serve_object_of(name) == MVB_SERVE_OBJ_INDEX ? MVB_REPO_MAX_SIZE : OBJECT_MAX;
	int rc = store_get(&r->s, name, max, &victim->data); /* reports its own errors */
	if (rc == STORE_MISSING)
		return MVL_E_NOT_FOUND;
	if (rc) {
		mvb_buf_release(&victim->data);
		*detail = rc == MVB_EXIT_FINDINGS ? EFBIG : EIO;
		return MVL_E_REPOSITORY;
	}
	snprintf(victim->name, sizeof(victim->name), "%s", name);
	victim->used = ++r->tick;
	*data = victim->data.data ? victim->data.data : (const uint8_t *)"";
	*len = victim->data.len;
	return 0;
}

/* ---- one update session: from a HELLO to the next */

static const char *const end_name[] = { "none", "report", "timeout", "closed", "qemu-exit", "interrupted", "error" };

/* A LINE that came while LOG_READ was unanswered. */
struct held_line {
	uint32_t seq, lost;
	uint16_t len;
	uint8_t text[MVL_PAYLOAD_MAX - MVL_LINE_SIZE];
};

void live_clear(struct run *r)
{
	if (r->live) {
		fputs("\r\033[K", stderr);
		r->live = 0;
	}
}

void say(struct run *r, const char *fmt, ...)
{
	char msg[1024], clean[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_sanitize(msg, clean, sizeof(clean));
	live_clear(r);
	fprintf(stderr, "mvbuild: %s: %s\n", r->tag, clean);
}

/* A line of the device's own output: "log| " for LINE frames from the
 * link, "console| " for what QEMU's UART0 prints; the microvisor's message
 * and reason tokens ("{@5|0x00004103}", "{#4103}") shown as their texts
 * (mvbuild-decode(1)), a decoded line cut at LINE_DECODED_MAX. */
static void clean_line(const char *text, size_t len, char clean[LINE_DECODED_MAX + 1])
{
	char raw[LINE_MAX_TEXT + 1], dec[LINE_DECODED_MAX + 1];
	if (len > LINE_MAX_TEXT)
		len = LINE_MAX_TEXT;
	memcpy(raw, text, len);
	raw[len] = 0;
	for (size_t i = 0; i < len; i++) /* a NUL in the text is shown, not an end */
		if (!raw[i])
			raw[i] = '?';
	while (len && (raw[len - 1] == '\r' || raw[len - 1] == '\n'))
		raw[--len] = 0;
	mvb_console_decode(raw, len, dec, sizeof(dec));
	cli_sanitize(dec, clean, LINE_DECODED_MAX + 1);
}

static void device_line(struct run *r, const char *prefix, const char *text, size_t len)
{
	char clean[LINE_DECODED_MAX + 1];
	clean_line(text, len, clean);
	live_clear(r);
	fprintf(r->dev_out, "%s%s\n", prefix, clean);
	fflush(r->dev_out);
}

/* QEMU's console, a line at a time (struct link_dev). */
static void console_line(void *ctx, const char *text, size_t len)
{
	device_line(ctx, "console| ", text, len);
}

void version_or_none(uint32_t v, char *o, size_t n)
{
	if (v)
		cli_version_str(v, o, n);
	else
		snprintf(o, n, "none");
}

const char *state_name(uint32_t s)
{
	return s == MVL_DEV_RUNNING      ? "running"
	       : s == MVL_DEV_SAFE       ? "safe mode"
	       : s == MVL_DEV_INSTALLING ? "installing"
	       : s == MVL_DEV_STARTING   ? "starting"
	       : s == MVL_DEV_TRIAL      ? "on trial"
	                                 : NULL;
}

void reason_str(uint32_t reason, char *o, size_t n)
{
	const char *t = mvb_reason_text(reason);
	if (t)
		snprintf(o, n, "reason 0x%04x: %s", (unsigned)reason, t);
	else
		snprintf(o, n, "reason 0x%04x", (unsigned)reason);
}

static void session_start(struct run *r, const struct mvl_hello *h)
{
	struct session *s = &r->ses;
	if (s->hello_seen && !s->have_report && s->nobj)
		say(r, "the device started over (a new HELLO) before it reported");
	struct mvb_repo_index *x = s->x;
	memset(s, 0, sizeof(*s));
	s->x = x;
	if (x)
		memset(x, 0, sizeof(*x));
	mvb_serve_follow_init(&s->fw);
	s->hello_seen = 1;
	s->hello = *h;
	s->t0 = progress_now();
	r->sessions++;
	repo_forget(&r->repo);
	char fw[24], app[24], board[33], name[33], chan[17], rs[160];
	cli_version_str(h->lh_fw_version, fw, sizeof(fw));
	version_or_none(h->lh_app_version, app, sizeof(app));
	cli_sanitize(h->lh_board, board, sizeof(board));
	cli_sanitize(h->lh_app, name, sizeof(name));
	cli_sanitize(h->lh_channel, chan, sizeof(chan));
	const char *st = state_name(h->lh_state);
	char stn[32];
	if (!st) {
		snprintf(stn, sizeof(stn), "state %u", (unsigned)h->lh_state);
		st = stn;
	}
	rs[0] = 0;
	if (h->lh_reason) {
		char t[140];
		reason_str(h->lh_reason, t, sizeof(t));
		snprintf(rs, sizeof(rs), " (%s)", t);
	}
	if (r->status_mode || r->cg)
		return; /* the status record says it all; crash get: not what it is about */
	char who[80];
	if (h->lh_app_version)
		snprintf(who, sizeof(who), "app '%s' %s", name, app);
	else
		snprintf(who, sizeof(who), name[0] ? "app '%s' not installed" : "no app installed", name);
	say(r, "device: board '%s', %s, channel '%s', microvisor %s (ABI %u.%u), %s%s, counter floor %u, index version %u",
	    board, who, chan, fw, (unsigned)(h->lh_abi >> 16), (unsigned)(h->lh_abi & 0xffff), st, rs,
	    (unsigned)h->lh_counter_floor, (unsigned)h->lh_index_version);
}

int send_wire(struct run *r, const uint8_t *wire, size_t n)
{
	int ms = WRITE_TIMEOUT_MS;
	if (r->deadline > 0 && (r->deadline - progress_now()) * 1000 < ms)
		ms = (int)((r->deadline - progress_now()) * 1000) + 1;
	int w = ms > 0 ? sys_write_deadline(r->ld.fd, wire, n, ms) : -3;
	if (w == -3 || (w == -2 && ms < WRITE_TIMEOUT_MS)) {
		r->end = END_TIMEOUT; /* the run's time is up while the device does not read */
		return -1;
	}
	if (w) {
		if (w == -2)
			say(r, "the device has not taken a response for %d s; giving up on the link", WRITE_TIMEOUT_MS / 1000);
		else
			say(r, "cannot write to the link: %s", strerror(errno));
		r->end = END_ERROR;
		return -1;
	}
	r->bytes_out += n;
	r->frames_out++;
	return 0;
}

static void send_update_now(struct run *r)
{
	uint8_t wire[MVB_SERVE_WIRE_MAX];
	size_t n = mvl_encode(MVL_S_CONTROL, MVL_T_UPDATE_NOW, 0, r->un_seq, NULL, 0, wire, sizeof(wire));
	if (send_wire(r, wire, n))
		return;
	r->un_sent++;
	r->un_at = progress_now();
	if (r->un_sent == 1)
		say(r, "asked the device to look for an update now (UPDATE_NOW)");
}

/* mvbuild logs: one line, kept or live.  A jump in its sequence number,
 * or the device's own count of lines it could not send or no longer
 * keeps, is said and counted. */
static void log_line(struct run *r, uint32_t seq, uint32_t lost, const uint8_t *text, size_t len)
{
	uint32_t gap = (r->seen_line || r->lr_skip) && seq != r->next_seq ? seq - r->next_seq : 0;
	if (gap > 0x7fffffffu) /* the device started again (its count restarts) */
		gap = 0;
	gap += lost;
	if (gap) {
		r->lost += gap;
		say(r, "%u line%s lost before line %u", (unsigned)gap, gap == 1 ? "" : "s", (unsigned)seq);
	}
	r->seen_line = 1;
	r->next_seq = seq + 1;
	r->lines++;
	r->last_line = progress_now();
	char clean[LINE_DECODED_MAX + 1];
	clean_line((const char *)text, len, clean);
	if (r->lj) {
		json_obj(r->lj, NULL);
		json_int(r->lj, "seq", seq);
		json_str(r->lj, "text", clean);
		json_end_obj(r->lj);
	} else {
		live_clear(r);
		printf("%s\n", clean);
		fflush(stdout);
	}
}

/* The LINEs held back while LOG_READ was unanswered, those the kept ones
 * did not show; from now on LINEs are shown as they come. */
static void log_release(struct run *r)
{
	r->lr_waiting = 0;
	for (unsigned i = 0; i < r->nheld; i++) {
		const struct held_line *l = &r->held[i];
		if (!r->lr_skip || l->seq >= r->lr_next)
			log_line(r, l->seq, l->lost, l->text, l->len);
	}
	r->nheld = 0;
}

/* A LINE in logs mode: held while LOG_READ waits for its answer, dropped
 * when the kept lines showed it already, else shown. */
static void log_live(struct run *r, const struct mvb_serve_out *o)
{
	if (r->lr_waiting && r->nheld == LR_HELD)
		log_release(r); /* a device this chatty gets no longer wait */
	if (r->lr_waiting) {
		struct held_line *l = &r->held[r->nheld++];
		size_t n = o->text_len < sizeof(l->text) ? o->text_len : sizeof(l->text);
		l->seq = o->line.ll_seq;
		l->lost = o->line.ll_lost;
		l->len = (uint16_t)n;
		memcpy(l->text, o->text, n);
		return;
	}
	if (r->lr_skip && o->line.ll_seq < r->lr_next)
		return;
	log_line(r, o->line.ll_seq, o->line.ll_lost, o->text, o->text_len);
}

static void send_log_read(struct run *r)
{
	uint8_t wire[MVB_SERVE_WIRE_MAX], req[MVL_LOG_REQ_SIZE];
	struct mvl_log_req q = { r->lr_from, 0 };
	mvl_put_log_req(req, &q);
	size_t n = mvl_encode(MVL_S_LOG, MVL_T_LOG_READ, 0, r->lr_seq, req, sizeof(req), wire, sizeof(wire));
	if (send_wire(r, wire, n))
		return;
	r->lr_sent++;
	r->lr_at = progress_now();
}

/* The answer to LOG_READ: the kept lines from --from on, numbered from
 * lk_first, those it no longer keeps counted as lost; then the held
 * LINEs that came after them.  An error 5 is a microvisor before LOG_READ:
 * live lines only, said nowhere. */
static void log_kept(struct run *r, const struct mvb_serve_out *o, const struct mvl_header *h, const uint8_t *payload)
{
	struct mvl_log_part k;
	if (o->error) {
		if (o->error != MVL_E_UNSUPPORTED)
			say(r, "the device answered LOG_READ with error %u (%s); showing its live lines only",
			    (unsigned)o->error, link_dev_error_text(o->error));
	} else if (mvl_get_log_part(payload, h->lf_len, &k)) {
		say(r, "the device's answer to LOG_READ is malformed (%u bytes); showing its live lines only",
		    (unsigned)h->lf_len);
	} else {
		const uint8_t *text;
		size_t off = 0, len;
		uint32_t seq = k.lk_first, lost = k.lk_lost;
		/* held LINEs older than the first it keeps (its ring turned
		 * over while it was asked) come first: those are not lost */
		for (unsigned i = 0; i < r->nheld; i++) {
			const struct held_line *l = &r->held[i];
			if (l->seq >= r->lr_from && l->seq < k.lk_first) {
				log_line(r, l->seq, l->lost, l->text, l->len);
				lost = 0; /* the gap to the kept ones counts what is */
			}
		}
		while (mvl_log_line(payload, h->lf_len, &off, &text, &len)) {
			if (seq >= r->lr_from) {
				log_line(r, seq, lost, text, len);
				lost = 0;
			}
			seq++;
		}
		if (lost) { /* none of the kept lines came after them */
			r->lost += lost;
			say(r, "%u line%s lost before line %u", (unsigned)lost, lost == 1 ? "" : "s",
			    (unsigned)k.lk_next);
		}
		r->next_seq = r->lr_next = k.lk_next; /* the next live line's gap counts from here */
		r->lr_skip = 1;
	}
	log_release(r);
}

static void send_status(struct run *r)
{
	uint8_t wire[MVB_SERVE_WIRE_MAX];
	size_t n = mvl_encode(MVL_S_STATUS, MVL_T_STATUS, 0, r->st_seq, NULL, 0, wire, sizeof(wire));
	if (send_wire(r, wire, n))
		return;
	r->st_sent++;
	r->st_at = progress_now();
}

/* mvbuild status has no repository: a device that reads one is told no. */
int no_repo_get(void *ctx, const char *name, const uint8_t **data, size_t *len, uint32_t *detail)
{
	(void)ctx, (void)name, (void)data, (void)len, (void)detail;
	return MVL_E_NOT_FOUND;
}

/* The object a successful READ touched, added on its first read. */
static struct object *object_of(struct run *r, const char *name)
{
	struct session *s = &r->ses;
	for (unsigned i = 0; i < s->nobj; i++)
		if (!strcmp(s->obj[i].name, name))
			return &s->obj[i];
	if (s->nobj == SESSION_OBJECTS)
		return NULL;
	struct object *o = &s->obj[s->nobj++];
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->t0 = progress_now();
	o->kind = 3;
	if (mvb_serve_object_of(name) == MVB_SERVE_OBJ_INDEX) {
		o->kind = 0;
	} else if (s->x && s->x->nrel) {
		int k = mvb_serve_update_kind(s->x, name, &s->from, &s->to);
		o->kind = k ? k : 3;
		s->update = k;
	}
	return o;
}

/* The index the device reads, parsed (not trusted: only to name what the
 * device then reads as full or delta). */
static void parse_index(struct run *r, const char *name)
{
	struct session *s = &r->ses;
	const uint8_t *data;
	size_t len;
	uint32_t detail;
	if (repo_get(&r->repo, name, &data, &len, &detail))
		return;
	if (!s->x && !(s->x = calloc(1, sizeof(*s->x))))
		return;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_repo_parse(s->x, name, data, len, &d))
		memset(s->x, 0, sizeof(*s->x));
	mvb_diags_release(&d);
}

static void on_read(struct run *r)
{
	const struct mvb_serve_out *o = &r->out;
	struct session *s = &r->ses;
	if (o->error) {
		if (++r->read_errors[o->error < 6 ? o->error : 0] <= SAY_MAX) {
			char nm[MVB_SERVE_PATH_MAX + 1];
			cli_sanitize(o->name[0] ? o->name : "(unreadable name)", nm, sizeof(nm));
			say(r, "device read '%s' at %u (%u bytes): answered error %u (%s)", nm, (unsigned)o->read.lr_offset,
			    (unsigned)o->read.lr_length, (unsigned)o->error, link_dev_error_text(o->error));
		}
		return;
	}
	s->bytes += o->served;
	struct object *ob = object_of(r, o->name);
	if (!ob) {
		s->other_bytes += o->served;
		return;
	}
	int first = ob->bytes == 0 && ob->reach == 0;
	uint32_t before = ob->reach;
	ob->bytes += o->served;
	ob->total = o->total;
	if (o->read.lr_offset + o->served > ob->reach)
		ob->reach = o->read.lr_offset + o->served;
	if (ob->kind == 0 && ob->reach == ob->total && before != ob->reach)
		parse_index(r, o->name);
	char tot[32], got[32];
	progress_size(ob->total, tot, sizeof(tot));
	static const char *const kinds[] = { "index", "full bundle", "delta bundle", "bundle" };
	if (!r->tty || r->json) {
		if (first && !r->json)
			say(r, "device reads %s '%s' (%s)", kinds[ob->kind], ob->name, tot);
		if (ob->reach == ob->total && before != ob->total && !r->json)
			say(r, "device has read '%s' (%s, %.1f s)", ob->name, tot, progress_now() - ob->t0);
		return;
	}
	/* a live line on a terminal, at most ten times a second */
	double t = progress_now();
	int done = ob->reach == ob->total;
	if (!done && r->live && t - r->live_at < 0.1)
		return;
	r->live_at = t;
	progress_size(ob->reach, got, sizeof(got));
	char shown[MVB_SERVE_PATH_MAX + 1];
	const char *sl = strrchr(ob->name, '/');
	/* objects/<64 hex>.mvb is shown with 12 hex digits */
	if (sl && strlen(sl + 1) == 68)
		snprintf(shown, sizeof(shown), "%.*s%.12s....mvb", (int)(sl + 1 - ob->name), ob->name, sl + 1);
	else
		snprintf(shown, sizeof(shown), "%s", ob->name);
	unsigned pct = ob->total ? (unsigned)((uint64_t)ob->reach * 100 / ob->total) : 100;
	fprintf(stderr, "\r\033[Kmvbuild: serve: %s %s: %s of %s (%u%%)", kinds[ob->kind], shown, got, tot, pct);
	r->live = 1;
	if (done) {
		fprintf(stderr, " in %.1f s\n", t - ob->t0);
		r->live = 0;
	}
	fflush(stderr);
}

/* The REPORT that says how the session ended: the trial's outcome when
 * one came, else the session's own. */
static const struct mvl_report *final_report(const struct session *s)
{
	return s->fw.have_outcome ? &s->fw.outcome : &s->report;
}

/* A REVERTED report in words: the release rejected, why (the device's
 * reason, its text first) and what runs now. */
static void rejected_parts(const struct mvl_report *p, char rej[24], char why[160], char back[64])
{
	const char *t = mvb_reason_text(p->lp_reason);
	version_or_none(p->lp_from_version, rej, 24);
	if (t)
		snprintf(why, 160, "%s (reason 0x%04x)", t, (unsigned)p->lp_reason);
	else
		snprintf(why, 160, "reason 0x%04x", (unsigned)p->lp_reason);
	if (p->lp_to_version) {
		char v[24];
		cli_version_str(p->lp_to_version, v, sizeof(v));
		snprintf(back, 64, "reverted to %s", v);
	} else {
		snprintf(back, 64, "the revert failed: no app runs until an update");
	}
}

/* A REPORT, shown; a session's own (not the trial's, nor one the device
 * sends while on trial) is kept as the session's. */
static void on_report(struct run *r, enum mvb_serve_phase before)
{
	const struct mvl_report *p = &r->out.report;
	struct session *s = &r->ses;
	int trial_outcome = p->lp_outcome == MVL_R_CONFIRMED || p->lp_outcome == MVL_R_REVERTED;
	double t = progress_now();
	if (trial_outcome) {
		s->t_outcome = t;
	} else if (before != MVB_SERVE_PH_TRIAL) {
		s->have_report = 1;
		s->report = *p;
		s->t_report = t;
	}
	char from[24], to[24], rs[160], moved[32];
	version_or_none(p->lp_from_version, from, sizeof(from));
	version_or_none(p->lp_to_version, to, sizeof(to));
	reason_str(p->lp_reason, rs, sizeof(rs));
	progress_size(s->bytes, moved, sizeof(moved));
	const char *how = s->update == 2 ? " as a delta" : s->update == 1 ? " as a full bundle" : "";
	switch (p->lp_outcome) {
	case MVL_R_INSTALLED:
		say(r, "device reports: installed %s%s (was %s); %s served in %.1f s", to, how, from, moved, t - s->t0);
		break;
	case MVL_R_UP_TO_DATE:
		say(r, "device reports: up to date (%s)", from);
		break;
	case MVL_R_REFUSED:
		say(r, "device reports: refused %s (runs %s): %s%s", to, from, rs,
		    before == MVB_SERVE_PH_TRIAL ? "; the trial goes on" : "");
		break;
	case MVL_R_CONFIRMED:
		say(r, "device reports: %s confirmed (was %s)", to, from);
		break;
	case MVL_R_REVERTED: {
		char rej[24], why[160], back[64];
		rejected_parts(p, rej, why, back);
		say(r, "device reports: %s rejected on this device: %s; %s", rej, why, back);
		break;
	}
	default:
		say(r, "device reports: the link or the repository failed (%s); it will try again", rs);
		break;
	}
}

/* A HELLO after the session's install: the installed release starting
 * (on trial or not), or the device starting again during the trial. */
static void hello_after_install(struct run *r, const struct mvl_hello *h, enum mvb_serve_phase before,
				enum mvb_serve_phase after)
{
	char app[24], name[33], st[160];
	version_or_none(h->lh_app_version, app, sizeof(app));
	cli_sanitize(h->lh_app, name, sizeof(name));
	const char *sn = state_name(h->lh_state);
	snprintf(st, sizeof(st), "%s", sn ? sn : "an unknown state");
	if (h->lh_reason) {
		char t[140];
		reason_str(h->lh_reason, t, sizeof(t));
		snprintf(st + strlen(st), sizeof(st) - strlen(st), ", %s", t);
	}
	if (before == MVB_SERVE_PH_STARTING && after == MVB_SERVE_PH_TRIAL)
		say(r, "device: now running '%s' %s on trial%s", name, app,
		    r->once ? "; waiting for it to be confirmed or rejected" : "");
	else if (before == MVB_SERVE_PH_STARTING)
		say(r, "device: now running '%s' %s (%s)", name, app,
		    h->lh_state == MVL_DEV_RUNNING ? "started" : "not started");
	else
		say(r, "device: said HELLO again during the trial: '%s' %s, %s", name, app, st);
}

static void on_frame(struct run *r, const struct mvl_header *h, const uint8_t *payload)
{
	struct mvb_serve_out *o = &r->out;
	struct session *s = &r->ses;
	mvb_serve_handle(&r->core, h, payload, o);
	if (o->wire_len && send_wire(r, o->wire, o->wire_len))
		return;
	enum mvb_serve_phase before = s->fw.phase, after;
	switch (o->what) {
	case MVB_SERVE_HELLO:
		if (before == MVB_SERVE_PH_STARTING || before == MVB_SERVE_PH_TRIAL) {
			/* the session's install goes on: the release it installed
			 * starts, on trial or not */
			after = mvb_serve_follow_step(&s->fw, o);
			if (after == MVB_SERVE_PH_DONE && !r->once) {
				session_start(r, &o->hello); /* a new session of the release installed */
				mvb_serve_follow_step(&s->fw, o);
				break;
			}
			hello_after_install(r, &o->hello, before, after);
			if (after == MVB_SERVE_PH_TRIAL && before != MVB_SERVE_PH_TRIAL) {
				s->t_trial = progress_now();
				r->await_until = 0; /* the trial lasts as long as it lasts: --timeout bounds it */
			}
			if (after == MVB_SERVE_PH_DONE)
				r->end = END_REPORT;
			break;
		}
		session_start(r, &o->hello);
		if (r->logs_mode && !r->lr_waiting)
			r->lr_skip = 0; /* the device may have started again: its line numbers with it */
		if (mvb_serve_follow_step(&s->fw, o) == MVB_SERVE_PH_TRIAL) {
			s->t_trial = progress_now();
			if (r->once && !r->status_mode && !r->logs_mode)
				say(r, "device: its release is on trial; waiting for it to be confirmed or rejected");
		}
		if (r->update_now && !r->un_sent)
			send_update_now(r);
		break;
	case MVB_SERVE_READ:
		if (!r->cg) /* crash get: the update sessions of a device in safe mode are not its business */
			on_read(r);
		break;
	case MVB_SERVE_REPORT:
		if (r->cg)
			break;
		if (before == MVB_SERVE_PH_DONE) /* another session without a HELLO between */
			mvb_serve_follow_init(&s->fw);
		before = s->fw.phase;
		after = mvb_serve_follow_step(&s->fw, o);
		on_report(r, before);
		/* --once: after an install, the new release's HELLO is worth
		 * waiting for (a few seconds): it says whether it runs on trial,
		 * and then the trial's outcome ends the run */
		if (r->once && after == MVB_SERVE_PH_STARTING)
			r->await_until = progress_now() + 10.0;
		else if (r->once && after == MVB_SERVE_PH_DONE)
			r->end = END_REPORT;
		break;
	case MVB_SERVE_PING:
		break;
	case MVB_SERVE_LINE:
		if (r->logs_mode) {
			log_live(r, o);
			break;
		}
		if (o->line.ll_lost) {
			char m[64];
			snprintf(m, sizeof(m), "(%u lines lost before this one)", (unsigned)o->line.ll_lost);
			device_line(r, "log| ", m, strlen(m));
		}
		device_line(r, "log| ", (const char *)o->text, o->text_len);
		break;
	case MVB_SERVE_RESPONSE:
		if (r->cg && cg_response(r, h, payload))
			break;
		if (r->logs_mode && r->lr_sent && h->lf_stream == MVL_S_LOG && h->lf_type == MVL_T_LOG_READ &&
		    h->lf_seq == r->lr_seq) {
			if (r->lr_waiting) /* else answered already, or given up on */
				log_kept(r, o, h, payload);
			break;
		}
		if (r->status_mode && !r->st_have && h->lf_stream == MVL_S_STATUS && h->lf_type == MVL_T_STATUS &&
		    h->lf_seq == r->st_seq) {
			if (o->error == MVL_E_TOO_SOON) {
				break; /* another peer asked just now: the next try gets it */
			} else if (o->error) {
				r->st_error = o->error;
				r->end = END_REPORT;
			} else if (mvl_get_status(payload, h->lf_len, &r->st)) {
				say(r, "the device's status record is malformed (%u bytes)", h->lf_len);
				r->end = END_ERROR;
			} else {
				r->st_have = 1;
				r->end = END_REPORT;
			}
			break;
		}
		if (r->un_sent && !r->un_answered && h->lf_stream == MVL_S_CONTROL && h->lf_type == MVL_T_UPDATE_NOW &&
		    h->lf_seq == r->un_seq) {
			r->un_answered = 1;
			if (o->error)
				say(r, "the device declined UPDATE_NOW: error %u (%s)", (unsigned)o->error,
				    o->error == MVL_E_UNSUPPORTED ? "not now" : link_dev_error_text(o->error));
			else
				say(r, "the device starts an update session (UPDATE_NOW accepted)");
		} else if (++r->stray <= SAY_MAX) {
			say(r, "ignored a response to nothing asked (stream %u, type %u, seq %u)", h->lf_stream, h->lf_type,
			    h->lf_seq);
		}
		break;
	case MVB_SERVE_BAD:
		if (++r->bad <= SAY_MAX)
			say(r, "device sent a malformed %s (stream %u, type %u, %u bytes)%s",
			    h->lf_stream == MVL_S_LOG ? "log line" : "request", h->lf_stream, h->lf_type, h->lf_len,
			    o->wire_len ? ": answered error 4" : ": ignored");
		break;
	case MVB_SERVE_UNSUPPORTED:
		if (++r->unsupported <= SAY_MAX)
			say(r, "device sent a request this end does not serve (stream %u, type %u): answered error 5",
			    h->lf_stream, h->lf_type);
		break;
	}
}

/* Reads and answers until the run ends (r->end). */
void serve_loop(struct run *r, double deadline)
{
	uint8_t buf[4096];
	while (r->end == END_NONE) {
		double t = progress_now();
		if (interrupted) {
			r->end = END_INTERRUPTED;
			break;
		}
		if (r->await_until > 0 && (t >= r->await_until || (deadline > 0 && t >= deadline))) {
			say(r, "device: no HELLO from the installed release yet");
			r->end = END_REPORT;
			break;
		}
		if (deadline > 0 && t >= deadline) {
			r->end = END_TIMEOUT;
			break;
		}
		/* mvbuild logs without --follow: done once the device has been
		 * quiet for 2 s after its first line */
		if (r->logs_mode && !r->follow && r->seen_line && t - r->last_line >= 2.0) {
			r->end = END_REPORT;
			break;
		}
		if (r->un_sent && !r->un_answered && r->un_sent < 3 && t - r->un_at >= 1.0)
			send_update_now(r);
		/* a device QEMU just started is asked once it has settled: a
		 * second after its last HELLO (an app start, safe mode), or
		 * after 3 s without one */
		int settled = !r->qemu_image || (r->ses.hello_seen && t - r->ses.t0 >= 1.0) || t - r->start >= 3.0;
		if (r->status_mode && (r->st_sent == 0 || t - r->st_at >= 1.0) && settled) {
			send_status(r);
			if (r->end != END_NONE)
				break;
		}
		if (r->cg && settled) {
			cg_tick(r, t);
			if (r->end != END_NONE)
				break;
		}
		if (r->lr_waiting && settled && (r->lr_sent == 0 || t - r->lr_at >= 1.0)) {
			if (r->lr_sent == LR_TRIES) {
				log_release(r); /* no answer: live lines only */
			} else {
				send_log_read(r);
				if (r->end != END_NONE)
					break;
			}
		}
		int wait = 200;
		if (deadline > 0 && (deadline - t) * 1000 < wait)
			wait = (int)((deadline - t) * 1000) + 1;
		struct pollfd p[2] = { { r->ld.fd, POLLIN, 0 }, { r->ld.console_fd, POLLIN, 0 } };
		int np = r->ld.console_fd >= 0 ? 2 : 1;
		int pr = poll(p, (nfds_t)np, wait);
		if (pr < 0 && errno != EINTR) {
			say(r, "cannot wait for the link: %s", strerror(errno));
			r->end = END_ERROR;
			break;
		}
		if (np == 2 && (p[1].revents & (POLLIN | POLLHUP)))
			link_dev_console_drain(&r->ld, 0);
		if (pr > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t k = read(r->ld.fd, buf, sizeof(buf));
			if (k == 0 || (k < 0 && (errno == ECONNRESET || errno == EIO))) {
				/* QEMU closes the link as it exits: that is the device's end */
				int st;
				if (r->ld.qemu > 0 && sys_wait(r->ld.qemu, 2000, &st) == 0) {
					r->ld.qemu = -1;
					r->ld.qemu_status = st;
					r->end = END_QEMU;
				} else {
					r->end = END_CLOSED;
				}
				if (r->await_until > 0) /* reported installed: the end came after it */
					r->end = END_REPORT;
				break;
			}
			if (k < 0 && errno != EAGAIN && errno != EINTR) {
				say(r, "cannot read the link: %s", strerror(errno));
				r->end = END_ERROR;
				break;
			}
			for (ssize_t i = 0; i < k && r->end == END_NONE; i++) {
				struct mvl_header h;
				const uint8_t *payload;
				if (mvl_rx_byte(&r->rx, buf[i], &h, &payload))
					on_frame(r, &h, payload);
			}
			if (k > 0)
				r->bytes_in += (uint64_t)k;
		}
		if (r->ld.qemu > 0) {
			int st;
			if (sys_wait(r->ld.qemu, 0, &st) == 0) {
				r->ld.qemu = -1;
				r->ld.qemu_status = st;
				/* what the device sent before it ended is still answered */
				if (r->end == END_NONE)
					r->end = END_QEMU;
			}
		}
	}
}

/* "reason": the code, "reason_text": the microvisor's text for it (null
 * for 0 or a code it does not list). */
void json_reason(struct json *j, uint32_t code)
{
	const char *rt = code ? mvb_reason_text(code) : NULL;
	json_int(j, "reason", code);
	if (rt)
		json_str(j, "reason_text", rt);
	else
		json_null(j, "reason_text");
}

/* The session's trial and the release it rejected, when there was one:
 * "trial" {version, outcome: null while it lasts, seconds}, "rejected"
 * {version, reason, reason_text, reverted_to} (mvbuild-serve(1)). */
static void json_trial(struct json *j, const struct session *s)
{
	const struct mvl_report *o = &s->fw.outcome;
	int ended = s->fw.have_outcome && (o->lp_outcome == MVL_R_CONFIRMED || o->lp_outcome == MVL_R_REVERTED);
	char t[64];
	if (!s->fw.trial && !ended) {
		json_null(j, "trial");
		json_null(j, "rejected");
		return;
	}
	/* the release on trial: its HELLO's, else the outcome's */
	uint32_t v = s->fw.trial_version;
	if (!v && ended)
		v = o->lp_outcome == MVL_R_CONFIRMED ? o->lp_to_version : o->lp_from_version;
	json_obj(j, "trial");
	if (v) {
		cli_version_str(v, t, sizeof(t));
		json_str(j, "version", t);
	} else {
		json_null(j, "version");
	}
	if (ended)
		json_str(j, "outcome", o->lp_outcome == MVL_R_CONFIRMED ? "confirmed" : "reverted");
	else
		json_null(j, "outcome");
	if (ended && s->fw.trial) {
		snprintf(t, sizeof(t), "%.3f", s->t_outcome - s->t_trial);
		json_raw(j, "seconds", t);
	} else {
		json_null(j, "seconds"); /* not over, or begun before this run saw it */
	}
	json_end_obj(j);
	if (!ended || o->lp_outcome != MVL_R_REVERTED) {
		json_null(j, "rejected");
		return;
	}
	json_obj(j, "rejected");
	version_or_none(o->lp_from_version, t, sizeof(t));
	json_str(j, "version", t);
	json_reason(j, o->lp_reason);
	if (o->lp_to_version) {
		cli_version_str(o->lp_to_version, t, sizeof(t));
		json_str(j, "reverted_to", t);
	} else {
		json_null(j, "reverted_to");
	}
	json_end_obj(j);
}

/* The members of the run's document (cli_finish closes and prints it). */
static void json_doc(struct run *r, struct json *j, double total)
{
	struct session *s = &r->ses;
	char t[64], hex[65];
	json_str(j, "repo", r->repo_arg);
	json_str(j, "link", r->qemu_image ? "qemu" : r->device);
	if (s->hello_seen) {
		const struct mvl_hello *h = &s->hello;
		json_obj(j, "device");
		ascii(h->lh_board, sizeof(h->lh_board), t, sizeof(t));
		json_str(j, "board", t);
		ascii(h->lh_app, sizeof(h->lh_app), t, sizeof(t));
		json_str(j, "app", t);
		ascii(h->lh_channel, sizeof(h->lh_channel), t, sizeof(t));
		json_str(j, "channel", t);
		cli_version_str(h->lh_fw_version, t, sizeof(t));
		json_str(j, "microvisor", t);
		snprintf(t, sizeof(t), "%u.%u", (unsigned)(h->lh_abi >> 16), (unsigned)(h->lh_abi & 0xffff));
		json_str(j, "abi", t);
		if (h->lh_app_version) {
			cli_version_str(h->lh_app_version, t, sizeof(t));
			json_str(j, "app_version", t);
		} else {
			json_null(j, "app_version");
		}
		int any = 0;
		for (unsigned i = 0; i < 32; i++)
			any |= h->lh_image_sha256[i];
		if (any) {
			mvb_hex(h->lh_image_sha256, 32, hex);
			json_str(j, "image_sha256", hex);
		} else {
			json_null(j, "image_sha256");
		}
		const char *st = h->lh_state == MVL_DEV_RUNNING      ? "running"
				 : h->lh_state == MVL_DEV_SAFE       ? "safe"
				 : h->lh_state == MVL_DEV_INSTALLING ? "installing"
				 : h->lh_state == MVL_DEV_TRIAL      ? "trial"
								     : NULL;
		if (st)
			json_str(j, "state", st);
		else
			json_int(j, "state", h->lh_state);
		json_int(j, "reason", h->lh_reason);
		json_int(j, "counter_floor", h->lh_counter_floor);
		json_int(j, "index_version", h->lh_index_version);
		json_int(j, "payload_max", h->lh_payload_max);
		json_end_obj(j);
	} else {
		json_null(j, "device");
	}
	/* before: the session's REPORT's; before it, the HELLO's.  after:
	 * what runs once the session (its trial included) ended */
	const struct mvl_report *fin = final_report(s);
	int any_report = s->have_report || s->fw.have_outcome;
	uint32_t before = s->have_report ? s->report.lp_from_version : s->hello.lh_app_version;
	uint32_t after = before;
	if (any_report && (fin->lp_outcome == MVL_R_INSTALLED || fin->lp_outcome == MVL_R_CONFIRMED ||
			   fin->lp_outcome == MVL_R_REVERTED))
		after = fin->lp_to_version;
	if (before) {
		cli_version_str(before, t, sizeof(t));
		json_str(j, "before", t);
	} else {
		json_null(j, "before");
	}
	if (after && any_report) {
		cli_version_str(after, t, sizeof(t));
		json_str(j, "after", t);
	} else {
		json_null(j, "after");
	}
	static const char *const outcome[] = { "installed", "up-to-date", "refused", "failed", "confirmed", "reverted" };
	if (any_report) {
		json_str(j, "outcome", outcome[fin->lp_outcome <= MVL_R_REVERTED ? fin->lp_outcome : MVL_R_FAILED]);
		json_reason(j, fin->lp_reason);
	} else {
		json_null(j, "outcome");
		json_null(j, "reason");
		json_null(j, "reason_text");
	}
	if (s->have_report && s->report.lp_to_version) {
		cli_version_str(s->report.lp_to_version, t, sizeof(t));
		json_str(j, "offered", t);
	} else {
		json_null(j, "offered");
	}
	if (s->have_report)
		json_int(j, "device_bytes", s->report.lp_bytes);
	else
		json_null(j, "device_bytes");
	json_trial(j, s);
	if (s->update)
		json_str(j, "update", s->update == 2 ? "delta" : "full");
	else
		json_null(j, "update");
	json_arr(j, "objects");
	static const char *const kinds[] = { "index", "full", "delta", "bundle" };
	for (unsigned i = 0; i < s->nobj; i++) {
		json_obj(j, NULL);
		json_str(j, "path", s->obj[i].name);
		json_str(j, "kind", kinds[s->obj[i].kind]);
		json_int(j, "size", s->obj[i].total);
		json_int(j, "read", s->obj[i].reach);
		json_int(j, "bytes", (long long)s->obj[i].bytes);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_int(j, "bytes", (long long)s->bytes);
	/* the session's time: to its outcome (its trial's, when one came) */
	double t_end = s->fw.have_outcome && s->t_outcome > 0 ? s->t_outcome
	               : s->have_report                       ? s->t_report
	                                                      : progress_now();
	snprintf(t, sizeof(t), "%.3f", s->hello_seen ? t_end - s->t0 : 0.0);
	json_raw(j, "seconds", t);
	snprintf(t, sizeof(t), "%.3f", total);
	json_raw(j, "total_seconds", t);
	json_int(j, "sessions", r->sessions);
	json_obj(j, "link_stats");
	json_int(j, "bytes_in", (long long)r->bytes_in);
	json_int(j, "bytes_out", (long long)r->bytes_out);
	json_int(j, "frames_in", r->rx.frames);
	json_int(j, "frames_out", (long long)r->frames_out);
	unsigned dropped = 0;
	for (unsigned i = 0; i < MVL_RX_KINDS; i++)
		dropped += r->rx.dropped[i];
	json_int(j, "dropped", dropped);
	json_int(j, "malformed", r->bad);
	json_int(j, "unsupported", r->unsupported);
	json_end_obj(j);
	json_str(j, "end", end_name[r->end]);
	if (r->qemu_image) {
		json_obj(j, "qemu");
		if (r->ld.qemu_status >= 0)
			json_int(j, "status", r->ld.qemu_status);
		else
			json_null(j, "status");
		json_end_obj(j);
	}
}

/* The exit status of a run that got this far. */
static int exit_status(struct run *r)
{
	struct session *s = &r->ses;
	if (r->end == END_ERROR)
		return MVB_EXIT_IO;
	if (!r->once)
		return r->end == END_INTERRUPTED || r->end == END_TIMEOUT || r->end == END_CLOSED || r->end == END_QEMU
			       ? MVB_EXIT_OK
			       : MVB_EXIT_IO;
	if (r->end != END_REPORT)
		return MVB_EXIT_IO; /* the link lost, or --timeout, before the outcome (a trial's too) */
	switch (final_report(s)->lp_outcome) {
	case MVL_R_INSTALLED:
	case MVL_R_UP_TO_DATE:
	case MVL_R_CONFIRMED:
		return MVB_EXIT_OK;
	case MVL_R_REFUSED:
	case MVL_R_REVERTED:
		return MVB_EXIT_FINDINGS; /* with the serve-refused finding (refusal) */
	default:
		return MVB_EXIT_IO;
	}
}

static void summary(struct run *r)
{
	unsigned dropped = 0;
	for (unsigned i = 0; i < MVL_RX_KINDS; i++)
		dropped += r->rx.dropped[i];
	if (dropped || r->bad || r->unsupported || r->stray)
		say(r, "link: %u frames dropped (%u oversize, %u not COBS, %u short, %u bad length, %u other format, %u bad CRC), "
		       "%u malformed requests, %u not served, %u unasked responses",
		    dropped, r->rx.dropped[MVL_RX_OVERSIZE], r->rx.dropped[MVL_RX_COBS], r->rx.dropped[MVL_RX_SHORT],
		    r->rx.dropped[MVL_RX_LENGTH], r->rx.dropped[MVL_RX_VERSION], r->rx.dropped[MVL_RX_CRC], r->bad,
		    r->unsupported, r->stray);
	if (r->ld.qemu_status >= 0)
		say(r, "QEMU ended: the device exited with status %d", r->ld.qemu_status);
	/* a run that ends while the release is on trial does not know its outcome */
	int trial = r->ses.fw.phase == MVB_SERVE_PH_TRIAL;
	char tv[24];
	version_or_none(r->ses.fw.trial_version, tv, sizeof(tv));
	switch (r->end) {
	case END_TIMEOUT:
		if (r->once && trial)
			cli_error("serve: the device did not report the outcome of %s's trial within %lu s (--timeout)", tv,
				  r->timeout);
		else if (r->once)
			cli_error("serve: %s within %lu s (--timeout)",
				  r->ses.hello_seen ? "the device did not report the end of its update session"
						    : "the device said nothing (no HELLO)",
				  r->timeout);
		else
			say(r, "served for %lu s (--timeout)", r->timeout);
		break;
	case END_CLOSED:
	case END_QEMU:
		if (r->once && trial)
			cli_error("serve: %s before it reported the outcome of %s's trial",
				  r->end == END_QEMU ? "the device exited (QEMU ended)" : "the link closed", tv);
		else if (r->once)
			cli_error("serve: %s before it reported the end of its update session",
				  r->end == END_QEMU ? "the device exited (QEMU ended)" : "the link closed");
		else
			say(r, "the %s", r->end == END_QEMU ? "device (QEMU) ended" : "link closed");
		break;
	case END_INTERRUPTED:
		if (r->once)
			cli_error("serve: interrupted before the device reported%s", trial ? " the trial's outcome" : "");
		break;
	default:
		break;
	}
}

/* The device's refusal as a finding, at the link it came over. */
static void refusal(struct run *r, struct cli_run *cr)
{
	const struct mvl_report *p = final_report(&r->ses);
	char from[24], to[24], rs[160], msg[400];
	version_or_none(p->lp_from_version, from, sizeof(from));
	version_or_none(p->lp_to_version, to, sizeof(to));
	reason_str(p->lp_reason, rs, sizeof(rs));
	if (p->lp_outcome == MVL_R_REVERTED) {
		/* rejected after its trial: a finding of its own */
		char rej[24], why[160], back[64];
		rejected_parts(p, rej, why, back);
		snprintf(msg, sizeof(msg), "the device rejected %s on trial: %s; %s", rej, why, back);
	} else {
		snprintf(msg, sizeof(msg), "the device refused %s (it runs %s): %s", to, from, rs);
	}
	struct mvb_diags d = MVB_DIAGS_INIT;
	cli_report_file(&d, r->qemu_image ? r->qemu_image : r->device,
			p->lp_outcome == MVL_R_REVERTED ? MVB_CK_SERVE_REVERTED : MVB_CK_SERVE_REFUSED, msg);
	cli_take(cr, &d);
}

/* Whether the command line names --baud (a serial port's speed). */
int baud_given(int argc, char **argv)
{
	return cli_has_option(argc, argv, "--baud");
}

/* A run on the link named by --device or --qemu; NULL when out of memory. */
struct run *run_new(const char *device, const char *qemu, unsigned long timeout, int json)
{
	struct run *r = calloc(1, sizeof(*r));
	if (!r) {
		cli_error("out of memory");
		return NULL;
	}
	r->tag = "serve";
	r->device = device;
	r->qemu_image = qemu;
	r->json = json;
	r->timeout = timeout;
	link_dev_init(&r->ld, "serve", device, qemu);
	r->ld.line = console_line;
	r->ld.line_ctx = r;
	r->tty = isatty(2);
	mvl_rx_init(&r->rx);
	return r;
}

/* Signals end the loop (no SA_RESTART: waits return EINTR); the link is
 * opened, or QEMU started with it. */
int run_open(struct run *r, unsigned long baud, int baud_set)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fflush(stdout);
	r->start = progress_now();
	r->deadline = r->timeout ? r->start + (double)r->timeout : 0;
	return link_dev_open(&r->ld, baud, baud_set, r->deadline, &interrupted);
}

/* The link closed, QEMU stopped, its last console lines shown. */
void run_close(struct run *r)
{
	link_dev_close(&r->ld);
}

int cmd_serve(struct cli_run *cr, int argc, char **argv)
{
	const char *repo = NULL, *device = NULL, *qemu = NULL, *format = "text";
	unsigned long baud = 115200, timeout = 60;
	int once = 0, update_now = 0, json = 0;
	struct store_opts so = { STORE_TIMEOUT_DEFAULT_S, NULL, NULL, 0 };
	const struct opt opts[] = {
		{ 'r', "repo", OPT_STRING, &repo, "DIR|URL", "the update repository the device reads: a directory, an http(s) URL or s3://BUCKET[/PREFIX]" },
		LINK_DEV_OPTS(&device, &baud, &qemu, "FACTORY.elf",
		              "start QEMU mps2-an505 with this image, its link (UART4) wired here, its console shown"),
		{ 0, "once", OPT_FLAG, &once, NULL,
		  "end on the device's REPORT (after an install: the new release's HELLO; on trial: the trial's REPORT); "
		  "exit 0 installed, up to date or confirmed, 1 refused or reverted, 3 the link lost or --timeout first" },
		{ 0, "update-now", OPT_FLAG, &update_now, NULL, "after the device's HELLO, ask it to look for an update now" },
		{ 't', "timeout", OPT_UINT, &timeout, "SECONDS",
		  "end after this long (default 60; with --once an error; 0 without --once: no limit)" },
		{ 0, "endpoint", OPT_STRING, &so.endpoint, "URL", "s3:// repositories: the store's URL (default AWS_ENDPOINT_URL, else AWS's)" },
		{ 0, "region", OPT_STRING, &so.region, "REGION", "s3:// repositories: the region requests are signed for (default AWS_REGION, else us-east-1)" },
		{ 0, "format", OPT_STRING, &format, "text|json", "json: a summary document on stdout at the end" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = {
		"serve",
		"serve --repo DIR|URL (--device tcp:HOST:PORT|/dev/ttyX [--baud N] | --qemu FACTORY.elf) [--once] [--update-now] [--timeout SECONDS] [--endpoint URL] [--region REGION] [--format text|json]",
		"Be the other end of a device's link (mvbuild-link(5)): answer its reads of\n"
		"the update repository, show its log lines and what it reads, and report how\n"
		"its update session ended.",
		opts, 0, 0
	};
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	int baud_set = baud_given(argc, argv);
	if (!repo || (!device == !qemu)) {
		cli_error("serve: --repo and one of --device or --qemu are required");
		return MVB_EXIT_USAGE;
	}
	if (qemu && baud_set) {
		cli_error("serve: --baud applies to a serial --device, not to --qemu");
		return MVB_EXIT_USAGE;
	}
	if ((rc = cli_format("serve", format, &cr->json)))
		return rc;
	json = cr->json;
	if (timeout > 86400 || (once && timeout == 0)) {
		cli_error("serve: --timeout must be 1..86400 seconds%s", once ? " with --once" : " (0: no limit)");
		return MVB_EXIT_USAGE;
	}
	if (qemu && !sys_is_file(qemu)) {
		cli_error("serve: cannot read '%s': %s", qemu, errno ? strerror(errno) : "not a regular file");
		return MVB_EXIT_IO;
	}
	int is_url = !strncmp(repo, "http://", 7) || !strncmp(repo, "https://", 8) || !strncmp(repo, "s3://", 5);
	if (!is_url && !sys_is_dir(repo)) {
		cli_error("serve: repository '%s' is no directory (made by 'mvbuild publish')", repo);
		return MVB_EXIT_IO;
	}

	struct run *r = run_new(device, qemu, timeout, json);
	if (!r)
		return MVB_EXIT_IO;
	r->repo_arg = repo;
	r->once = once;
	r->update_now = update_now;
	r->dev_out = json ? stderr : stdout;
	r->un_seq = 1;
	mvb_serve_init(&r->core, repo_get, &r->repo);
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		mvb_buf_init(&r->repo.slot[i].data, OBJECT_MAX);
	if ((rc = store_open(&r->repo.s, repo, &so))) {
		free(r);
		return rc;
	}

	if ((rc = run_open(r, baud, baud_set)))
		goto out;
	if (!json)
		say(r, "serving '%s' on %s%s", repo, qemu ? "QEMU's UART4, image " : device, qemu ? qemu : "");
	serve_loop(r, r->deadline);
	/* what the console printed up to the end */
	if (r->ld.qemu > 0) {
		int st;
		if (sys_wait(r->ld.qemu, 500, &st) == 0) {
			r->ld.qemu = -1;
			r->ld.qemu_status = st;
		}
	}
	link_dev_console_drain(&r->ld, r->ld.qemu_status >= 0 ? 200 : 0);
	live_clear(r);
	summary(r);
	rc = exit_status(r);
	if (rc == MVB_EXIT_FINDINGS)
		refusal(r, cr);
	if (json && rc <= MVB_EXIT_FINDINGS)
		json_doc(r, cli_doc(cr), progress_now() - r->start);
out:
	run_close(r);
	repo_forget(&r->repo);
	store_close(&r->repo.s);
	free(r->ses.x);
	free(r);
	return rc;
}

/* ---- mvbuild logs */

int cmd_logs(struct cli_run *cr, int argc, char **argv)
{
	const char *device = NULL, *qemu = NULL, *format = "text";
	unsigned long baud = 115200, timeout = 30, from = 0;
	int follow = 0;
	const struct opt opts[] = {
		LINK_DEV_OPTS(&device, &baud, &qemu, "IMAGE.elf",
		              "start QEMU mps2-an505 with this image and show its log (its UART0 console on stderr)"),
		{ 'f', "follow", OPT_FLAG, &follow, NULL, "keep showing lines until interrupted (or --timeout)" },
		{ 0, "from", OPT_UINT, &from, "N",
		  "first of the lines the device kept to show, by number (default 0: all it kept)" },
		{ 't', "timeout", OPT_UINT, &timeout, "SECONDS",
		  "end after this long (default 30; 0 with --follow: no limit)" },
		{ 0, "format", OPT_STRING, &format, "text|json", "json: the lines as a document on stdout at the end" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = {
		"logs",
		"logs (--device tcp:HOST:PORT|/dev/ttyX [--baud N] | --qemu IMAGE.elf) [--follow] [--from N] [--timeout SECONDS] [--format text|json]",
		"Show a device's log as its link carries it (mvbuild-link(5), LINE frames: the\n"
		"microvisor's console and the app's mv_log text), reason tokens as texts: first\n"
		"the lines it kept from before (LOG_READ: its last 256 bytes of lines), then\n"
		"the new ones; lines lost on the way or no longer kept are counted and said.\n"
		"Without --follow it ends once the device has been quiet for 2 s.",
		opts, 0, 0
	};
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	int baud_set = baud_given(argc, argv);
	if ((rc = link_dev_args(cr, "logs", device, qemu, baud_set, format)))
		return rc;
	if (timeout > 86400 || (!follow && timeout == 0)) {
		cli_error("logs: --timeout must be 1..86400 seconds%s", follow ? " (0: no limit)" : "");
		return MVB_EXIT_USAGE;
	}
	if (from > 0xffffffffUL) {
		cli_error("logs: --from must be 0..4294967295 (a line number)");
		return MVB_EXIT_USAGE;
	}
	struct run *r = run_new(device, qemu, timeout, cr->json);
	if (!r)
		return MVB_EXIT_IO;
	r->held = calloc(LR_HELD, sizeof(*r->held));
	if (!r->held) {
		cli_error("out of memory");
		free(r);
		return MVB_EXIT_IO;
	}
	r->logs_mode = 1;
	r->lr_waiting = 1;
	r->lr_seq = 1;
	r->lr_from = (uint32_t)from;
	r->follow = follow;
	r->dev_out = stderr; /* QEMU's UART0 console, beside the log */
	mvb_serve_init(&r->core, no_repo_get, NULL);
	if (r->json) {
		struct json *j = cli_doc(cr);
		json_str(j, "link", qemu ? "qemu" : device);
		json_arr(j, "lines");
		r->lj = j;
	}
	if ((rc = run_open(r, baud, baud_set)))
		goto out;
	serve_loop(r, r->deadline);
	if (r->lr_waiting)
		log_release(r); /* the run ended before LOG_READ's answer */
	live_clear(r);
	if (r->end == END_ERROR || (r->end == END_CLOSED && !r->lines)) {
		cli_error("logs: the link %s", r->end == END_ERROR ? "failed" : "closed before any line came");
		rc = MVB_EXIT_IO;
	} else {
		rc = MVB_EXIT_OK;
		if (r->lost)
			say(r, "%u line%s lost in all", (unsigned)r->lost, r->lost == 1 ? "" : "s");
	}
	if (r->lj) {
		json_end_arr(r->lj);
		json_int(r->lj, "lost", r->lost);
	}
out:
	run_close(r);
	free(r->held);
	free(r);
	return rc;
}
