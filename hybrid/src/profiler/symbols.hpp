// symbols.hpp: turn a data address into something a person can act on.
#pragma once

#include <cstdint>
#include <string>

namespace hytm {

// "total_count+8 (globals.cpp)" for a global or static object, from the
// ELF symbol table (.symtab, which also names statics and the globals that
// dladdr misses without -rdynamic; the file comes from the STT_FILE entry
// that precedes a local symbol).  "" if no object symbol covers it.
std::string describe_address(std::uintptr_t addr);

// "0x7f12...  (cache line 0x7f12...c0)".
std::string addr_line(std::uintptr_t addr);

}  // namespace hytm
