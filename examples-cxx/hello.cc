// Loads hello.wasm, gives it a host function `hello` that counts its calls, and calls the
// module's export `run`, which calls `hello` once.
#include "example.hh"

static int hello_calls = 0;

static auto hello(const wasm::vec<wasm::Val>&, wasm::vec<wasm::Val>&) -> wasm::own<wasm::Trap> {
  hello_calls++;
  std::cout << "> hello from the host (call " << hello_calls << ")" << std::endl;
  return nullptr;
}

int main() {
  auto engine = wasm::Engine::make();
  auto store = wasm::Store::make(engine.get());
  auto module = load_module(store.get(), "hello.wasm");
  if (!module) return 1;

  std::cout << "creating the host function" << std::endl;
  auto hello_type = wasm::FuncType::make();
  auto hello_func = wasm::Func::make(store.get(), hello_type.get(), hello);
  check(bool(hello_func), "Func::make");

  std::cout << "instantiating" << std::endl;
  auto imports = wasm::vec<wasm::Extern*>::make(hello_func.get());
  auto instance = wasm::Instance::make(store.get(), module.get(), imports);
  check(bool(instance), "Instance::make");
  if (!instance) return 1;
  check(hello_calls == 0, "hello not called while instantiating");

  auto exports = instance->exports();
  check(exports.size() == 1 && exports[0]->kind() == wasm::ExternKind::FUNC, "one function export");
  const wasm::Func* run = exports[0]->func();
  if (!run) return finish("hello");

  std::cout << "calling run" << std::endl;
  auto args = wasm::vec<wasm::Val>::make();
  auto results = wasm::vec<wasm::Val>::make();
  check(!run->call(args, results), "run returns without a trap");
  check(hello_calls == 1, "hello called once");
  return finish("hello");
}
