# run.cmake: the installed-package consumer tests (ctest: package.consumer, package.deb).
#
#   cmake -DBUILD_DIR=<hytm build tree> -DSOURCE_DIR=<hytm source tree>
#         -DCONSUMER_DIR=<tests/package/consumer> -DWORK_DIR=<scratch> [-DBUILD_TYPE=..]
#         [-DC_COMPILER=..] [-DCXX_COMPILER=..] [-DSAN_FLAGS=-fsanitize=...]
#         [-DMODE=install|deb] -P run.cmake
#
# 1. MODE=install (default): cmake --install BUILD_DIR --prefix WORK_DIR/staging, then move the
#    tree to WORK_DIR/prefix: the package must be relocatable, and its CMake and pkg-config
#    files must not name the build or source tree.
#    MODE=deb: cpack -G DEB in BUILD_DIR, then `dpkg-deb -x` of libhytm<N> and libhytm-dev into
#    WORK_DIR/root; the prefix is WORK_DIR/root/usr.  The runtime package must hold the shared
#    library only, the dev package the rest.
# 2. configure consumer/ with -DCMAKE_PREFIX_PATH=WORK_DIR/prefix, so that
#    find_package(hytm CONFIG) can only find the package just installed
# 3. build it and run both programs (C++ and C11), which check their own results
# 4. pkg-config: with PKG_CONFIG_LIBDIR = only the fresh install's pkgconfig folder, check that
#    `pkg-config --cflags --libs hytm` names the moved prefix, build the C program with the
#    plain Makefile of pkgconfig/ (no CMake), and run it with LD_LIBRARY_PATH into the install.
cmake_minimum_required(VERSION 3.25)

foreach(v BUILD_DIR SOURCE_DIR CONSUMER_DIR WORK_DIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run.cmake: -D${v}=... is required")
  endif()
endforeach()

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 240)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "package.consumer: ${what} failed (${rc})\n"
                        "--- command: ${ARGN}\n--- stdout:\n${out}\n--- stderr:\n${err}")
  endif()
  set(step_out "${out}" PARENT_SCOPE)
endfunction()

set(staging "${WORK_DIR}/staging")
set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# The tests may be run with HYTM_* set by the user; the consumer must pass without them.
foreach(v HYTM_HTM HYTM_HTM_RETRIES HYTM_STM HYTM_STM_RETRIES HYTM_STATS
          HYTM_EMU_L1 HYTM_EMU_READ_LINES HYTM_EMU_INTERRUPT HYTM_EMU_SEED)
  unset(ENV{${v}})
endforeach()

if(NOT DEFINED MODE OR MODE STREQUAL "install")
  step("install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${staging}")
  file(RENAME "${staging}" "${prefix}")
