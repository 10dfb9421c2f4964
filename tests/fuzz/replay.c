/* replay.c - runs a libFuzzer harness over files without libFuzzer: every
 * file named, and every regular file in every directory named, once.
 * CTest uses it to replay the committed seeds and past crashers through
 * each harness in every build (ASan+UBSan in the sanitizer suite).
 * Fails if no input was found: a replay of nothing proves nothing. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open '%s'\n", path);
		return -1;
	}
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap);
	size_t got;
	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
			}
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!b) {
		fprintf(stderr, "replay: out of memory reading '%s'\n", path);
		return -1;
	}
	/* an exact-size copy, so a read one past the input is caught */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact) {
		free(b);
		return -1;
	}
	memcpy(exact, b, n);
	free(b);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned files = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0)
			continue; /* an optional directory (no past crashers yet) */
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]))
				return 1;
			files++;
			continue;
		}
		DIR *dir = opendir(argv[i]);
		if (!dir)
			return 1;
		char **names = NULL;
		size_t nn = 0;
		struct dirent *e;
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char **nb = realloc(names, (nn + 1) * sizeof(*names));
			if (!nb)
				return 1;
			names = nb;
			names[nn] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
			if (!names[nn])
				return 1;
			sprintf(names[nn], "%s/%s", argv[i], e->d_name);
			nn++;
		}
		closedir(dir);
		qsort(names, nn, sizeof(*names), cmp);
		for (size_t k = 0; k < nn; k++) {
			if (stat(names[k], &st) == 0 && S_ISREG(st.st_mode)) {
				if (run_file(names[k]))
					return 1;
				files++;
			}
			free(names[k]);
		}
		free(names);
	}
	printf("replay: %u input%s, no crash\n", files, files == 1 ? "" : "s");
	return files ? 0 : 1;
}
