# abi.cmake: what libhytm.so exports and how it binds its own calls.
#
# The ABI policy (README, "Using it"):
#   HYTM_ABI_VERSION is libhytm's SOVERSION (SONAME libhytm.so.N) and names the version node of
#   hybrid/libhytm.map (HYTM_N).  Bump it, and rename the node, whenever a program built against
#   the old headers could misbehave with the new library: an exported symbol removed or changed in
#   signature, or the layout of the detail tier changed -- the structs that the inline paths of
#   the installed headers read and write by offset (thread_ctx and what it holds, the protocol
#   words g_hybrid, g_norec, g_serial_lock, g_config, the RTM model's emulated_tx, the logs of
#   stm/ and fallback/).  Adding an exported symbol needs no bump.
#   tests/abi/exported_symbols.txt is the checked-in list that the test abi.exported_symbols
#   compares the built library with; regenerate it on purpose with
#   `cmake --build build/default --target abi-update-symbols`.
# History: 0 until 2026-12-01; 1 since, when the commit steps, the thread-context lookup and the C
# interface's loads and stores went inline (thread_ctx's layout changed, and out-of-line functions
# that programs built against 0 call were removed).  2 since the evening of 2026-12-01: the serial undo log's layout
# (which hytm.h's inline serial store appends to), the second software algorithm's state in
# thread_ctx, the cost rule's and the sampler's per-site records and counters (site_local, the
# counter list), and engine_config's new bytes.  3 since 2026-12-01, late: thread_ctx's tx slots
# grew to 32 bytes (the software tx object's snapshot copy, tx.hpp), the software path's raw
# counters changed meaning (stm_starts counts the attempts that did not commit, stm_commits the
# writers; counter_values::add derives the totals), engine_config's first_software gained a value,
# and hytm_detail_tx went to layout 3.
set(HYTM_ABI_VERSION 3)

set(HYTM_VERSION_SCRIPT ${PROJECT_SOURCE_DIR}/hybrid/libhytm.map)
file(READ ${HYTM_VERSION_SCRIPT} _hytm_map)
if(NOT _hytm_map MATCHES "HYTM_${HYTM_ABI_VERSION} *{")
  message(FATAL_ERROR "hybrid/libhytm.map must define the version node HYTM_${HYTM_ABI_VERSION} "
                      "(HYTM_ABI_VERSION in cmake/abi.cmake): rename the node when the ABI "
                      "version changes")
endif()

# Compile a target that goes into libhytm.so: nothing is exported unless it is marked HYTM_API
# (or HYTM_C_API in hytm.h).
function(hytm_hidden_by_default target)
  set_target_properties(${target} PROPERTIES C_VISIBILITY_PRESET hidden
                        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
endfunction()

# Link libhytm.so:
#   --version-script  exports only the API, in version node HYTM_N; everything else (the std::
#                     template instances that libstdc++'s headers mark visible, helpers) is local
#   -z now            no lazy binding: a first call through a PLT slot inside a hardware
#                     transaction would run the resolver and abort it, every time (the GOT
#                     update is rolled back with it); the slots are bound at load instead
#   -Bsymbolic-functions  the library's calls to its own exported functions bind inside it, with
#                     no PLT slot (data stays interposable: programs hold copy-relocated
#                     g_config, g_hybrid, ... and the library must use those copies)
function(hytm_shared_library_abi target)
  hytm_hidden_by_default(${target})
  target_link_options(${target} PRIVATE "LINKER:--version-script=${HYTM_VERSION_SCRIPT}"
                      "LINKER:-z,now" "LINKER:-z,relro" "LINKER:-Bsymbolic-functions")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${HYTM_VERSION_SCRIPT})
  set_target_properties(${target} PROPERTIES
    VERSION ${HYTM_ABI_VERSION}.${PROJECT_VERSION_MINOR}.${PROJECT_VERSION_PATCH}
    SOVERSION ${HYTM_ABI_VERSION})
endfunction()
