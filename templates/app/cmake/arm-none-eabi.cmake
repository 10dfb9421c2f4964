# arm-none-eabi.cmake - cross toolchain for this app: the microvisor SDK's
# own (Cortex-M33, FPv5-SP hard float, freestanding, libgcc only).
include("@MVB_SDK_DIR@/cmake/arm-none-eabi.cmake")
