// R6: tx.load of an object above hytm::max_value_size must not compile (it
// would copy the object on the stack).  Built only by the ctest
// compile_fail.large_load, which expects the static_assert's message.
#include <hytm/hytm.hpp>

struct big {
  unsigned char b[4 << 20];
};

big g;

int main() {
  hytm::atomic([&](auto& tx) {
    big copy = tx.load(g);
    (void)copy;
  });
}
