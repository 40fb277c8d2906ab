// plugin_driver.cpp: runs the transactions of abi_plugin.so from two threads and checks the
// totals (ctest: abi.plugin).
#include <cstdio>
#include <thread>

#include <hytm/hytm.hpp>

extern "C" long abi_plugin_run(long* counter, long* a, long* b, int times);

int main() {
  constexpr int per_thread = 2000;
  long counter = 0, a = 1000, b = 0;
  std::thread t1([&] { abi_plugin_run(&counter, &a, &b, per_thread); });
  std::thread t2([&] { abi_plugin_run(&counter, &a, &b, per_thread); });
  t1.join();
  t2.join();
  const bool ok = counter == 2 * per_thread && a + b == 1000 && b == 2 * per_thread;
  std::printf("abi_plugin_driver: counter=%ld a=%ld b=%ld: %s\n", counter, a, b,
              ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