elseif(MODE STREQUAL "deb")
  find_program(DPKG_DEB_EXE dpkg-deb)
  find_program(CPACK_EXE cpack HINTS "${CMAKE_COMMAND}/..")
  if(NOT DPKG_DEB_EXE OR NOT CPACK_EXE)
    message(FATAL_ERROR "package.deb: dpkg-deb or cpack not found (Debian: dpkg, cmake)")
  endif()
  set(debs "${WORK_DIR}/debs")
  step("cpack -G DEB" "${CPACK_EXE}" -G DEB --config "${BUILD_DIR}/CPackConfig.cmake" -B "${debs}")
  file(GLOB runtime_deb "${debs}/libhytm[0-9]*_*.deb")
  file(GLOB dev_deb "${debs}/libhytm-dev_*.deb")
  list(LENGTH runtime_deb n_runtime)
  list(LENGTH dev_deb n_dev)
  if(NOT n_runtime EQUAL 1 OR NOT n_dev EQUAL 1)
    message(FATAL_ERROR "package.deb: cpack made no single libhytm<N> and libhytm-dev package "
                        "in ${debs}: '${runtime_deb}' '${dev_deb}'")
  endif()
  set(root "${WORK_DIR}/root")
  foreach(kind runtime dev)
    set(deb "${${kind}_deb}")
    step("dpkg-deb -c" "${DPKG_DEB_EXE}" -c "${deb}")
    message(STATUS "${deb}:\n${step_out}")
    set(listing_${kind} "${step_out}")
    step("dpkg-deb -x" "${DPKG_DEB_EXE}" -x "${deb}" "${root}")
  endforeach()
  # Each file in the right package: the runtime has libhytm.so.N* only.
  if(NOT listing_runtime MATCHES "libhytm\\.so\\.[0-9]+ ->"
     OR listing_runtime MATCHES "include/|\\.pc|\\.cmake|libhytm\\.so ->")
    message(FATAL_ERROR "package.deb: ${runtime_deb} must hold libhytm.so.N and nothing for "
                        "building (headers, libhytm.so, .pc, CMake files go to libhytm-dev)")
  endif()
  foreach(f "include/hytm/hytm.h" "pkgconfig/hytm.pc" "hytmConfig.cmake" "libhytm.so ->")
    string(FIND "${listing_dev}" "${f}" pos)
    if(pos EQUAL -1)
      message(FATAL_ERROR "package.deb: ${dev_deb} lacks ${f}")
    endif()
  endforeach()
  step("dpkg-deb -f" "${DPKG_DEB_EXE}" -f "${dev_deb}" Depends)
  get_filename_component(runtime_name "${runtime_deb}" NAME)
  string(REGEX REPLACE "_.*" "" runtime_name "${runtime_name}")
  string(FIND "${step_out}" "${runtime_name} (=" pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "package.deb: libhytm-dev must depend on exactly its ${runtime_name}: "
                        "Depends: ${step_out}")
  endif()
  set(prefix "${root}/usr")
else()
  message(FATAL_ERROR "run.cmake: MODE must be install or deb, not '${MODE}'")
endif()
foreach(f include/hytm/hytm.hpp include/hytm/hytm.h)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "package.consumer: the install has no ${f}")
  endif()
endforeach()
file(GLOB_RECURSE config "${prefix}/*/hytmConfig.cmake")
file(GLOB_RECURSE lib "${prefix}/*/libhytm.so")
if(NOT config OR NOT lib)
  message(FATAL_ERROR "package.consumer: the install lacks hytmConfig.cmake or libhytm.so")
endif()
file(GLOB_RECURSE versioned "${prefix}/*/libhytm.so.[0-9]*")
if(NOT versioned)
  message(FATAL_ERROR "package.consumer: the install has no libhytm.so.N (SONAME) file")
endif()
file(GLOB_RECURSE cmake_files "${prefix}/*.cmake" "${prefix}/*.pc")
foreach(f ${cmake_files})
  file(READ "${f}" text)
  foreach(tree "${BUILD_DIR}" "${SOURCE_DIR}" "${staging}")
    string(FIND "${text}" "${tree}" pos)
    if(NOT pos EQUAL -1)
      message(FATAL_ERROR "package.consumer: the installed ${f} names ${tree}: "
                          "the package is not relocatable")
    endif()
  endforeach()
endforeach()

