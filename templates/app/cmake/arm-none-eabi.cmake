# arm-none-eabi.cmake - GCC for this app: arm-none-eabi-gcc and GNU ld
# (Debian's gcc-arm-none-eabi).  Only the compilers: the CPU and float
# flags and the C library come from the SDK (mv_add_app), so flags given
# in CMAKE_C_FLAGS add to them.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(MV_CROSS_PREFIX "arm-none-eabi-" CACHE STRING "prefix of the GNU cross compiler and binutils")
set(CMAKE_C_COMPILER ${MV_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${MV_CROSS_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${MV_CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${MV_CROSS_PREFIX}objcopy CACHE FILEPATH "")
set(CMAKE_SIZE ${MV_CROSS_PREFIX}size CACHE FILEPATH "")

# try_compile cannot link without the app's linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Debug: optimised for debugging, not unoptimised (-O0 is -DCMAKE_C_FLAGS_DEBUG=-O0).
set(CMAKE_C_FLAGS_DEBUG_INIT "-Og")
set(CMAKE_CXX_FLAGS_DEBUG_INIT "-Og")
