# package.cmake: Debian packages of the install components (cmake/install.cmake), built with
#   cmake --preset release && cmake --build --preset release && (cd build/release && cpack -G DEB)
#
#   libhytm<N>   runtime: libhytm.so.N and libhytm.so.N.x.y.  N is HYTM_ABI_VERSION, the
#                SONAME's number: Debian names a shared library's package after its SONAME
#                (Policy 8.1), so that programs built against two ABI versions can be installed
#                side by side and an ABI bump cannot be installed over the old one by accident.
#   libhytm-dev  headers, the libhytm.so link, the CMake package and hytm.pc; depends on the
#                runtime of exactly the same version (the inline paths of the headers are
#                compiled against that library's detail tier).
# The runtime's other dependencies (libc6, libstdc++6, libhwloc) come from dpkg-shlibdeps
# (Debian: dpkg-dev).  Programs of the build tree (tools, benchmarks, tests) are not packaged.
set(CPACK_PACKAGE_NAME hytm)
set(CPACK_PACKAGE_VENDOR "hytm")
set(CPACK_PACKAGE_CONTACT "hytm maintainers <hytm@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)

set(HYTM_DEB_RUNTIME libhytm${HYTM_ABI_VERSION})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME ${HYTM_DEB_RUNTIME})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# A shlibs file (and the ldconfig trigger), so that dpkg-shlibdeps of programs built on it
# records "libhytm<N> (>= this version)".
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
    "hybrid hardware/software transactional memory: the shared library\n"
    "Runs atomic blocks as Intel RTM transactions where the CPU has them, as NOrec software "
    "transactions otherwise, and serially as the last resort, with the meaning of one global "
    "lock.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libhytm-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "${HYTM_DEB_RUNTIME} (= ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE})")
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "hybrid hardware/software transactional memory: development files\n"
    "Headers for C (hytm/hytm.h) and C++20 (hytm/hytm.hpp), the CMake package "
    "(find_package(hytm)) and hytm.pc for pkg-config.")
include(CPack)
