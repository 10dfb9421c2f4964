/* app.c - the app of tests/cli/crash.sh: main calls outer, outer calls
 * crasher, crasher stores through a bad pointer.  Built at test time with
 * arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb -O1 -g; the test reads the
 * addresses and frames it needs from nm and objdump, makes the crash
 * record the microvisor would keep of the fault, and asks gdb-multiarch
 * for the backtrace of its core file. */
volatile unsigned sink;

__attribute__((noinline)) void crasher(unsigned *p)
{
	*p = 1;
}

__attribute__((noinline)) void outer(unsigned v)
{
	crasher((unsigned *)v);
	sink = v; /* after the call: no tail call, outer keeps a frame */
}

int main(void)
{
	outer(0xfffffff0u);
	for (;;)
		;
}
