/* selftest_bad.c: code that breaks the rules of check_plt.py on purpose (abi.check_plt_selftest
 * asserts that each is found).  Never run: only disassembled. */
#include <stdio.h>

/* R1: a call through the PLT between xbegin and xend. */
int abi_selftest_call_in_region(int x) {
    unsigned s = ~0u;
    __asm__ volatile("xbegin 1f\n1:" : "+a"(s) : : "memory");
    if (s == ~0u) {
        x += puts("inside the region");
        __asm__ volatile("xend" : : : "memory");
    }
    return x;
}

/* R3: an exported function that returns with its region still running. */
unsigned abi_selftest_begin(void) {
    unsigned s = ~0u;
    __asm__ volatile("xbegin 1f\n1:" : "+a"(s) : : "memory");
    return s;
}

/* R2: an RTM instruction behind a PLT slot (an exported function, called from this -fPIC
 * library through its own PLT). */
void abi_selftest_end(void) { __asm__ volatile("xend" : : : "memory"); }
int abi_selftest_calls_end(int x) {
    abi_selftest_end();
    return x + 1;
}
