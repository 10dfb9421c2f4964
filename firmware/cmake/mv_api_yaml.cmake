# mv_api_yaml.cmake - write mv_api.yaml, the secure entry table that
# 'mvbuild check' reads, from the linked import library and the one slot
# table (include/mv/api_slots.h).  Fails if a veneer is not where its slot
# says, if the library and the table disagree on the set of entries, or if
# the NSC partition does not hold every veneer.
#   cmake -DNM= -DIMPLIB= -DSLOTS= -DAPI_H= -DBOARD_H= -DBOARD= -DOUT= -P mv_api_yaml.cmake
# With -DSEED=<file.S> instead, write an assembler file whose absolute
# symbols put every entry at its slot: the --in-implib seed for a board
# that has no committed import library yet.
cmake_minimum_required(VERSION 3.20)

if(DEFINED SEED)
	set(required SLOTS BOARD_H)
else()
	set(required NM IMPLIB SLOTS API_H BOARD_H BOARD OUT)
endif()
foreach(v ${required})
	if(NOT DEFINED ${v})
		message(FATAL_ERROR "mv_api_yaml: -D${v}= missing")
	endif()
endforeach()

function(hex_to_dec out hex)
	string(TOLOWER "${hex}" hex)
	string(REGEX REPLACE "^0x" "" hex "${hex}")
	string(REGEX REPLACE "u$" "" hex "${hex}")
	math(EXPR v "0x${hex}" OUTPUT_FORMAT DECIMAL)
	set(${out} ${v} PARENT_SCOPE)
endfunction()

function(dec_to_hex8 out dec)
	math(EXPR v "${dec}" OUTPUT_FORMAT HEXADECIMAL)
	string(REGEX REPLACE "^0x" "" v "${v}")
	string(LENGTH "${v}" n)
	while(n LESS 8)
		string(PREPEND v "0")
		math(EXPR n "${n} + 1")
	endwhile()
	set(${out} "0x${v}" PARENT_SCOPE)
endfunction()

function(board_macro out name)
	file(STRINGS "${BOARD_H}" line REGEX "^#define ${name} ")
	if(NOT line)
		message(FATAL_ERROR "mv_api_yaml: ${name} not in ${BOARD_H}")
	endif()
	string(REGEX REPLACE "^#define ${name} +([0-9a-fA-FxX]+)u?.*$" "\\1" v "${line}")
	hex_to_dec(d "${v}")
	set(${out} ${d} PARENT_SCOPE)
endfunction()

board_macro(nsc_base MVB_PART_MV_NSC_BASE)
board_macro(nsc_size MVB_PART_MV_NSC_SIZE)

# file(STRINGS) would keep the macro's line-continuation backslashes (they
# escape CMake's list separator), so match the entries in the whole text.
file(READ "${SLOTS}" slots_text)
string(REGEX MATCHALL "X\\([A-Za-z_][A-Za-z0-9_]*, *[0-9]+, *[0-9]+, *[0-9]+\\)" slot_lines "${slots_text}")
if(NOT slot_lines)
	message(FATAL_ERROR "mv_api_yaml: no X(name, slot, major, minor) entries in ${SLOTS}")
endif()

if(DEFINED SEED)
	set(asm "/* generated from api_slots.h: veneer slots for --in-implib */\n")
	foreach(l IN LISTS slot_lines)
		if(NOT l MATCHES "X\\(([A-Za-z_][A-Za-z0-9_]*), *([0-9]+),")
			message(FATAL_ERROR "mv_api_yaml: cannot read slot line '${l}'")
		endif()
		math(EXPR addr "${nsc_base} + 8 * ${CMAKE_MATCH_2} + 1" OUTPUT_FORMAT HEXADECIMAL)
		string(APPEND asm "\t.global ${CMAKE_MATCH_1}\n\t.type ${CMAKE_MATCH_1}, %function\n"
			"\t.set ${CMAKE_MATCH_1}, ${addr}\n\t.size ${CMAKE_MATCH_1}, 8\n")
	endforeach()
	file(WRITE "${SEED}" "${asm}")
	return()
