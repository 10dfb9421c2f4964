# tbcount.awk - exact instruction counts of the device's update session
# from a QEMU "-d in_asm,exec,nochain" log (firmware/bench/ota.sh), read
# as it comes.  Without -singlestep QEMU logs translation blocks: an "IN:"
# block lists a block's instructions when it is translated (just before
# its first run), and a "Trace" line names, by its host address, each run
# of a block.  A block's count is the lines of its "IN:" listing; a
# "cpu_io_recompile: rewound execution of TB to X" line (an I/O access
# inside a block under -icount) says the block run last stopped before X,
# so only the instructions before X count.  The session is every block run
# from the first one in mv_update_session to the first one in
# mv_start_app (the new app's start), each charged whole to the function
# of its first instruction, grouped by what runs it.
#   awk -v syms=FILE [-v skip=N] -f tbcount.awk LOG
# skip: sessions to pass over before the one counted (a revert is the
# session after the install that put the rejected release on trial).
# syms: 'nm -S -n' lines of the image (start, size, type, name).
function hex(x,   i, v) {
	v = 0; x = tolower(x); sub(/^0x/, "", x)
	for (i = 1; i <= length(x); i++) v = v * 16 + index("0123456789abcdef", substr(x, i, 1)) - 1
	return v
}
BEGIN {
	while ((getline l < syms) > 0) { split(l, f, " "); n++; lo[n] = hex(f[1]); hi[n] = lo[n] + hex(f[2]); name[n] = f[4] }
}
function sym(pc,   a, b, m) {
	a = 1; b = n
	while (a <= b) {
		m = int((a + b) / 2)
		if (pc < lo[m]) b = m - 1; else if (pc >= hi[m]) a = m + 1; else return name[m]
	}
	return "?"
}
function group(fn) {
	if (fn ~ /^(mvp_|pt_|mont_|mod_|der_|from_mont|vrun|fe_)/) return "P-256"
	if (fn ~ /^(mv_sha256|block)/) return "SHA-256"
	if (fn ~ /^(mvd_|record_byte|index_byte|decode|build|dist_base|emit|varint|begin_step|put_byte|flush_page|op_|install)/) return "patcher, inflater"
	if (fn ~ /^mv_port_flash/) return "flash writes"
	if (fn ~ /^(mv_port_link|send|mvl_|mv_link|read_object|read_hash|mv_arch_link|mv_arch_wait|mv_arch_tick|mv_watchdog|dispatch)/) return "link and waits"
	if (fn ~ /^(mv_printf|out|flush_line|mv_port_console|out_dec|out_hex|str_len)/) return "console"
	return "session (parsing, checks)"
}
/^IN:/ { listing = 1; pending = 0; paddr = ""; next }
listing && /^0x[0-9a-f]+:/ { a = $1; sub(/:$/, "", a); pending++; paddr = paddr " " hex(a); next }
listing && /^$/ { listing = 0; fresh = 1; next }
/^Trace/ {
	t = $3
	if (fresh) { # the block just listed: its first run
		split($4, q, "/"); cnt[t] = pending; addrs[t] = paddr; grp[t] = sym(hex(q[2])); fresh = 0
	}
	fn = grp[t]
	if (phase == 0 && fn == "mv_update_session") phase = 1
	else if (phase == 1 && fn == "mv_start_app") {
		phase = 2
		if (skip > 0) { # a session before the one measured: start again
			skip--; phase = 0; total = 0; delete by
		}
	}
	last = t; counted = phase == 1
	if (counted) { total += cnt[t]; by[group(fn)] += cnt[t] }
	next
}
/^cpu_io_recompile: rewound execution of TB to / {
	if (!counted) next
	x = hex($NF); k = split(addrs[last], aa, " "); ran = 0
	for (i = 1; i <= k; i++) if (aa[i] < x) ran++
	total -= cnt[last] - ran; by[group(grp[last])] -= cnt[last] - ran
	next
}
END {
	printf "  session: %d instructions\n", total
	for (g in by) printf "    %-26s %10d\n", g, by[g]
}
