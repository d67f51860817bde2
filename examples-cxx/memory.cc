// An exported memory seen from C++ (memory.wat): data, size, growth, out-of-bounds traps; and a
// host memory imported by a module (memory_import.wat).
#include "example.hh"

static auto call_i32(const wasm::Func* f, std::initializer_list<int32_t> in, int32_t* out) -> bool {
  auto args = wasm::vec<wasm::Val>::make_uninitialized(in.size());
  size_t i = 0;
  for (int32_t x : in) args[i++] = wasm::Val::i32(x);
  auto results = wasm::vec<wasm::Val>::make_uninitialized(f->result_arity());
  auto trap = f->call(args, results);
  if (trap) {
    std::cout << "> trap: " << trap->message().get() << std::endl;
    return false;
  }
  if (out) *out = results[0].i32();
  return true;
}

int main() {
  auto engine = wasm::Engine::make();
  auto store = wasm::Store::make(engine.get());
  auto module = load_module(store.get(), "memory.wasm");
  if (!module) return 1;
  auto instance = wasm::Instance::make(store.get(), module.get(), wasm::vec<wasm::Extern*>::make());
  check(bool(instance), "Instance::make");
  if (!instance) return 1;
  auto exports = instance->exports();
  wasm::Memory* memory = export_named(module.get(), exports, "memory")->memory();
  auto load = export_named(module.get(), exports, "load")->func();
  auto store8 = export_named(module.get(), exports, "store")->func();
  auto grow = export_named(module.get(), exports, "grow")->func();

  check(memory->size() == 1 && memory->data_size() == wasm::Memory::page_size, "one page");
  check(memory->type()->limits().min == 1 && memory->type()->limits().max == 2, "limits 1..2");
  check(memory->data()[0x1000] == 1 && memory->data()[0x1003] == 4, "the data segment, read from C++");
  int32_t r = 0;
  check(call_i32(load, {0x1002}, &r) && r == 3, "load(0x1002) = 3");
  memory->data()[0x2000] = 42;
  check(call_i32(load, {0x2000}, &r) && r == 42, "a byte written from C++, loaded by wasm");
  check(call_i32(store8, {0x2001, 7}, nullptr) && memory->data()[0x2001] == 7,
        "a byte stored by wasm, read from C++");
  check(!call_i32(load, {0x10000}, &r), "load(0x10000) traps");

  check(memory->grow(1) && memory->size() == 2, "Memory::grow(1)");
  check(call_i32(load, {0x10000}, &r) && r == 0, "the new page is readable and zero");
  check(!memory->grow(1) && memory->size() == 2, "past the maximum, growth fails");
  check(call_i32(grow, {1}, &r) && r == -1, "and memory.grow from wasm gives -1");

  // A host memory, imported by another module.
  auto host_type = wasm::MemoryType::make(wasm::Limits(1, 3));
  auto host_memory = wasm::Memory::make(store.get(), host_type.get());
  check(host_memory && host_memory->size() == 1, "Memory::make");
  auto import_module = load_module(store.get(), "memory_import.wasm");
  if (!import_module) return 1;
  auto imports = wasm::vec<wasm::Extern*>::make(host_memory.get());
  auto importer = wasm::Instance::make(store.get(), import_module.get(), imports);
  check(bool(importer), "instantiating memory_import.wasm with the host memory");
  if (importer) {
    auto importer_exports = importer->exports();
    auto sum = export_named(import_module.get(), importer_exports, "sum")->func();
    auto fill = export_named(import_module.get(), importer_exports, "fill")->func();
    std::memset(host_memory->data() + 100, 2, 10);
    check(call_i32(sum, {100, 10}, &r) && r == 20, "wasm sums bytes the host wrote");
    check(call_i32(fill, {200, 5, 4}, nullptr) && host_memory->data()[203] == 5,
          "the host reads bytes wasm filled");
    check(host_memory->grow(2) && host_memory->size() == 3, "the host grows the shared memory");
    check(call_i32(export_named(import_module.get(), importer_exports, "size")->func(), {}, &r) && r == 3,
          "and wasm sees 3 pages");
  }
  return finish("memory");
}
