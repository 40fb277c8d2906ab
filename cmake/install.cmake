# Installs libhytm.so, the headers of every component (the public ones
# include the internal ones), and a package config so that
#   find_package(hytm CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE hytm::hytm)
# works.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS hytm EXPORT hytmTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(component core htm stm fallback hybrid)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${component}/include/
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(EXPORT hytmTargets NAMESPACE hytm:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hytm)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hytmConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hytmConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hytm)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hytmConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hytmConfig.cmake ${PROJECT_BINARY_DIR}/hytmConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hytm)
