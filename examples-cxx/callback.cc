// Host functions of every number type, one with an environment and its finalizer, called from
// wasm (callback.wat).
#include <cmath>

#include "example.hh"

// sum(i32, i64, f32, f64) -> f64
static auto sum(const wasm::vec<wasm::Val>& args, wasm::vec<wasm::Val>& results) -> wasm::own<wasm::Trap> {
  results[0] = wasm::Val::f64(args[0].i32() + double(args[1].i64()) + args[2].f32() + args[3].f64());
  return nullptr;
}

static auto half(const wasm::vec<wasm::Val>& args, wasm::vec<wasm::Val>& results) -> wasm::own<wasm::Trap> {
  results[0] = wasm::Val::f32(args[0].f32() / 2);
  return nullptr;
}

// count(i32) -> i64, counting its calls in the environment.
struct Counter {
  int64_t calls;
};
static int finalized = 0;

static auto count(void* env, const wasm::vec<wasm::Val>& args, wasm::vec<wasm::Val>& results)
    -> wasm::own<wasm::Trap> {
  auto* counter = static_cast<Counter*>(env);
  counter->calls++;
  results[0] = wasm::Val::i64(counter->calls * 1000 + args[0].i32());
  return nullptr;
}

static void free_counter(void* env) {
  finalized++;
  delete static_cast<Counter*>(env);
}

static auto types(std::initializer_list<wasm::ValKind> kinds) -> wasm::ownvec<wasm::ValType> {
  auto v = wasm::ownvec<wasm::ValType>::make_uninitialized(kinds.size());
  size_t i = 0;
  for (auto k : kinds) v[i++] = wasm::ValType::make(k);
  return v;
}

// Everything the example makes is released when this returns.
static void run() {
  using K = wasm::ValKind;
  auto engine = wasm::Engine::make();
  auto store = wasm::Store::make(engine.get());
  auto module = load_module(store.get(), "callback.wasm");
  if (!module) return;

  auto sum_type = wasm::FuncType::make(types({K::I32, K::I64, K::F32, K::F64}), types({K::F64}));
  auto half_type = wasm::FuncType::make(types({K::F32}), types({K::F32}));
  auto count_type = wasm::FuncType::make(types({K::I32}), types({K::I64}));
  auto sum_func = wasm::Func::make(store.get(), sum_type.get(), sum);
  auto half_func = wasm::Func::make(store.get(), half_type.get(), half);
  auto count_func = wasm::Func::make(store.get(), count_type.get(), count, new Counter{0}, free_counter);
  check(sum_func && half_func && count_func, "three host functions");
  check(count_func->param_arity() == 1 && count_func->result_arity() == 1, "count's arities");

  auto imports = wasm::vec<wasm::Extern*>::make(sum_func.get(), half_func.get(), count_func.get());
  auto instance = wasm::Instance::make(store.get(), module.get(), imports);
  check(bool(instance), "Instance::make");
  if (!instance) return;
  auto exports = instance->exports();

  auto results = wasm::vec<wasm::Val>::make_uninitialized(1);
  auto compute = export_named(module.get(), exports, "compute")->func();
  auto compute_args = wasm::vec<wasm::Val>::make(wasm::Val::i32(1), wasm::Val::i64(2),
                                                 wasm::Val::f32(3.5f), wasm::Val::f64(0.25));
  check(!compute->call(compute_args, results) && results[0].f64() == 13.5,
        "compute(1, 2, 3.5, 0.25) = 2 * sum = 13.5");

  auto quarter = export_named(module.get(), exports, "quarter")->func();
  auto quarter_args = wasm::vec<wasm::Val>::make(wasm::Val::f32(10));
  check(!quarter->call(quarter_args, results) && results[0].f32() == 2.5f, "quarter(10) = 2.5");

  auto count_twice = export_named(module.get(), exports, "count_twice")->func();
  auto count_args = wasm::vec<wasm::Val>::make(wasm::Val::i32(7));
  check(!count_twice->call(count_args, results) && results[0].i64() == 1007 + 2007,
        "count_twice(7) = 1007 + 2007 (the environment counts calls)");

  check(finalized == 0, "the finalizer has not run while the function is in use");
}

int main() {
  run();
  // The environment's finalizer runs once, when the store and the last handle of the function
  // are gone.
  check(finalized == 1, "the finalizer ran once");
  return finish("callback");
}
