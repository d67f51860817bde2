// What every C++ example shares: printing and counting checks, loading a module from a file,
// finding an export by name. Each example prints one line per check and exits non-zero if any
// failed.
#ifndef WASMO_EXAMPLE_HH
#define WASMO_EXAMPLE_HH

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "wasm.hh"
#include "wasmo.h"

static int failures = 0;

// Prints one check and counts it if it failed.
inline void check(bool ok, const std::string& what) {
  std::cout << "  " << (ok ? "[ok]     " : "[FAILED] ") << what << std::endl;
  if (!ok) failures++;
}

// The bytes of the file at `path`, or an invalid vector if it cannot be read.
inline auto read_file(const char* path) -> wasm::vec<byte_t> {
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  if (!file) {
    std::cout << "> cannot read " << path << std::endl;
    return wasm::vec<byte_t>::invalid();
  }
  return wasm::vec<byte_t>::make(content.str());
}

inline auto load_module(wasm::Store* store, const char* path) -> wasm::own<wasm::Module> {
  auto binary = read_file(path);
  if (!binary) return wasm::own<wasm::Module>();
  auto module = wasm::Module::make(store, binary);
  if (!module) std::cout << "> compiling " << path << " failed: " << wasmo_error_message() << std::endl;
  return module;
}

// The export called `name` of an instance of `module`, or null.
inline auto export_named(const wasm::Module* module, const wasm::ownvec<wasm::Extern>& exports,
                         const char* name) -> wasm::Extern* {
  auto types = module->exports();
  for (size_t i = 0; i < types.size() && i < exports.size(); ++i) {
    const wasm::Name& n = types[i]->name();
    if (n.size() == std::strlen(name) && std::memcmp(n.get(), name, n.size()) == 0)
      return exports[i].get();
  }
  std::cout << "> no export " << name << std::endl;
  return nullptr;
}

inline auto finish(const char* name) -> int {
  std::cout << name << ": " << (failures ? "FAILED" : "ok") << std::endl;
  return failures ? 1 : 0;
}

#endif
