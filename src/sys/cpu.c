/* cpu.c - how many CPUs this process may run on (its affinity mask, so
 * `taskset` limits mvbuild's threads too). */
#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>
#include "sys/sys.h"

unsigned sys_cpu_count(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}
