# Installs libhytm.so, the headers of every component (the public ones
# include the internal ones), and a package config so that
#   find_package(hytm CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE hytm::hytm)
# works, and hytm.pc for pkg-config.  Two install components, which are also the two Debian
# packages of cmake/package.cmake: "runtime" (libhytm.so.N and its versioned file) and "dev"
# (headers, the libhytm.so link, the CMake package, hytm.pc).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS hytm EXPORT hytmTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(component core htm stm fallback hybrid)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${component}/include/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
endforeach()
install(EXPORT hytmTargets NAMESPACE hytm:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hytm
        COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hytmConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hytmConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hytm)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hytmConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hytmConfig.cmake ${PROJECT_BINARY_DIR}/hytmConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hytm COMPONENT dev)

# pkg-config: hytm.pc beside the CMake package, in LIBDIR/pkgconfig.  Paths are relative to the
# .pc file's own directory (${pcfiledir}), so that a moved install still works; absolute
# LIBDIR/INCLUDEDIR settings are kept as they are.
set(_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(HYTM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(HYTM_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _pc_up "/prefix/${_pc_dir}" "/prefix")
  string(REGEX REPLACE "/$" "" _pc_up "${_pc_up}")
  set(HYTM_PC_PREFIX "\${pcfiledir}/${_pc_up}")
  set(HYTM_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(HYTM_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(HYTM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# What the CMake target adds to its users' compile lines must reach pkg-config users too.
set(HYTM_PC_DEFINES "")
if(HYTM_NO_RTM)
  string(APPEND HYTM_PC_DEFINES " -DHYTM_NO_RTM=1")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/hytm.pc.in ${PROJECT_BINARY_DIR}/hytm.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/hytm.pc DESTINATION ${_pc_dir} COMPONENT dev)
