/* cmd_boards.c - `mvbuild boards [list|show|check]`. */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "sys/sys.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int boards_list(struct cli_run *r)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/boards", sys_data_dir());
	DIR *d = opendir(dir);
	if (!d) {
		cli_error("cannot open board directory '%s'", dir);
		return MVB_EXIT_IO;
	}
	char *names[256];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 256) {
		size_t l = strlen(de->d_name);
		if (l > 5 && !strcmp(de->d_name + l - 5, ".yaml") && de->d_name[0] != '.')
			names[n++] = strndup(de->d_name, l - 5);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	/* the findings are those of manifests left out */
	struct json *j = r->json ? cli_doc(r) : NULL;
	if (j)
		json_arr(j, "boards");
	int status = 0;
	for (size_t i = 0; i < n; i++) {
		struct mvb_board bd;
		struct mvb_diags dg = MVB_DIAGS_INIT;
		int rc = cli_load_board(names[i], &bd, &dg);
		cli_take(r, &dg);
		if (rc) {
			status = rc;
		} else if (j) {
			json_obj(j, NULL);
			json_str(j, "name", bd.name);
			json_str(j, "description", bd.description);
			json_str(j, "qemu_machine", bd.qemu_machine[0] ? bd.qemu_machine : NULL);
			json_end_obj(j);
		} else {
			printf("%-12s %s\n", bd.name, bd.description);
		}
		mvb_board_release(&bd);
		free(names[i]);
	}
	if (j)
		json_end_arr(j);
	return status;
}

static void show_text(const struct mvb_board *b)
{
	char s[32];
	printf("board %s: %s\n", b->name, b->description);
	printf("cpu: %s (%s), FPU %s, %s float ABI, %u IRQs, %u MPU regions, %u SAU regions\n", b->cpu.core,
	       b->cpu.arch, mvb_fpu_name(b->cpu.fpu), mvb_float_abi_name(b->cpu.float_abi), b->cpu.nvic_irqs,
	       b->cpu.mpu_regions, b->cpu.sau_regions);
	printf("\nmemories:\n  %-8s %-5s %-10s  %-10s  %-8s %s\n", "name", "kind", "secure", "non-secure", "size",
	       "granule");
	for (size_t i = 0; i < b->nmem; i++) {
		const struct mvb_memory *m = &b->mem[i];
		char g[32];
		cli_size_str(m->size, s, sizeof(s));
		cli_size_str(m->granule, g, sizeof(g));
		printf("  %-8s %-5s 0x%08x  0x%08x  %-8s %s\n", m->name, m->kind == MVB_MEM_FLASH ? "flash" : "ram",
		       m->s_base, m->ns_base, s, g);
	}
	printf("\npartitions:\n  %-11s %-9s %-8s %-23s %-8s %s\n", "name", "world", "memory", "range", "size", "role");
	for (size_t i = 0; i < b->npart; i++) {
		const struct mvb_partition *p = &b->part[i];
		uint32_t base = mvb_partition_base(b, p);
		cli_size_str(p->size, s, sizeof(s));
		printf("  %-11s %-9s %-8s 0x%08x-0x%08x  %-8s %s\n", p->name, mvb_world_name(p->world),
		       b->mem[p->memory].name, base, base + p->size - 1, s, mvb_role_name(p->role));
	}
	printf("\nperipherals:\n  %-10s %-10s  %-10s  %-6s %-11s %s\n", "name", "secure", "non-secure", "size", "owner",
	       "IRQs");
	for (size_t i = 0; i < b->nper; i++) {
		const struct mvb_peripheral *p = &b->per[i];
		cli_size_str(p->size, s, sizeof(s));
		printf("  %-10s 0x%08x  0x%08x  %-6s %-11s", p->name, p->s_base, p->ns_base, s,
		       p->owner == MVB_OWNER_APP ? "app" : "microvisor");
		for (unsigned k = 0; k < p->nirqs; k++)
			printf("%s%u", k ? "," : "", p->irqs[k]);
		printf("\n");
	}
	printf("\nconsole: %s", b->per[b->console].name);
	if (b->qemu_machine[0])
		printf("; qemu machine: %s", b->qemu_machine);
	if (b->openocd_target[0])
		printf("; openocd: %s", b->openocd_target);
	if (b->stlink)
		printf("; st-link");
	printf("\n");
}

