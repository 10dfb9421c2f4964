# mv_app.cmake - build a non-secure app against the microvisor SDK, with
# GCC or clang, GNU ld or ld.lld, C and C++.
#
#   mv_add_app(<name> MANIFEST <app.yaml> LDSCRIPT <app.ld> SOURCES <files...>)
#
# gives <name>.elf: the sources (startup and manifest.S included), linked
# with the linker script, which INCLUDEs mv_regions.ld from 'mvbuild gen ld',
# with the microvisor's import library, the C library and the compiler's
# runtime library.  The manifest is embedded in .mvb.app through manifest.S
# (MVB_APP_MANIFEST = its path).  More sources, C++ ones included, may be
# added later with target_sources().
#
# Including this file sets up the directory it is included from, for every
# target defined after it: the board's CPU and float flags (compile and
# link options, so CMAKE_<LANG>_FLAGS add to them and cannot drop them) and
# the C library's headers.
#
# Variables read:
#   MVB_SDK_DIR      this SDK (the firmware/ directory of an mvbuild tree)
#   MVB_BOARD        board name
#   MVB_BOARD_FILE   board manifest (default <sdk>/../boards/<board>.yaml)
#   MVBUILD          host mvbuild (default: found on PATH or <sdk>/../build)
#   MVB_IMPLIB       import library (default <sdk>/prebuilt/<board>/mv_implib.o)
#   MVB_CPU_FLAGS    CPU and float flags (default: the Cortex-M33 with
#                    FPv5-SP, hard float, of every board so far)
#   MVB_LIBC         cache: picolibc (default) or none
#   MVB_PICOLIBC_DIR cache: picolibc's arm-none-eabi directory (include/, lib/)
#   MVB_PRINTF       cache: full (default) or integer: picolibc's printf and
#                    scanf without floating point, a third of the size
#   MVB_ARM_GCC      cache: arm-none-eabi-gcc, asked for libgcc and the
#                    multilib directory when the compiler is clang
#   MVB_CXX_OPTIONS  cache: options of C++ sources (default -fno-exceptions
#                    -fno-rtti -fno-threadsafe-statics: no unwinder, RTTI
#                    or guard-variable runtime is linked)
#   MVB_GEN_DIR, MVB_GEN_TARGET   use an existing generated config instead
#                    of running mvbuild gen (the firmware build's examples)
#   MVB_IMPLIB_TARGET  target that produces MVB_IMPLIB, if any
include_guard(GLOBAL)

if(NOT MVB_CPU_FLAGS)
	set(MVB_CPU_FLAGS -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16)
endif()
set(MVB_LIBC "picolibc" CACHE STRING "C library linked into apps: picolibc or none")
set_property(CACHE MVB_LIBC PROPERTY STRINGS picolibc none)
set(MVB_PRINTF "full" CACHE STRING "picolibc's printf/scanf: full, or integer (no floating point, smaller)")
set_property(CACHE MVB_PRINTF PROPERTY STRINGS full integer)
set(MVB_CXX_OPTIONS "-fno-exceptions;-fno-rtti;-fno-threadsafe-statics" CACHE STRING
	"options of the app's C++ sources")

# arm-none-eabi-gcc knows where libgcc and each multilib live; clang uses
# it for both.
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
	set(_mv_gcc "${CMAKE_C_COMPILER}")
else()
	find_program(MVB_ARM_GCC arm-none-eabi-gcc)
	if(NOT MVB_ARM_GCC)
		message(FATAL_ERROR "arm-none-eabi-gcc not found: the SDK links its libgcc (set MVB_ARM_GCC)")
	endif()
	set(_mv_gcc "${MVB_ARM_GCC}")
endif()
execute_process(COMMAND "${_mv_gcc}" ${MVB_CPU_FLAGS} -print-libgcc-file-name
	OUTPUT_VARIABLE MVB_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _mv_rc)
execute_process(COMMAND "${_mv_gcc}" ${MVB_CPU_FLAGS} -print-multi-directory
	OUTPUT_VARIABLE _mv_multilib OUTPUT_STRIP_TRAILING_WHITESPACE)
if(_mv_rc OR NOT EXISTS "${MVB_LIBGCC}")
	message(FATAL_ERROR "'${_mv_gcc}' gives no libgcc for ${MVB_CPU_FLAGS}")
endif()

# Which linker the compiler drives: GNU ld and ld.lld differ in options.
separate_arguments(_mv_ldflags UNIX_COMMAND "${CMAKE_EXE_LINKER_FLAGS}")
set(_mv_target)
if(CMAKE_C_COMPILER_TARGET)
	set(_mv_target "--target=${CMAKE_C_COMPILER_TARGET}")
