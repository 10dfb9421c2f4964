# port.cmake - what the mps2-an505 port adds to the firmware build.
# QEMU is this board's home, so test builds (semihosting exit, mv_exit)
# are the default; -DMV_SEMIHOSTING=OFF gives the parking production build.
set(MV_PORT_SOURCES ${CMAKE_CURRENT_LIST_DIR}/port.c)
set(MV_PORT_LDSCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/arch/armv8m/microvisor.ld)
set(MV_PORT_SEMIHOSTING_DEFAULT ON)
set(MV_PORT_QEMU_MACHINE mps2-an505)
# QEMU 7.2 answers a secure access to the SysTick NS alias (0xE002E010)
# with a bus error ("Blocked re-entrant IO on MemoryRegion: v7m_systick"):
# the app's SysTick cannot be stopped from the secure side there.
set(MV_PORT_DEFINES MV_QUIRK_NO_SYSTICK_NS_ALIAS=1)
# Nothing of port.c or the core starts as non-zero in RAM: reset.c copies
# no .data (44 bytes), and the link refuses one.
list(APPEND MV_PORT_DEFINES MV_PORT_NO_DATA=1)
# The update client (microvisor-ota.elf) runs here: a flash model and a link.
set(MV_PORT_UPDATE ON)
# Its app flash takes a halfword written in place (it is RAM in QEMU):
# the debug agent's software breakpoints (core/debug.c).
list(APPEND MV_PORT_DEFINES MV_PORT_SOFT_BREAK=1)
