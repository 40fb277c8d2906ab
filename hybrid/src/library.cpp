// libhytm.so is built from the component archives; this file gives the
// shared library target a source of its own and records the version.
#include "hytm/core/platform.hpp"

extern "C" HYTM_API const char* hytm_version(void) { return "0.1.0"; }
