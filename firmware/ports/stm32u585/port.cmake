# port.cmake - what the stm32u585 (B-U585I-IOT02A) port adds to the build.
# Real hardware: no semihosting, so test builds are off by default (an
# mv_exit() call returns MV_ENOTSUP and a halt parks the core).  Builds
# here; cannot run in this environment (no QEMU model of the chip).
# The option-byte rule is shared with mvbuild (src/optbytes).
set(MV_PORT_SOURCES ${CMAKE_CURRENT_LIST_DIR}/port.c ${MV_REPO_DIR}/src/optbytes/u5.c)
set(MV_PORT_LDSCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/arch/armv8m/microvisor.ld)
set(MV_PORT_SEMIHOSTING_DEFAULT OFF)
set(MV_PORT_QEMU_MACHINE "")
# The image check runs on the chip's HASH peripheral (mv_port_sha256).
set(MV_PORT_DEFINES MV_PORT_SHA256=1)
# The update client builds here too (microvisor-ota.elf), with the flash
# driver of port.c; the board has no link yet, so no session can start.
set(MV_PORT_UPDATE ON)
