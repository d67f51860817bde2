// Traps (trap.wat): from a host function (Trap::make) and from wasm, with their origin and
// backtrace; a trapping start function (start_trap.wat); the store keeps working.
#include "example.hh"

static wasm::Store* the_store = nullptr;

static auto fail(const wasm::vec<wasm::Val>&, wasm::vec<wasm::Val>&) -> wasm::own<wasm::Trap> {
  return wasm::Trap::make(the_store, wasm::Message::make_nt(std::string("the host says no")));
}

static auto message_is(const wasm::own<wasm::Trap>& trap, const char* expected) -> bool {
  if (!trap) return false;
  auto message = trap->message();
  std::cout << "> trap: " << message.get() << std::endl;
  return std::strcmp(message.get(), expected) == 0;
}

int main() {
  auto engine = wasm::Engine::make();
  auto store = wasm::Store::make(engine.get());
  the_store = store.get();
  auto module = load_module(store.get(), "trap.wasm");
  if (!module) return 1;
  auto fail_type = wasm::FuncType::make();
  auto fail_func = wasm::Func::make(store.get(), fail_type.get(), fail);
  auto imports = wasm::vec<wasm::Extern*>::make(fail_func.get());
  auto instance = wasm::Instance::make(store.get(), module.get(), imports);
  check(bool(instance), "Instance::make");
  if (!instance) return 1;
  auto exports = instance->exports();
  auto none = wasm::vec<wasm::Val>::make();

  auto trap = export_named(module.get(), exports, "call_fail")->func()->call(none, none);
  check(message_is(trap, "the host says no"), "a host trap reaches the caller with its message");
  auto trace = trap->trace();
  check(trace.size() == 1 && trace[0]->func_index() == 1, "its trace is call_fail (function 1)");

  trap = export_named(module.get(), exports, "crash")->func()->call(none, none);
  check(message_is(trap, "unreachable"), "a wasm trap has the spec's message");
  auto origin = trap->origin();
  check(origin && origin->func_index() == 2, "its origin is $inner (function 2)");
  check(origin && origin->instance() && origin->instance()->same(instance.get()),
        "in this instance");
  trace = trap->trace();
  check(trace.size() == 3 && trace[1]->func_index() == 3 && trace[2]->func_index() == 4,
        "the trace is inner, middle, crash");
  for (size_t i = 0; i < trace.size(); ++i) {
    std::cout << "> frame " << i << ": function " << trace[i]->func_index() << " at module offset 0x"
              << std::hex << trace[i]->module_offset() << std::dec << std::endl;
  }

  auto args = wasm::vec<wasm::Val>::make(wasm::Val::i32(2), wasm::Val::i32(3));
  auto results = wasm::vec<wasm::Val>::make_uninitialized(1);
  check(!export_named(module.get(), exports, "add")->func()->call(args, results) && results[0].i32() == 5,
        "after the traps, add(2, 3) = 5");

  // A start function that traps: instantiation fails and the trap says why.
  auto start_module = load_module(store.get(), "start_trap.wasm");
  if (!start_module) return 1;
  wasm::own<wasm::Trap> start_trap;
  auto started = wasm::Instance::make(store.get(), start_module.get(),
                                      wasm::vec<wasm::Extern*>::make(), &start_trap);
  check(!started && start_trap, "a trapping start function fails instantiation with a trap");
  if (start_trap) std::cout << "> trap: " << start_trap->message().get() << std::endl;
  return finish("trap");
}
