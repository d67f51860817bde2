# find_package(wasmo) support. Defines the imported target wasmo::wasmo (libwasmo.so plus the
# include directory holding wasm.h and wasmo.h).
#
# Works from two layouts:
#   install tree: <prefix>/lib/cmake/wasmo/wasmoConfig.cmake (scripts/install.sh)
#   build tree:   <repo>/cmake/wasmoConfig.cmake, library in <repo>/target/<profile>
#                 (WASMO_CARGO_PROFILE, default "release"; pass -Dwasmo_DIR=<repo>/cmake)

get_filename_component(_wasmo_here "${CMAKE_CURRENT_LIST_DIR}" REALPATH)

if(EXISTS "${_wasmo_here}/../../../include/wasm.h" AND EXISTS "${_wasmo_here}/../../libwasmo.so")
  get_filename_component(_wasmo_prefix "${_wasmo_here}/../../.." REALPATH)
  set(_wasmo_include "${_wasmo_prefix}/include")
  set(_wasmo_library "${_wasmo_prefix}/lib/libwasmo.so")
else()
  if(NOT DEFINED WASMO_CARGO_PROFILE)
    set(WASMO_CARGO_PROFILE release)
  endif()
  get_filename_component(_wasmo_repo "${_wasmo_here}/.." REALPATH)
  set(_wasmo_include "${_wasmo_repo}/include")
  set(_wasmo_library "${_wasmo_repo}/target/${WASMO_CARGO_PROFILE}/libwasmo.so")
endif()

if(NOT EXISTS "${_wasmo_library}")
  set(wasmo_FOUND FALSE)
  set(wasmo_NOT_FOUND_MESSAGE "libwasmo.so not found at ${_wasmo_library} (build it with `cargo build --release`)")
  return()
endif()

if(NOT TARGET wasmo::wasmo)
  add_library(wasmo::wasmo SHARED IMPORTED)
  set_target_properties(wasmo::wasmo PROPERTIES
    IMPORTED_LOCATION "${_wasmo_library}"
    IMPORTED_NO_SONAME TRUE
    INTERFACE_INCLUDE_DIRECTORIES "${_wasmo_include}")
endif()

set(WASMO_LIBRARY "${_wasmo_library}")
set(WASMO_INCLUDE_DIR "${_wasmo_include}")
set(wasmo_FOUND TRUE)
