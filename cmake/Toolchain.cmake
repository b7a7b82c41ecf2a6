# Compiler launcher, warnings and sanitizer flags shared by every target.

find_program(P2PSCOPE_CCACHE ccache)
if(P2PSCOPE_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${P2PSCOPE_CCACHE})
endif()

add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports Asio's coroutine frame allocator as a new/delete mismatch
  # (a false positive on awaitable_frame_base::operator delete).
  add_compile_options(-Wno-mismatched-new-delete)
endif()

if(P2PSCOPE_SANITIZE)
  set(p2pscope_san -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 15)
    # clang 14's -fsanitize=function cannot compile coroutines ("Cannot
    # represent a difference across sections", llvm-project#49689).
    list(APPEND p2pscope_san -fno-sanitize=function)
  endif()
  add_compile_options(${p2pscope_san})
  add_link_options(${p2pscope_san})
endif()

if(P2PSCOPE_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "P2PSCOPE_BUILD_FUZZERS needs clang (CXX=clang++)")
  endif()
  # Instrument every library for coverage; only fuzz executables link the
  # libFuzzer main (see tests/fuzz).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# Adds a library for one folder. Sources are listed explicitly by the caller.
function(p2pscope_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# Each folder lists its own *_test.cpp with p2pscope_tests(SUITE files...);
# tests/CMakeLists.txt (added after every folder) builds one program per
# suite (unit, integration, passive, pg, harness) from what was listed.
function(p2pscope_tests suite)
  if(NOT P2PSCOPE_BUILD_TESTS)
    return()
  endif()
  set(files "")
  foreach(f IN LISTS ARGN)
    list(APPEND files ${CMAKE_CURRENT_SOURCE_DIR}/${f})
  endforeach()
  set_property(GLOBAL APPEND PROPERTY P2PSCOPE_TESTS_${suite} ${files})
endfunction()

function(p2pscope_test_sources target suite)
  get_property(files GLOBAL PROPERTY P2PSCOPE_TESTS_${suite})
  if(NOT files)
    message(FATAL_ERROR "no folder registered tests for the '${suite}' suite")
  endif()
  target_sources(${target} PRIVATE ${files})
endfunction()
