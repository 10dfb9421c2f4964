# arm-none-eabi.cmake - cross toolchain of the microvisor's own build:
# GNU Arm Embedded (arm-none-eabi-gcc 12.2), Cortex-M33 with FPv5-SP, hard
# float, freestanding, libgcc only.  The example apps of that build get
# their C library and flags from mv_app.cmake.  App projects made by
# 'mvbuild init' have toolchain files of their own (templates/app/cmake:
# GCC and clang), which leave the CPU flags to mv_app.cmake.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(MV_CROSS_PREFIX "arm-none-eabi-" CACHE STRING "prefix of the cross binutils/gcc")
set(CMAKE_C_COMPILER ${MV_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${MV_CROSS_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${MV_CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${MV_CROSS_PREFIX}objcopy CACHE FILEPATH "")
set(CMAKE_NM ${MV_CROSS_PREFIX}nm CACHE FILEPATH "")
set(CMAKE_SIZE ${MV_CROSS_PREFIX}size CACHE FILEPATH "")

# try_compile cannot link without a linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# The microvisor's flags (its images are compared byte for byte with
# prebuilt/, so these stay as they are).
set(MV_CPU_FLAGS "-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16")
set(CMAKE_C_FLAGS_INIT "${MV_CPU_FLAGS} -ffreestanding -nostdlib")
set(CMAKE_CXX_FLAGS_INIT "${MV_CPU_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${MV_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${MV_CPU_FLAGS} -nostdlib -nostartfiles")
set(CMAKE_C_FLAGS_DEBUG_INIT "-Og")
set(CMAKE_CXX_FLAGS_DEBUG_INIT "-Og")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
