/* selftest_good.c: the same shapes done right (abi.check_plt_selftest asserts no finding):
 * calls before xbegin and on the abort path, the region closed in the function that opened
 * it, and a hidden helper with the xend reached without a PLT.  Never run: only disassembled. */
#include <stdio.h>

__attribute__((visibility("hidden"), noinline)) void abi_selftest_hidden_end(void) {
    __asm__ volatile("xend" : : : "memory");
}

int abi_selftest_region(int x) {
    x += puts("before the region");
    unsigned s = ~0u;
    __asm__ volatile("xbegin 1f\n1:" : "+a"(s) : : "memory");
    if (s == ~0u) {
        ++x;
        abi_selftest_hidden_end();
    } else {
        x += puts("on the abort path");
    }
    return x;
}