endif()

file(STRINGS "${API_H}" abi_major REGEX "^#define MV_ABI_MAJOR ")
file(STRINGS "${API_H}" abi_minor REGEX "^#define MV_ABI_MINOR ")
string(REGEX REPLACE "^#define MV_ABI_MAJOR ([0-9]+)u.*$" "\\1" abi_major "${abi_major}")
string(REGEX REPLACE "^#define MV_ABI_MINOR ([0-9]+)u.*$" "\\1" abi_minor "${abi_minor}")

# The veneers in the import library: absolute symbols, one per entry.
execute_process(COMMAND ${NM} --defined-only "${IMPLIB}"
	OUTPUT_VARIABLE nm_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
	message(FATAL_ERROR "mv_api_yaml: ${NM} ${IMPLIB} failed")
endif()
string(REPLACE "\n" ";" nm_lines "${nm_out}")
set(lib_names "")
foreach(l IN LISTS nm_lines)
	if(l MATCHES "^([0-9a-fA-F]+) [A-Za-z] ([A-Za-z_][A-Za-z0-9_]*)$")
		set(name "${CMAKE_MATCH_2}")
		hex_to_dec(addr "${CMAKE_MATCH_1}")
		math(EXPR addr "${addr} - (${addr} % 2)") # Thumb bit off
		set(lib_addr_${name} ${addr})
		list(APPEND lib_names ${name})
	endif()
endforeach()

set(entries "")
set(seen "")
foreach(l IN LISTS slot_lines)
	if(NOT l MATCHES "X\\(([A-Za-z_][A-Za-z0-9_]*), *([0-9]+), *([0-9]+), *([0-9]+)\\)")
		message(FATAL_ERROR "mv_api_yaml: cannot read slot line '${l}'")
	endif()
	set(name ${CMAKE_MATCH_1})
	set(slot ${CMAKE_MATCH_2})
	set(since "${CMAKE_MATCH_3}.${CMAKE_MATCH_4}")
	if(NOT DEFINED lib_addr_${name})
		message(FATAL_ERROR "mv_api_yaml: '${name}' is in api_slots.h but has no veneer in ${IMPLIB}")
	endif()
	math(EXPR want "${nsc_base} + 8 * ${slot}")
	if(NOT want EQUAL lib_addr_${name})
		dec_to_hex8(have_hex ${lib_addr_${name}})
		dec_to_hex8(want_hex ${want})
		message(FATAL_ERROR "mv_api_yaml: veneer '${name}' is at ${have_hex}, slot ${slot} needs ${want_hex}: "
			"a veneer moved (link with --in-implib of the committed import library)")
	endif()
	math(EXPR end "${want} + 8")
	math(EXPR nsc_end "${nsc_base} + ${nsc_size}")
	if(end GREATER nsc_end)
		message(FATAL_ERROR "mv_api_yaml: veneer '${name}' outside the mv_nsc partition")
	endif()
	dec_to_hex8(addr_hex ${want})
	string(APPEND entries "  - {name: ${name}, slot: ${slot}, address: ${addr_hex}, since: ${since}}\n")
	list(APPEND seen ${name})
endforeach()
foreach(name IN LISTS lib_names)
	if(NOT name IN_LIST seen)
		message(FATAL_ERROR "mv_api_yaml: veneer '${name}' in ${IMPLIB} has no slot in api_slots.h")
	endif()
endforeach()

dec_to_hex8(base_hex ${nsc_base})
math(EXPR size_hex "${nsc_size}" OUTPUT_FORMAT HEXADECIMAL)
file(WRITE "${OUT}"
"schema: 1
board: ${BOARD}
abi: ${abi_major}.${abi_minor}            # major.minor of the secure-call ABI
nsc: {base: ${base_hex}, size: ${size_hex}}
entries:
${entries}")
