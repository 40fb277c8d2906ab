# symbols.cmake: libhytm.so's exported dynamic symbols against the checked-in list
# (ctest: abi.exported_symbols; cmake target abi-update-symbols rewrites the list).
#
#   cmake -DNM=<nm> -DLIBRARY=<libhytm.so> -DLIST=<tests/abi/exported_symbols.txt>
#         [-DUPDATE=ON] -P symbols.cmake
#
# The list holds one demangled symbol per line, with its version node (`hytm_atomic@@HYTM_0`),
# sorted.  Types (T, D, B) are left out: a global gaining an initializer is no ABI change.
# A symbol added or removed fails the test: either the change was an accident (a helper lost
# its hidden visibility, a HYTM_API went missing), or it was meant, and then the list is
# regenerated in the same commit, so that the review shows the ABI change.
cmake_minimum_required(VERSION 3.25)
foreach(v NM LIBRARY LIST)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "symbols.cmake: -D${v}=... is required")
  endif()
endforeach()

execute_process(COMMAND ${NM} -D --defined-only -C ${LIBRARY}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "symbols.cmake: ${NM} -D ${LIBRARY} failed (${rc}): ${err}")
endif()
# nm lines: "ADDRESS TYPE NAME".  Demangled names contain spaces but never ';' or newlines.
string(REPLACE ";" "\\;" out "${out}")
string(REPLACE "\n" ";" lines "${out}")
set(symbols "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-f]+ ([A-Za-z]) (.+)$")
    # "A HYTM_0" is the version node's own definition, not a symbol.
    if(NOT CMAKE_MATCH_1 STREQUAL "A")
      list(APPEND symbols "${CMAKE_MATCH_2}")
    endif()
  endif()
endforeach()
list(REMOVE_DUPLICATES symbols)
list(SORT symbols)
list(LENGTH symbols count)
list(JOIN symbols "\n" text)

if(UPDATE)
  file(WRITE ${LIST} "${text}\n")
  message(STATUS "abi: wrote ${count} symbols to ${LIST}")
  return()
endif()

file(STRINGS ${LIST} expected)
set(added "")
foreach(s IN LISTS symbols)
  if(NOT s IN_LIST expected)
    string(APPEND added "\n  + ${s}")
  endif()
endforeach()
set(removed "")
foreach(s IN LISTS expected)
  if(NOT s IN_LIST symbols)
    string(APPEND removed "\n  - ${s}")
  endif()
endforeach()
if(added OR removed)
  message(FATAL_ERROR
    "abi.exported_symbols: libhytm.so's exported symbols differ from tests/abi/exported_symbols.txt"
    "${added}${removed}\n"
    "An added symbol is exported because it is marked HYTM_API / HYTM_C_API and matches "
    "hybrid/libhytm.map; a removed one lost its mark or its definition.  If the change is "
    "meant, regenerate the list and commit it with the change:\n"
    "  cmake --build build/default --target abi-update-symbols\n"
    "A removal, or a signature change, breaks programs built against the old library: bump "
    "HYTM_ABI_VERSION (cmake/abi.cmake) and the version node in hybrid/libhytm.map.")
endif()
message(STATUS "abi.exported_symbols: ${count} symbols, as listed")
