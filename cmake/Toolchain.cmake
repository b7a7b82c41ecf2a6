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
