// cxx_static.cpp - C++ in an app: a static object whose constructor must
// run before main (start-up's .init_array), a destructor (registered
// through the C++ ABI's atexit hook), virtual calls without RTTI, and
// hard-float arithmetic.
#include <stdint.h>

extern "C" {
#include <mv/app_print.h>
uint32_t cxx_state(void);
uint32_t cxx_area_x100(void);
}

namespace {

struct Shape {
	virtual ~Shape() {}
	virtual float area() const = 0;
};

struct Square : Shape {
	float side;
	explicit Square(float s) : side(s) {}
	float area() const override { return side * side; }
};

struct Recorder {
	uint32_t state;
	Recorder() : state(0xc0ffee01u) { mv_print("ctor: static constructor ran\n"); }
	~Recorder() { state = 0; }
};

Recorder recorder;
Square square(1.5f);
const Shape &shape = square;

} // namespace

uint32_t cxx_state(void)
{
	return recorder.state;
}

uint32_t cxx_area_x100(void)
{
	return (uint32_t)(shape.area() * 100.0f);
}
