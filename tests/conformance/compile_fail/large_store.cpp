// R6: tx.store of an object above hytm::max_value_size must not compile.
#include <hytm/hytm.hpp>

struct big {
  unsigned char b[8192];
};

big g, h;

int main() {
  hytm::atomic([&](auto& tx) { tx.store(g, h); });
}
