// plugin.cpp: a transaction body that lives in a -fPIC shared library (abi_plugin.so), the way
// a language runtime's extension module would hold one.  In such a library every call to a
// function of default visibility goes through the library's own PLT, lazily bound: the
// hardware path must still reach no PLT slot between xbegin and xend (abi.no_plt_in_region
// reads this library's code), and the transactions must commit (abi.plugin runs them).
#include <hytm/hytm.hpp>

extern "C" {

// Adds `times` to *counter, one transaction per unit, and moves one unit between two
// accounts in each; every 64th transaction asks for a restart once, and every 128th makes
// itself irrevocable, so the abort paths are compiled in too.
long abi_plugin_run(long* counter, long* a, long* b, int times) {
  long restarts = 0;
  for (int i = 0; i < times; ++i) {
    bool restarted = false;
    hytm::atomic([&](auto& tx) {
      tx.store(*counter, tx.load(*counter) + 1);
      tx.store(*a, tx.load(*a) - 1);
      tx.store(*b, tx.load(*b) + 1);
      if (i % 64 == 0 && !restarted) {
        restarted = true;
        ++restarts;
        tx.restart();
      }
      if (i % 128 == 1) tx.irrevocable();
    });
  }
  return restarts;
}

}  // extern "C"