set(args -S "${CONSUMER_DIR}" -B "${build}" "-DCMAKE_PREFIX_PATH=${prefix}"
         # Nothing but the fresh prefix: no user or system package registry.
         -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
if(BUILD_TYPE)
  list(APPEND args "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()
if(C_COMPILER)
  list(APPEND args "-DCMAKE_C_COMPILER=${C_COMPILER}")
endif()
if(CXX_COMPILER)
  list(APPEND args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
if(SAN_FLAGS)
  # A sanitized libhytm needs its users linked with the same runtime.
  list(APPEND args "-DCMAKE_C_FLAGS=${SAN_FLAGS}" "-DCMAKE_CXX_FLAGS=${SAN_FLAGS}"
       "-DCMAKE_EXE_LINKER_FLAGS=${SAN_FLAGS}")
endif()
step("configure" "${CMAKE_COMMAND}" ${args})
string(REGEX MATCH "hytm [^\n]* found in [^\n]*" found "${step_out}")
message(STATUS "${found}")
string(FIND "${found}" "${prefix}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "package.consumer: find_package(hytm) did not pick the fresh install "
                      "in ${prefix}: ${found}")
endif()
step("build" "${CMAKE_COMMAND}" --build "${build}")

foreach(exe consumer_cxx consumer_c)
  step("${exe}" "${build}/${exe}")
  string(STRIP "${step_out}" o)
  message(STATUS "${o}")
endforeach()

# ---- 4. pkg-config and a plain Makefile -------------------------------------------------------
find_program(PKG_CONFIG_EXE NAMES pkg-config pkgconf)
find_program(MAKE_EXE NAMES make gmake)
if(NOT PKG_CONFIG_EXE OR NOT MAKE_EXE)
  message(FATAL_ERROR "package.consumer: pkg-config or make not found (Debian: pkg-config, make; "
                      "scripts/deps.sh installs them)")
endif()
file(GLOB_RECURSE pc "${prefix}/*/pkgconfig/hytm.pc")
if(NOT pc)
  message(FATAL_ERROR "package.consumer: the install has no pkgconfig/hytm.pc")
endif()
get_filename_component(pc_dir "${pc}" DIRECTORY)
file(GLOB_RECURSE libs "${prefix}/*/libhytm.so")
get_filename_component(lib_dir "${libs}" DIRECTORY)
# Nothing but the fresh install: PKG_CONFIG_LIBDIR replaces the system's search path.
set(ENV{PKG_CONFIG_LIBDIR} "${pc_dir}")
unset(ENV{PKG_CONFIG_PATH})
unset(ENV{PKG_CONFIG_SYSROOT_DIR})
step("pkg-config" "${PKG_CONFIG_EXE}" --cflags --libs hytm)
string(STRIP "${step_out}" pc_flags)
message(STATUS "pkg-config --cflags --libs hytm: ${pc_flags}")
# pkg-config collapses ".." in ${pcfiledir}-relative paths or keeps them: either way the
# include folder it names must be the moved prefix's.
string(REGEX MATCH "-I([^ ]+)" _ "${pc_flags}")
set(inc "${CMAKE_MATCH_1}")
if(NOT inc OR NOT EXISTS "${inc}/hytm/hytm.h")
  message(FATAL_ERROR "package.consumer: pkg-config's include folder '${inc}' holds no "
                      "hytm/hytm.h: hytm.pc does not follow the moved install")
endif()
get_filename_component(inc_real "${inc}" REALPATH)
get_filename_component(prefix_real "${prefix}" REALPATH)
string(FIND "${inc_real}" "${prefix_real}/" pos)
if(NOT pos EQUAL 0)
  message(FATAL_ERROR "package.consumer: pkg-config points at ${inc_real}, not into ${prefix_real}")
endif()
foreach(flag -pthread -lhytm)
  string(FIND " ${pc_flags} " " ${flag} " pos)
  if(pos EQUAL -1)
    message(FATAL_ERROR "package.consumer: `pkg-config --cflags --libs hytm` lacks ${flag}: "
                        "${pc_flags}")
  endif()
endforeach()
set(mk_dir "${WORK_DIR}/make")
file(MAKE_DIRECTORY "${mk_dir}")
set(mk_args -C "${mk_dir}" -f "${CONSUMER_DIR}/../pkgconfig/Makefile"
            "SRC=${CONSUMER_DIR}/main.c" "PKG_CONFIG=${PKG_CONFIG_EXE}")
if(C_COMPILER)
  list(APPEND mk_args "CC=${C_COMPILER}")
endif()
if(SAN_FLAGS)
  list(APPEND mk_args "SAN=${SAN_FLAGS}")
endif()
step("make (pkg-config)" "${MAKE_EXE}" ${mk_args})
set(ENV{LD_LIBRARY_PATH} "${lib_dir}")
step("consumer_c_pkgconfig" "${mk_dir}/consumer_c_pkgconfig")
string(STRIP "${step_out}" o)
message(STATUS "${o} (built by make with pkg-config)")