/* The members of boards show --format json for a board that loaded. */
static void show_json(struct json *j, const struct mvb_board *b)
{
	json_str(j, "name", b->name);
	json_str(j, "description", b->description);
	json_obj(j, "cpu");
	json_str(j, "core", b->cpu.core);
	json_str(j, "arch", b->cpu.arch);
	json_str(j, "fpu", mvb_fpu_name(b->cpu.fpu));
	json_str(j, "float_abi", mvb_float_abi_name(b->cpu.float_abi));
	json_int(j, "nvic_irqs", b->cpu.nvic_irqs);
	json_int(j, "mpu_regions", b->cpu.mpu_regions);
	json_int(j, "sau_regions", b->cpu.sau_regions);
	json_int(j, "sau_granule", b->cpu.sau_granule);
	json_end_obj(j);
	json_arr(j, "memories");
	for (size_t i = 0; i < b->nmem; i++) {
		const struct mvb_memory *m = &b->mem[i];
		json_obj(j, NULL);
		json_str(j, "name", m->name);
		json_str(j, "kind", m->kind == MVB_MEM_FLASH ? "flash" : "ram");
		json_hex(j, "s_base", m->s_base);
		json_hex(j, "ns_base", m->ns_base);
		json_int(j, "size", m->size);
		json_int(j, "granule", m->granule);
		json_int(j, "erase_size", m->erase_size);
		json_int(j, "write_size", m->write_size);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_arr(j, "partitions");
	for (size_t i = 0; i < b->npart; i++) {
		const struct mvb_partition *p = &b->part[i];
		json_obj(j, NULL);
		json_str(j, "name", p->name);
		json_str(j, "memory", b->mem[p->memory].name);
		json_str(j, "world", mvb_world_name(p->world));
		json_str(j, "role", mvb_role_name(p->role));
		json_hex(j, "base", mvb_partition_base(b, p));
		json_hex(j, "s_base", mvb_partition_s_base(b, p));
		json_hex(j, "ns_base", mvb_partition_ns_base(b, p));
		json_int(j, "size", p->size);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_arr(j, "peripherals");
	for (size_t i = 0; i < b->nper; i++) {
		const struct mvb_peripheral *p = &b->per[i];
		json_obj(j, NULL);
		json_str(j, "name", p->name);
		json_hex(j, "s_base", p->s_base);
		json_hex(j, "ns_base", p->ns_base);
		json_int(j, "size", p->size);
		json_str(j, "owner", p->owner == MVB_OWNER_APP ? "app" : "microvisor");
		json_arr(j, "irqs");
		for (unsigned k = 0; k < p->nirqs; k++)
			json_int(j, NULL, p->irqs[k]);
		json_end_arr(j);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_str(j, "console", b->per[b->console].name);
	json_str(j, "qemu_machine", b->qemu_machine[0] ? b->qemu_machine : NULL);
}

int cmd_boards(struct cli_run *r, int argc, char **argv)
{
	const char *format = "text";
	const struct opt opts[] = {
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "boards", "boards [list|show NAME|FILE|check FILE...] [--format text|json]",
				       "List the known boards, show one board's resolved layout, or validate board\n"
				       "manifests (every finding, compiler-style).",
				       opts, 0, -1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if ((rc = cli_format("boards", format, &r->json)))
		return rc;
	const char *sub = npos ? pos[0] : "list";
	if (!strcmp(sub, "list") && npos <= 1)
		return boards_list(r);
	int show = !strcmp(sub, "show");
	if ((show && npos == 2) || (!strcmp(sub, "check") && npos >= 2)) {
		/* JSON: show's members are the board's; check's a "manifests"
		 * array with each one's findings (the document's are them all) */
		int status = 0;
		struct json *j = r->json ? cli_doc(r) : NULL;
		if (j && !show)
			json_arr(j, "manifests");
		for (int i = 1; i < npos; i++) {
			struct mvb_board b;
			struct mvb_diags d = MVB_DIAGS_INIT;
			mvb_board_init(&b);
			rc = cli_load_board(pos[i], &b, &d);
			if (j && show) {
				if (!rc)
					show_json(j, &b);
				else
					json_null(j, "name");
			} else if (j && (!rc || rc == MVB_EXIT_FINDINGS)) {
				json_obj(j, NULL);
				json_str(j, "file", pos[i]);
				json_str(j, "board", rc ? NULL : b.name);
				json_bool(j, "valid", !rc);
				json_diags(j, &d);
				json_end_obj(j);
			}
			/* a valid manifest's warnings are part of its report */
			r->diag_out = rc ? stderr : stdout;
			cli_take(r, &d);
			cli_show(r);
			if (!j && !rc && show)
				show_text(&b);
			else if (!j && !rc)
				printf("%s: board '%s' is valid\n", pos[i], b.name);
			if (rc > status)
				status = rc;
			mvb_board_release(&b);
		}
		if (j && !show)
			json_end_arr(j);
		return status;
	}
	cli_error("boards: usage: mvbuild %s", spec.synopsis);
	return MVB_EXIT_USAGE;
}
