// Data symbols from the ELF files mapped into this process.
#include "symbols.hpp"

#include <cxxabi.h>
#include <elf.h>
#include <link.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <vector>

namespace hytm {

namespace {

struct data_symbol {
  std::uintptr_t value;  // file-relative
  std::uintptr_t size;
  std::string name;
  std::string file;  // source file, for local symbols
};

struct object_symbols {
  std::vector<data_symbol> syms;  // sorted by value
};

std::string demangle(const char* n) {
  int status = 0;
  char* d = abi::__cxa_demangle(n, nullptr, nullptr, &status);
  std::string out = status == 0 && d ? d : n;
  std::free(d);
  return out;
}

object_symbols load(const std::string& path) {
  object_symbols out;
  std::ifstream f(path, std::ios::binary);
  if (!f) return out;
  std::vector<char> buf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (buf.size() < sizeof(Elf64_Ehdr) || std::memcmp(buf.data(), ELFMAG, SELFMAG) != 0 ||
      buf[EI_CLASS] != ELFCLASS64)
    return out;
  Elf64_Ehdr eh;
  std::memcpy(&eh, buf.data(), sizeof eh);
  if (eh.e_shoff == 0 || eh.e_shoff + eh.e_shnum * sizeof(Elf64_Shdr) > buf.size()) return out;
  std::vector<Elf64_Shdr> sh(eh.e_shnum);
  std::memcpy(sh.data(), buf.data() + eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));
  // Prefer the full table; a stripped file still has the dynamic one.
  const Elf64_Shdr* symtab = nullptr;
  for (auto& s : sh) if (s.sh_type == SHT_SYMTAB) symtab = &s;
  if (!symtab)
    for (auto& s : sh) if (s.sh_type == SHT_DYNSYM) symtab = &s;
  if (!symtab || symtab->sh_link >= sh.size()) return out;
  const Elf64_Shdr& strtab = sh[symtab->sh_link];
  if (symtab->sh_offset + symtab->sh_size > buf.size() ||
      strtab.sh_offset + strtab.sh_size > buf.size())
    return out;
  const std::size_t n = symtab->sh_size / sizeof(Elf64_Sym);
  std::string current_file;
  for (std::size_t i = 0; i < n; ++i) {
    Elf64_Sym s;
    std::memcpy(&s, buf.data() + symtab->sh_offset + i * sizeof(Elf64_Sym), sizeof s);
    if (s.st_name >= strtab.sh_size) continue;
    const char* nm = buf.data() + strtab.sh_offset + s.st_name;
    const unsigned type = ELF64_ST_TYPE(s.st_info);
    if (type == STT_FILE) {
      current_file = nm;
      continue;
    }
    if (type != STT_OBJECT || s.st_size == 0 || s.st_shndx == SHN_UNDEF) continue;
    const bool local = ELF64_ST_BIND(s.st_info) == STB_LOCAL;
    out.syms.push_back({s.st_value, s.st_size, demangle(nm), local ? current_file : ""});
  }
  std::sort(out.syms.begin(), out.syms.end(),
            [](const data_symbol& a, const data_symbol& b) { return a.value < b.value; });
  return out;
}

struct mapping {
  std::string path;
  std::uintptr_t bias = 0;
  bool found = false;
};

mapping find_object(std::uintptr_t addr) {
  mapping m;
  struct ctx_t {
    std::uintptr_t addr;
    mapping* m;
  } c{addr, &m};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* p) -> int {
        auto* cx = static_cast<ctx_t*>(p);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD) continue;
          const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
          if (cx->addr >= lo && cx->addr < lo + ph.p_memsz) {
            cx->m->path = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : "/proc/self/exe";
            cx->m->bias = info->dlpi_addr;
            cx->m->found = true;
            return 1;
          }
        }
        return 0;
      },
      &c);
  return m;
}

}  // namespace

std::string describe_address(std::uintptr_t addr) {
  // Never destroyed: the HYTM_STATS printer runs at exit, after the
  // destructors of the statics built after it was registered, which would
  // include this cache if the program asked for statistics itself.
  struct symbol_cache {
    std::mutex mu;
    std::map<std::string, object_symbols> by_path;
  };
  static auto* cache = new symbol_cache;
  const mapping m = find_object(addr);
  if (!m.found) return "";
  std::lock_guard g(cache->mu);
  auto it = cache->by_path.find(m.path);
  if (it == cache->by_path.end()) it = cache->by_path.emplace(m.path, load(m.path)).first;
  const auto& syms = it->second.syms;
  const std::uintptr_t rel = addr - m.bias;
  auto s = std::upper_bound(syms.begin(), syms.end(), rel,
                            [](std::uintptr_t v, const data_symbol& d) { return v < d.value; });
  if (s == syms.begin() || rel >= std::prev(s)->value + std::prev(s)->size) {
    // Not inside an object.  The RTM model reports whole lines: name the
    // first object that starts within this line.
    if ((addr & 63) == 0 && s != syms.end() && s->value < rel + 64)
      return "line of " + s->name + (s->file.empty() ? "" : " (" + s->file + ")");
    return "";
  }
  --s;
  std::string out = s->name;
  if (rel != s->value) out += "+" + std::to_string(rel - s->value);
  if (!s->file.empty()) out += " (" + s->file + ")";
  return out;
}

std::string addr_line(std::uintptr_t addr) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "0x%llx (cache line 0x%llx)", static_cast<unsigned long long>(addr),
                static_cast<unsigned long long>(addr & ~std::uintptr_t{63}));
  return buf;
}

}  // namespace hytm
