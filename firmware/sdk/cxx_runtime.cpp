// cxx_runtime.cpp - what C++ code in an app needs from a C++ runtime when
// none is linked (no libstdc++ or libc++): mv_add_app adds it to apps of
// projects that enable CXX.  Everything is weak, so a real runtime the
// app links takes over.
#include <stddef.h>

// (mv_api.h has no extern "C" of its own yet)
extern "C" {
#include <mv/mv_api.h>
}

extern "C" {

// Static objects are never destroyed: an app ends by mv_exit or a
// restart, never by unwinding its statics, so the ARM EABI hook that
// registers their destructors records nothing.
void *__dso_handle __attribute__((weak));

__attribute__((weak)) int __aeabi_atexit(void *obj, void (*fn)(void *), void *dso)
{
	(void)obj;
	(void)fn;
	(void)dso;
	return 0;
}

// clang registers them with __cxa_atexit instead: the same nothing (this
// one stands in for the C library's).
__attribute__((weak)) int __cxa_atexit(void (*fn)(void *), void *obj, void *dso)
{
	(void)fn;
	(void)obj;
	(void)dso;
	return 0;
}

// A call through an unset virtual function is a crash (the microvisor
// counts it and restarts the app).
__attribute__((weak)) void __cxa_pure_virtual(void)
{
	(void)mv_restart_app(MV_RESTART_CRASH);
	for (;;)
		;
}
}

// There is no operator new without a runtime, so nothing is ever deleted;
// virtual destructors still refer to operator delete.
__attribute__((weak)) void operator delete(void *p) noexcept
{
	(void)p;
	__cxa_pure_virtual();
}

__attribute__((weak)) void operator delete(void *p, size_t n) noexcept
{
	(void)p;
	(void)n;
	__cxa_pure_virtual();
}
