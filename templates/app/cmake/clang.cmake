# clang.cmake - clang and ld.lld for this app (Debian's clang-14 and
# lld-14 or later):
#
#   cmake -S . -B build -DCMAKE_TOOLCHAIN_FILE=cmake/clang.cmake
#
# Only the compilers: the CPU and float flags and the C library come from
# the SDK (mv_add_app), which also takes libgcc from arm-none-eabi-gcc.
# -DMV_CLANG_LINKER=<path of arm-none-eabi-ld> links with GNU ld instead.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

find_program(MV_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
if(NOT MV_CLANG)
	message(FATAL_ERROR "clang not found: install clang-14 and lld-14, or set MV_CLANG")
endif()
# clang-14 -> clang++-14, clang -> clang++
get_filename_component(_mv_clang_dir "${MV_CLANG}" DIRECTORY)
get_filename_component(_mv_clang_name "${MV_CLANG}" NAME)
string(REGEX REPLACE "^clang" "clang++" _mv_clangxx_name "${_mv_clang_name}")
set(MV_CLANGXX "${_mv_clang_dir}/${_mv_clangxx_name}" CACHE FILEPATH "clang++ of the same version")

set(CMAKE_C_COMPILER "${MV_CLANG}")
set(CMAKE_CXX_COMPILER "${MV_CLANGXX}")
set(CMAKE_ASM_COMPILER "${MV_CLANG}")
foreach(lang C CXX ASM)
	set(CMAKE_${lang}_COMPILER_TARGET arm-none-eabi)
endforeach()

set(MV_CLANG_LINKER "lld" CACHE STRING "linker: lld (ld.lld), or the path of another, e.g. arm-none-eabi-ld")
if(MV_CLANG_LINKER STREQUAL "lld")
	set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld")
else()
	set(CMAKE_EXE_LINKER_FLAGS_INIT "--ld-path=${MV_CLANG_LINKER}")
endif()

# try_compile cannot link without the app's linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Debug: optimised for debugging, not unoptimised (-O0 is -DCMAKE_C_FLAGS_DEBUG=-O0).
set(CMAKE_C_FLAGS_DEBUG_INIT "-Og")
set(CMAKE_CXX_FLAGS_DEBUG_INIT "-Og")