endif()
execute_process(COMMAND "${CMAKE_C_COMPILER}" ${_mv_target} ${_mv_ldflags} -nostdlib -Wl,--version
	OUTPUT_VARIABLE _mv_ldver ERROR_VARIABLE _mv_ldver)
if(_mv_ldver MATCHES "LLD")
	set(MVB_LINKER_ID LLD)
elseif(_mv_ldver MATCHES "GNU ld[^\n]* ([0-9]+\\.[0-9]+)")
	set(MVB_LINKER_ID GNU)
	set(MVB_LINKER_VERSION "${CMAKE_MATCH_1}")
else()
	set(MVB_LINKER_ID unknown)
endif()

add_compile_options(${MVB_CPU_FLAGS})
add_link_options(${MVB_CPU_FLAGS})
# The C library and libgcc are GCC's, built with the bare-metal AAPCS
# variable-size enums that GCC uses for arm-none-eabi; clang's default is
# int-sized, so enums passed between the two would disagree.
if(CMAKE_C_COMPILER_ID MATCHES "Clang")
	add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fshort-enums>)
endif()

if(MVB_LIBC STREQUAL "picolibc")
	find_path(MVB_PICOLIBC_DIR NAMES include/picolibc.h
		PATHS /usr/lib/picolibc/arm-none-eabi /usr/local/lib/picolibc/arm-none-eabi /usr/local/picolibc/arm-none-eabi
		NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
	set(MVB_LIBC_LIBRARY "${MVB_PICOLIBC_DIR}/lib/${_mv_multilib}/libc.a")
	if(NOT MVB_PICOLIBC_DIR OR NOT EXISTS "${MVB_LIBC_LIBRARY}")
		message(FATAL_ERROR "picolibc for ${_mv_multilib} not found: install picolibc-arm-none-eabi "
			"(scripts/setup.sh), set MVB_PICOLIBC_DIR, or build without a C library (-DMVB_LIBC=none)")
	endif()
	include_directories(SYSTEM "${MVB_PICOLIBC_DIR}/include")
	# errno and friends are thread-local; local-exec is what picolibc's
	# own objects use in a static image.
	add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-ftls-model=local-exec>)
elseif(MVB_LIBC STREQUAL "none")
	set(MVB_LIBC_LIBRARY)
	# No library: the compiler's own headers only, and GCC does not turn
	# loops into memset/memcpy calls (struct copies still may: an app
	# without a C library provides those four functions itself).
	add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-ffreestanding>)
	if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
		add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fno-tree-loop-distribute-patterns>)
	endif()
else()
	message(FATAL_ERROR "MVB_LIBC='${MVB_LIBC}': picolibc or none")
endif()

function(_mv_app_gen out_dir out_target)
	if(MVB_GEN_DIR)
		set(${out_dir} "${MVB_GEN_DIR}" PARENT_SCOPE)
		set(${out_target} "${MVB_GEN_TARGET}" PARENT_SCOPE)
		return()
	endif()
	set(gen "${CMAKE_BINARY_DIR}/mvb-gen")
	if(NOT TARGET mvb_app_gen)
		if(NOT MVB_BOARD_FILE)
			set(MVB_BOARD_FILE "${MVB_SDK_DIR}/../boards/${MVB_BOARD}.yaml")
		endif()
		if(NOT EXISTS "${MVB_BOARD_FILE}")
			message(FATAL_ERROR "board manifest '${MVB_BOARD_FILE}' not found: set MVB_BOARD_FILE")
		endif()
		if(NOT MVBUILD)
			find_program(MVBUILD mvbuild HINTS "${MVB_SDK_DIR}/../build" REQUIRED)
		endif()
		file(MAKE_DIRECTORY "${gen}")
		add_custom_command(OUTPUT ${gen}/mv_board.h ${gen}/mv_regions.ld
			COMMAND ${MVBUILD} gen header --board ${MVB_BOARD_FILE} -o ${gen}/mv_board.h
			COMMAND ${MVBUILD} gen ld --board ${MVB_BOARD_FILE} -o ${gen}/mv_regions.ld
			DEPENDS ${MVB_BOARD_FILE}
			COMMENT "mvbuild gen: board config for ${MVB_BOARD}")
		add_custom_target(mvb_app_gen DEPENDS ${gen}/mv_board.h ${gen}/mv_regions.ld)
	endif()
	set(${out_dir} "${gen}" PARENT_SCOPE)
	set(${out_target} mvb_app_gen PARENT_SCOPE)
endfunction()

