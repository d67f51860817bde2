// The C++ API from an install tree: wasm.hh is installed beside wasm.h and needs no other
// library than libwasmo.so. Built as C++11, the standard the upstream C++ examples use.
#include <cstdio>
#include "wasm.hh"

int main() {
  auto engine = wasm::Engine::make();
  auto store = wasm::Store::make(engine.get());
  auto type = wasm::FuncType::make(wasm::ownvec<wasm::ValType>::make(),
                                   wasm::ownvec<wasm::ValType>::make(wasm::ValType::make(wasm::ValKind::I32)));
  auto func = wasm::Func::make(store.get(), type.get(),
                               [](const wasm::vec<wasm::Val>&, wasm::vec<wasm::Val>& results) -> wasm::own<wasm::Trap> {
                                 results[0] = wasm::Val::i32(42);
                                 return nullptr;
                               });
  auto args = wasm::vec<wasm::Val>::make();
  auto results = wasm::vec<wasm::Val>::make_uninitialized(1);
  bool ok = func && !func->call(args, results) && results[0].i32() == 42;
  std::printf("uses_wasmo_cxx: %s\n", ok ? "ok" : "failed");
  return ok ? 0 : 1;
}
