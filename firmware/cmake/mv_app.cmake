# mv_app.cmake - build a non-secure app against the microvisor SDK.
#
#   mv_add_app(<name> MANIFEST <app.yaml> LDSCRIPT <app.ld> SOURCES <files...>)
#
# gives <name>.elf: the sources (startup and manifest.S included), linked
# with the linker script, which INCLUDEs mv_regions.ld from 'mvbuild gen ld',
# and with the microvisor's import library.  The manifest is embedded in
# .mvb.app through manifest.S (MVB_APP_MANIFEST = its path).  No C library:
# loops are not turned into memset/memcpy calls; link newlib yourself if
# the app needs one.
#
# Variables read:
#   MVB_SDK_DIR      this SDK (the firmware/ directory of an mvbuild tree)
#   MVB_BOARD        board name
#   MVB_BOARD_FILE   board manifest (default <sdk>/../boards/<board>.yaml)
#   MVBUILD          host mvbuild (default: found on PATH or <sdk>/../build)
#   MVB_IMPLIB       import library (default <sdk>/prebuilt/<board>/mv_implib.o)
#   MVB_GEN_DIR, MVB_GEN_TARGET   use an existing generated config instead
#                    of running mvbuild gen (the firmware build's examples)
#   MVB_IMPLIB_TARGET  target that produces MVB_IMPLIB, if any
include_guard(GLOBAL)

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
	set_target_properties(${name} PROPERTIES SUFFIX ".elf"
		LINK_DEPENDS "${ldscript};${gen}/mv_regions.ld;${MVB_IMPLIB}")
	add_dependencies(${name} ${gen_target})
	if(MVB_IMPLIB_TARGET)
		add_dependencies(${name} ${MVB_IMPLIB_TARGET})
	endif()
	target_include_directories(${name} PRIVATE "${MVB_SDK_DIR}/include" "${gen}")
	target_compile_options(${name} PRIVATE
		$<$<COMPILE_LANGUAGE:C>:-std=c11 -Os -g -Wall -Wextra -ffunction-sections -fdata-sections
		-fno-tree-loop-distribute-patterns>
		-ffile-prefix-map=${CMAKE_SOURCE_DIR}/= -ffile-prefix-map=${CMAKE_BINARY_DIR}/=)
	target_compile_definitions(${name} PRIVATE MVB_APP_MANIFEST="${manifest}")
	foreach(src IN LISTS A_SOURCES)
		if(src MATCHES "\\.S$")
			set_property(SOURCE ${src} APPEND PROPERTY OBJECT_DEPENDS "${manifest}")
		endif()
	endforeach()
	target_link_options(${name} PRIVATE
		-T${ldscript} -L${gen}
		-Wl,--gc-sections -Wl,--build-id=none -Wl,--no-warn-rwx-segments
		-Wl,-Map=${CMAKE_CURRENT_BINARY_DIR}/${name}.map)
	target_link_libraries(${name} PRIVATE "${MVB_IMPLIB}" gcc)
endfunction()