# At the end of the directory that defined app `name`: when the project
# has C++, the app gets the SDK's minimal C++ runtime.
function(_mv_app_cxx name)
	get_property(langs GLOBAL PROPERTY ENABLED_LANGUAGES)
	if(CXX IN_LIST langs)
		target_sources(${name} PRIVATE "${MVB_SDK_DIR}/sdk/cxx_runtime.cpp")
	endif()
endfunction()

function(mv_add_app name)
	cmake_parse_arguments(A "" "MANIFEST;LDSCRIPT" "SOURCES" ${ARGN})
	if(NOT A_MANIFEST OR NOT A_LDSCRIPT OR NOT A_SOURCES)
		message(FATAL_ERROR "mv_add_app(${name}): MANIFEST, LDSCRIPT and SOURCES are required")
	endif()
	get_filename_component(manifest "${A_MANIFEST}" ABSOLUTE)
	get_filename_component(ldscript "${A_LDSCRIPT}" ABSOLUTE)
	if(NOT MVB_IMPLIB)
		set(MVB_IMPLIB "${MVB_SDK_DIR}/prebuilt/${MVB_BOARD}/mv_implib.o")
	endif()
	_mv_app_gen(gen gen_target)

	add_executable(${name} ${A_SOURCES})
	if(MVB_LIBC STREQUAL "picolibc")
		target_sources(${name} PRIVATE "${MVB_SDK_DIR}/sdk/picolibc_stdio.c")
	endif()
	# (a deferred call's arguments are expanded when it runs: pass the value)
	cmake_language(EVAL CODE "cmake_language(DEFER CALL _mv_app_cxx [[${name}]])")
	set_target_properties(${name} PROPERTIES SUFFIX ".elf"
		LINK_DEPENDS "${ldscript};${gen}/mv_regions.ld;${MVB_IMPLIB}")
	if(NOT DEFINED CMAKE_C_STANDARD)
		set_target_properties(${name} PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)
	endif()
	add_dependencies(${name} ${gen_target})
	if(MVB_IMPLIB_TARGET)
		add_dependencies(${name} ${MVB_IMPLIB_TARGET})
	endif()
	target_include_directories(${name} PRIVATE "${MVB_SDK_DIR}/include" "${gen}")
	# Optimisation is the build type's (CMAKE_<LANG>_FLAGS_<CONFIG>); -Os
	# only when there is no build type at all.  Debug info costs no flash.
	get_property(multi GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
	if(NOT multi AND NOT CMAKE_BUILD_TYPE)
		target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:C,CXX>:-Os>)
	endif()
	target_compile_options(${name} PRIVATE
		$<$<COMPILE_LANGUAGE:C,CXX>:-g -Wall -Wextra -ffunction-sections -fdata-sections>
		"$<$<COMPILE_LANGUAGE:CXX>:${MVB_CXX_OPTIONS}>"
		-ffile-prefix-map=${CMAKE_SOURCE_DIR}/= -ffile-prefix-map=${CMAKE_BINARY_DIR}/=)
	target_compile_definitions(${name} PRIVATE MVB_APP_MANIFEST="${manifest}")
	foreach(src IN LISTS A_SOURCES)
		if(src MATCHES "\\.S$")
			set_property(SOURCE ${src} APPEND PROPERTY OBJECT_DEPENDS "${manifest}")
		endif()
	endforeach()
	target_link_options(${name} PRIVATE
		-nostdlib -L${gen} -T${ldscript}
		-Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack
		-Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/${name}.map)
	# GNU ld 2.39 and later warn about the RWX app_ram region; ld.lld
	# knows neither the warning nor the option.
	if(MVB_LINKER_ID STREQUAL "GNU" AND MVB_LINKER_VERSION VERSION_GREATER_EQUAL 2.39)
		target_link_options(${name} PRIVATE -Wl,--no-warn-rwx-segments)
	endif()
	# picolibc's own way to pick the integer-only printf (its specs file
	# does the same for -DPICOLIBC_INTEGER_PRINTF_SCANF)
	if(MVB_LIBC STREQUAL "picolibc" AND MVB_PRINTF STREQUAL "integer")
		target_link_options(${name} PRIVATE -Wl,--defsym=vfprintf=__i_vfprintf -Wl,--defsym=vfscanf=__i_vfscanf)
	elseif(NOT MVB_PRINTF STREQUAL "full" AND NOT MVB_PRINTF STREQUAL "integer")
		message(FATAL_ERROR "MVB_PRINTF='${MVB_PRINTF}': full or integer")
	endif()
	target_link_libraries(${name} PRIVATE "${MVB_IMPLIB}" ${MVB_LIBC_LIBRARY} "${MVB_LIBGCC}")
endfunction()
