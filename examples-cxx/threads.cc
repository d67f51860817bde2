// One module, compiled once, used by several threads: Module::share hands it to each thread,
// which obtains it in a store of its own and runs it; and a module through serialize /
// deserialize, as a code cache would keep it (callback.wat).
#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "example.hh"

static std::atomic<int> calls(0);

static auto sum(const wasm::vec<wasm::Val>& args, wasm::vec<wasm::Val>& results) -> wasm::own<wasm::Trap> {
  calls++;
  results[0] = wasm::Val::f64(args[0].i32() + double(args[1].i64()) + args[2].f32() + args[3].f64());
  return nullptr;
}
static auto half(const wasm::vec<wasm::Val>& args, wasm::vec<wasm::Val>& results) -> wasm::own<wasm::Trap> {
  results[0] = wasm::Val::f32(args[0].f32() / 2);
  return nullptr;
}
static auto count(const wasm::vec<wasm::Val>& args, wasm::vec<wasm::Val>& results) -> wasm::own<wasm::Trap> {
  results[0] = wasm::Val::i64(args[0].i32());
  return nullptr;
}

// Instantiates callback.wasm's module in `store` and returns compute(n, n, 0.5, 0.25), or NaN.
static auto compute(wasm::Store* store, const wasm::Module* module, int32_t n) -> double {
  auto t = [](wasm::ValKind k) { return wasm::ValType::make(k); };
  using K = wasm::ValKind;
  auto sum_type = wasm::FuncType::make(wasm::ownvec<wasm::ValType>::make(t(K::I32), t(K::I64), t(K::F32), t(K::F64)),
                                       wasm::ownvec<wasm::ValType>::make(t(K::F64)));
  auto half_type = wasm::FuncType::make(wasm::ownvec<wasm::ValType>::make(t(K::F32)),
                                        wasm::ownvec<wasm::ValType>::make(t(K::F32)));
  auto count_type = wasm::FuncType::make(wasm::ownvec<wasm::ValType>::make(t(K::I32)),
                                         wasm::ownvec<wasm::ValType>::make(t(K::I64)));
  auto f1 = wasm::Func::make(store, sum_type.get(), sum);
  auto f2 = wasm::Func::make(store, half_type.get(), half);
  auto f3 = wasm::Func::make(store, count_type.get(), count);
  auto imports = wasm::vec<wasm::Extern*>::make(f1.get(), f2.get(), f3.get());
  auto instance = wasm::Instance::make(store, module, imports);
  if (!instance) return NAN;
  auto exports = instance->exports();
  auto args = wasm::vec<wasm::Val>::make(wasm::Val::i32(n), wasm::Val::i64(n), wasm::Val::f32(0.5f),
                                         wasm::Val::f64(0.25));
  auto results = wasm::vec<wasm::Val>::make_uninitialized(1);
  if (exports[0]->func()->call(args, results)) return NAN;
  return results[0].f64();
}

int main() {
  auto engine = wasm::Engine::make();
  auto store = wasm::Store::make(engine.get());
  auto module = load_module(store.get(), "callback.wasm");
  if (!module) return 1;

  const int threads = 4;
  auto shared = module->share();
  std::vector<double> got(threads);
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      auto thread_store = wasm::Store::make(engine.get());
      auto obtained = wasm::Module::obtain(thread_store.get(), shared.get());
      got[i] = obtained ? compute(thread_store.get(), obtained.get(), i) : NAN;
    });
  }
  for (auto& w : workers) w.join();
  bool all = true;
  for (int i = 0; i < threads; ++i) all = all && got[i] == 2 * (2.0 * i + 0.75);
  check(all, "4 threads, each with its own store, ran the shared module");
  check(calls == threads, "the host function ran once per thread");

  auto bytes = module->serialize();
  check(bytes.size() > 0, "Module::serialize");
  auto restored = wasm::Module::deserialize(store.get(), bytes);
  check(restored && compute(store.get(), restored.get(), 10) == 2 * 20.75,
        "the deserialised module runs");
  bytes[0] ^= 0x55;
  check(!wasm::Module::deserialize(store.get(), bytes), "a damaged artifact is refused");
  std::cout << "> " << wasmo_error_message() << std::endl;
  return finish("threads");
}
