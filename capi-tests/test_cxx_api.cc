// The C++ API (wasm.hh) over libwasmo.so: every class and member function of the upstream
// wasm-c-api C++ header, in both compile modes and through serialisation, with ownership
// checked by valgrind (every `own<>` and `vec<>` here is released by its destructor).
#include "wasm.hh"

#include <cmath>
#include <string>
#include <thread>

#include "harness.h"

namespace {

int add_calls = 0;
int mix_calls = 0;
int finalized = 0;

auto add(const wasm::vec<wasm::Val>& args, wasm::vec<wasm::Val>& results) -> wasm::own<wasm::Trap> {
  add_calls++;
  results[0] = wasm::Val::i32(args[0].i32() + args[1].i32());
  return nullptr;
}

struct MixEnv {
  wasm::Store* store;
  double scale;
};

// mix(i64, f32, f64) -> f64, with an environment; traps for a negative first argument.
auto mix(void* env, const wasm::vec<wasm::Val>& args, wasm::vec<wasm::Val>& results)
    -> wasm::own<wasm::Trap> {
  auto* e = static_cast<MixEnv*>(env);
  mix_calls++;
  if (args[0].i64() < 0) {
    return wasm::Trap::make(e->store, wasm::Message::make_nt(std::string("negative")));
  }
  results[0] = wasm::Val(e->scale * (double(args[0].get<int64_t>()) + args[1].f32() + args[2].f64()));
  return nullptr;
}

void finalize_env(void* env) {
  finalized++;
  delete static_cast<MixEnv*>(env);
}

// Returns its argument: a reference passed to the host and back.
auto echo(const wasm::vec<wasm::Val>& args, wasm::vec<wasm::Val>& results) -> wasm::own<wasm::Trap> {
  results[0] = args[0].copy();
  return nullptr;
}

// A function whose result is a fresh `Val::ref` (of kind EXTERNREF) where a funcref is declared.
wasm::Func* funcref_source = nullptr;
auto give_func(const wasm::vec<wasm::Val>&, wasm::vec<wasm::Val>& results) -> wasm::own<wasm::Trap> {
  results[0] = wasm::Val::ref(funcref_source->copy());
  return nullptr;
}

auto read_wasm(const char* name) -> wasm::vec<byte_t> {
  wasm_byte_vec_t c;
  load_wasm(name, &c);
  auto v = wasm::vec<byte_t>::make_uninitialized(c.size);
  memcpy(v.get(), c.data, c.size);
  wasm_byte_vec_delete(&c);
  return v;
}

auto name_is(const wasm::Name& n, const char* s) -> bool {
  return n.size() == strlen(s) && memcmp(n.get(), s, n.size()) == 0;
}

auto message_has(const wasm::own<wasm::Trap>& trap, const char* part) -> bool {
  if (!trap) return false;
  auto m = trap->message();
  bool ok = m.size() > 0 && m[m.size() - 1] == 0 && strstr(m.get(), part) != nullptr;
  if (!ok) fprintf(stderr, "trap message \"%.*s\" lacks \"%s\"\n", int(m.size()), m.get(), part);
  return ok;
}

void test_vectors() {
  auto empty = wasm::vec<int>::make();
  CHECK(empty && empty.size() == 0 && empty.get() == nullptr);
  auto three = wasm::vec<int>::make(1, 2, 3);
  CHECK(three.size() == 3 && three[0] == 1 && three[2] == 3);
  auto copy = three.copy();
  copy[0] = 9;
  CHECK(copy.size() == 3 && copy[0] == 9 && three[0] == 1);
  auto moved = std::move(copy);
  CHECK(!copy && moved.size() == 3);
  int* raw = moved.release();
  CHECK(!moved && raw[0] == 9);
  auto adopted = wasm::vec<int>::adopt(3, raw);
  CHECK(adopted.size() == 3 && adopted[1] == 2);
  adopted.reset(three);
  CHECK(adopted.size() == 3 && adopted[0] == 1 && !three);
  adopted.reset();
  CHECK(!adopted && !wasm::vec<int>::invalid());
  auto name = wasm::Name::make(std::string("name"));
  CHECK(name.size() == 4 && memcmp(name.get(), "name", 4) == 0);
  auto nt = wasm::Name::make_nt(std::string("nt"));
  CHECK(nt.size() == 3 && nt[2] == 0);
  auto uninit = wasm::vec<wasm::Val>::make_uninitialized(2);
  CHECK(uninit.size() == 2 && uninit[1].kind() == wasm::ValKind::EXTERNREF && !uninit[1].ref());
}

void test_types() {
  for (auto k : {wasm::ValKind::I32, wasm::ValKind::I64, wasm::ValKind::F32, wasm::ValKind::F64,
                 wasm::ValKind::EXTERNREF, wasm::ValKind::FUNCREF}) {
    auto t = wasm::ValType::make(k);
    CHECK(t->kind() == k && t->copy()->kind() == k);
    CHECK(t->is_num() == wasm::is_num(k) && t->is_ref() == wasm::is_ref(k));
  }

  auto ft = wasm::FuncType::make(
      wasm::ownvec<wasm::ValType>::make(wasm::ValType::make(wasm::ValKind::I32),
                                        wasm::ValType::make(wasm::ValKind::F64)),
      wasm::ownvec<wasm::ValType>::make(wasm::ValType::make(wasm::ValKind::FUNCREF)));
  CHECK(ft->params().size() == 2 && ft->params()[1]->kind() == wasm::ValKind::F64);
  CHECK(ft->results().size() == 1 && ft->results()[0]->kind() == wasm::ValKind::FUNCREF);
  auto ft2 = ft->copy();
  CHECK(ft2->params().size() == 2 && ft2->kind() == wasm::ExternKind::FUNC);
  CHECK(wasm::FuncType::make()->params().size() == 0);

  auto gt = wasm::GlobalType::make(wasm::ValType::make(wasm::ValKind::I64), wasm::Mutability::VAR);
  CHECK(gt->content()->kind() == wasm::ValKind::I64 && gt->mutability() == wasm::Mutability::VAR);
  CHECK(gt->copy()->mutability() == wasm::Mutability::VAR);

  auto tt = wasm::TableType::make(wasm::ValType::make(wasm::ValKind::FUNCREF), wasm::Limits(1, 5));
  CHECK(tt->element()->kind() == wasm::ValKind::FUNCREF);
  CHECK(tt->limits().min == 1 && tt->limits().max == 5 && tt->copy()->limits().max == 5);

  auto mt = wasm::MemoryType::make(wasm::Limits(2));
  CHECK(mt->limits().min == 2 && mt->limits().max == 0xffffffffu);
  CHECK(mt->copy()->limits().min == 2);

  // An ExternType seen as each kind: only its own kind answers.
  wasm::ExternType* et = ft.get();  // an upcast: the same object
  CHECK(et->kind() == wasm::ExternKind::FUNC && et->func() == ft.get());
  CHECK(!et->global() && !et->table() && !et->memory());
  const wasm::ExternType* cet = gt.get();
  CHECK(cet->global() == gt.get() && !cet->func() && !cet->table() && !cet->memory());
  CHECK(static_cast<const wasm::ExternType*>(tt.get())->table() == tt.get());
  CHECK(static_cast<const wasm::ExternType*>(mt.get())->memory() == mt.get());
  CHECK(static_cast<wasm::ExternType*>(tt.get())->table() == tt.get());
  CHECK(static_cast<wasm::ExternType*>(mt.get())->memory() == mt.get());
  auto et_copy = et->copy();
  CHECK(et_copy->kind() == wasm::ExternKind::FUNC && et_copy->func()->params().size() == 2);

  auto it = wasm::ImportType::make(wasm::Name::make(std::string("mod")),
                                   wasm::Name::make(std::string("x")), mt->copy());
  CHECK(name_is(it->module(), "mod") && name_is(it->name(), "x"));
  CHECK(it->type()->kind() == wasm::ExternKind::MEMORY && name_is(it->copy()->module(), "mod"));
  auto xt = wasm::ExportType::make(wasm::Name::make(std::string("y")), gt->copy());
  CHECK(name_is(xt->name(), "y") && xt->type()->global()->content()->kind() == wasm::ValKind::I64);
  CHECK(name_is(xt->copy()->name(), "y"));
}

void test_values(wasm::Store* store) {
  auto a = wasm::Val::i32(-1);
  CHECK(a.kind() == wasm::ValKind::I32 && a.is_num() && a.get<uint32_t>() == 0xffffffffu);
  CHECK(wasm::Val::make(uint64_t(5)).i64() == 5 && wasm::Val::make(int32_t(6)).i32() == 6);
  CHECK(wasm::Val::f32(1.5f).get<float>() == 1.5f && wasm::Val::f64(2.5).get<double>() == 2.5);
  CHECK(wasm::Val::i64(-2).get<int64_t>() == -2 && wasm::Val::make(uint32_t(3)).get<int32_t>() == 3);
  CHECK(wasm::Val::make(float(1)).kind() == wasm::ValKind::F32);
  CHECK(wasm::Val::make(double(1)).kind() == wasm::ValKind::F64);
  CHECK(wasm::Val::make(int64_t(1)).kind() == wasm::ValKind::I64);

  auto foreign = wasm::Foreign::make(store);
  int tag = 0;
  foreign->set_host_info(&tag);
  auto r = wasm::Val::ref(foreign->copy());
  CHECK(r.is_ref() && r.ref()->same(foreign.get()) && r.get<wasm::Ref*>() == r.ref());
  auto r2 = r.copy();
  CHECK(r2.ref() != r.ref() && r2.ref()->same(r.ref()) && r2.ref()->get_host_info() == &tag);
  auto owned = r2.release_ref();
  CHECK(!r2.ref() && owned->same(foreign.get()));
  auto r3 = wasm::Val::make(std::move(owned));
  CHECK(!owned && r3.ref()->same(foreign.get()));
  wasm::Val moved(std::move(r3));
  CHECK(!r3.ref() && moved.ref());
  r = std::move(moved);  // drops r's old reference
  CHECK(r.ref()->same(foreign.get()) && !moved.ref());
  r.reset();
  CHECK(!r.ref());
  auto f2 = foreign->copy();
  CHECK(f2->same(foreign.get()) && f2->get_host_info() == &tag);
  wasm::Val null_ref;
  CHECK(null_ref.is_ref() && !null_ref.ref() && !null_ref.copy().ref());
}

struct Fixture {
  wasm::own<wasm::Func> add, mix, echo, give;
  wasm::own<wasm::Global> base;
  wasm::own<wasm::Table> table;
  wasm::own<wasm::Memory> memory;
};

auto make_imports(wasm::Store* store) -> Fixture {
  Fixture f;
  auto i32 = [] { return wasm::ValType::make(wasm::ValKind::I32); };
  auto add_type = wasm::FuncType::make(wasm::ownvec<wasm::ValType>::make(i32(), i32()),
                                       wasm::ownvec<wasm::ValType>::make(i32()));
  f.add = wasm::Func::make(store, add_type.get(), add);
  auto mix_type = wasm::FuncType::make(
      wasm::ownvec<wasm::ValType>::make(wasm::ValType::make(wasm::ValKind::I64),
                                        wasm::ValType::make(wasm::ValKind::F32),
                                        wasm::ValType::make(wasm::ValKind::F64)),
      wasm::ownvec<wasm::ValType>::make(wasm::ValType::make(wasm::ValKind::F64)));
  f.mix = wasm::Func::make(store, mix_type.get(), mix, new MixEnv{store, 2.0}, finalize_env);
  auto echo_type = wasm::FuncType::make(
      wasm::ownvec<wasm::ValType>::make(wasm::ValType::make(wasm::ValKind::EXTERNREF)),
      wasm::ownvec<wasm::ValType>::make(wasm::ValType::make(wasm::ValKind::EXTERNREF)));
  f.echo = wasm::Func::make(store, echo_type.get(), echo);
  auto give_type = wasm::FuncType::make(
      wasm::ownvec<wasm::ValType>::make(),
      wasm::ownvec<wasm::ValType>::make(wasm::ValType::make(wasm::ValKind::FUNCREF)));
  f.give = wasm::Func::make(store, give_type.get(), give_func);
  auto base_type = wasm::GlobalType::make(i32(), wasm::Mutability::VAR);
  f.base = wasm::Global::make(store, base_type.get(), wasm::Val::i32(100));
  auto table_type =
      wasm::TableType::make(wasm::ValType::make(wasm::ValKind::FUNCREF), wasm::Limits(2, 10));
  f.table = wasm::Table::make(store, table_type.get(), f.add.get());
  auto memory_type = wasm::MemoryType::make(wasm::Limits(1, 4));
  f.memory = wasm::Memory::make(store, memory_type.get());
  return f;
}

// The export called `name` among an instance's exports.
auto export_of(const wasm::Module* module, wasm::ownvec<wasm::Extern>& exports, const char* name)
    -> wasm::Extern* {
  auto types = module->exports();
  for (size_t i = 0; i < types.size(); ++i) {
    if (name_is(types[i]->name(), name)) return exports[i].get();
  }
  fprintf(stderr, "no export %s\n", name);
  exit(2);
}

void test_module_reflection(wasm::Module* module) {
  auto imports = module->imports();
  CHECK(imports.size() == 6);
  CHECK(name_is(imports[0]->module(), "host") && name_is(imports[0]->name(), "add"));
  CHECK(imports[0]->type()->kind() == wasm::ExternKind::FUNC);
  CHECK(imports[0]->type()->func()->params().size() == 2);
  CHECK(imports[3]->type()->global()->mutability() == wasm::Mutability::VAR);
  CHECK(imports[4]->type()->table()->limits().max == 10);
  CHECK(imports[5]->type()->memory()->limits().min == 1);
  auto exports = module->exports();
  CHECK(exports.size() == 15);
  CHECK(name_is(exports[0]->name(), "counter") && exports[0]->type()->kind() == wasm::ExternKind::GLOBAL);
  CHECK(exports[8]->type()->func()->results().size() == 4);
  auto copies = exports.deep_copy();
  CHECK(copies.size() == 15 && name_is(copies[14]->name(), "bump"));
}

void test_instance(wasm::Store* store, wasm::Module* module) {
  Fixture f = make_imports(store);
  auto imports = wasm::vec<wasm::Extern*>::make(f.add.get(), f.mix.get(), f.echo.get(),
                                                f.base.get(), f.table.get(), f.memory.get());
  wasm::own<wasm::Trap> trap;
  auto instance = wasm::Instance::make(store, module, imports, &trap);
  CHECK(instance && !trap);
  if (!instance) {
    fprintf(stderr, "instantiation failed: %s\n", wasmo_error_message());
    return;
  }
  CHECK(instance->copy()->same(instance.get()));
  auto exports = instance->exports();
  CHECK(exports.size() == 15);
  auto ex = [&](const char* name) { return export_of(module, exports, name); };

  // Calls with numbers of every kind, multiple results and host functions.
  const wasm::Func* call_add = ex("call_add")->func();
  CHECK(call_add && call_add->param_arity() == 2 && call_add->result_arity() == 1);
  CHECK(call_add->type()->params()[0]->kind() == wasm::ValKind::I32);
  CHECK(ex("call_add")->kind() == wasm::ExternKind::FUNC && ex("call_add")->type()->func());
  auto args = wasm::vec<wasm::Val>::make(wasm::Val::i32(1), wasm::Val::i32(2));
  auto results = wasm::vec<wasm::Val>::make_uninitialized(1);
  int before = add_calls;
  CHECK(!call_add->call(args, results) && results[0].i32() == 103 && add_calls == before + 1);

  auto swap_args = wasm::vec<wasm::Val>::make(wasm::Val::i32(1), wasm::Val::i64(-2),
                                              wasm::Val::f32(3.5f), wasm::Val::f64(-4.25));
  auto swapped = wasm::vec<wasm::Val>::make_uninitialized(4);
  CHECK(!ex("swap")->func()->call(swap_args, swapped));
  CHECK(swapped[0].f64() == -4.25 && swapped[1].f32() == 3.5f && swapped[2].i64() == -2 &&
        swapped[3].i32() == 1);

  auto mix_args = wasm::vec<wasm::Val>::make(wasm::Val::i64(1), wasm::Val::f32(0.5f), wasm::Val::f64(0.25));
  CHECK(!ex("call_mix")->func()->call(mix_args, results) && results[0].f64() == 3.5);
  // A host trap (made with Trap::make) through wasm, with its frames.
  auto neg_args = wasm::vec<wasm::Val>::make(wasm::Val::i64(-1), wasm::Val::f32(0), wasm::Val::f64(0));
  trap = ex("call_mix")->func()->call(neg_args, results);
  CHECK(message_has(trap, "negative"));

  // A trap from wasm: message, origin, trace, frames.
  auto div_args = wasm::vec<wasm::Val>::make(wasm::Val::i32(1), wasm::Val::i32(0));
  trap = ex("div")->func()->call(div_args, results);
  CHECK(message_has(trap, "integer divide by zero"));
  if (trap) {
    auto origin = trap->origin();
    CHECK(origin && origin->instance() && origin->instance()->same(instance.get()));
    CHECK(origin && origin->func_index() == 9 && origin->func_offset() > 0 &&
          origin->module_offset() > origin->func_offset());
    auto trace = trap->trace();
    CHECK(trace.size() == 1 && trace[0]->func_index() == 9);
    CHECK(origin && origin->copy()->func_offset() == origin->func_offset());
    auto trap_copy = trap->copy();
    CHECK(message_has(trap_copy, "divide"));
  }
  // Without room for the result, a trapping function's own trap comes back (as in V8).
  auto none = wasm::vec<wasm::Val>::make();
  CHECK(message_has(ex("div")->func()->call(div_args, none), "integer divide by zero"));
  CHECK(message_has(call_add->call(args, none), "results vector is too small"));
  // Wrong arguments are a trap, and the store keeps working.
  CHECK(message_has(call_add->call(none, results), "bad arguments"));
  CHECK(!call_add->call(args, results) && results[0].i32() == 103);

  // References: an externref through the host and back, host info on the way.
  auto foreign = wasm::Foreign::make(store);
  int info = 0;
  foreign->set_host_info(&info);
  auto ref_args = wasm::vec<wasm::Val>::make(wasm::Val::ref(foreign->copy()));
  CHECK(!ex("echo")->func()->call(ref_args, results));
  CHECK(results[0].ref() && results[0].ref()->same(foreign.get()) &&
        results[0].ref()->get_host_info() == &info);
  auto null_args = wasm::vec<wasm::Val>::make(wasm::Val());
  CHECK(!ex("echo")->func()->call(null_args, results) && !results[0].ref());
  // A function as a funcref argument, made with Val::ref (kind EXTERNREF): it takes the
  // parameter's kind.
  auto func_args = wasm::vec<wasm::Val>::make(wasm::Val::ref(f.add->copy()));
  CHECK(!ex("same_func")->func()->call(func_args, results));
  CHECK(results[0].kind() == wasm::ValKind::FUNCREF && results[0].ref() &&
        results[0].ref()->same(f.add.get()));
  // ... and as a host function's funcref result.
  funcref_source = f.mix.get();
  auto give_results = wasm::vec<wasm::Val>::make_uninitialized(1);
  CHECK(!f.give->call(none, give_results));
  CHECK(give_results[0].kind() == wasm::ValKind::FUNCREF && give_results[0].ref()->same(f.mix.get()));

  // Globals: exported, imported, of numbers and references.
  wasm::Global* counter = ex("counter")->global();
  CHECK(counter && counter->get().i64() == 7);
  counter->set(wasm::Val::i64(41));
  CHECK(!ex("bump")->func()->call(none, results) && results[0].i64() == 42);
  CHECK(counter->type()->content()->kind() == wasm::ValKind::I64 && counter->copy()->same(counter));
  f.base->set(wasm::Val::i32(0));
  CHECK(!call_add->call(args, results) && results[0].i32() == 3);
  CHECK(ex("base")->global()->same(f.base.get()));
  wasm::Global* fn = ex("fn")->global();
  fn->set(wasm::Val::ref(f.echo->copy()));
  auto got = fn->get();
  CHECK(got.kind() == wasm::ValKind::FUNCREF && got.ref() && got.ref()->same(f.echo.get()));
  ex("ext")->global()->set(wasm::Val::ref(foreign->copy()));
  CHECK(ex("ext")->global()->get().ref()->same(foreign.get()));
  auto ext_type = wasm::GlobalType::make(wasm::ValType::make(wasm::ValKind::FUNCREF), wasm::Mutability::CONST);
  auto const_fn = wasm::Global::make(store, ext_type.get(), wasm::Val::ref(f.add->copy()));
  CHECK(const_fn && const_fn->get().ref()->same(f.add.get()));
  auto f32_type = wasm::GlobalType::make(wasm::ValType::make(wasm::ValKind::F32), wasm::Mutability::CONST);
  auto g32 = wasm::Global::make(store, f32_type.get(), wasm::Val::f32(1.25f));
  CHECK(g32 && g32->get().f32() == 1.25f && g32->type()->mutability() == wasm::Mutability::CONST);

  // Tables: the imported one, filled with the host add, seen from wasm.
  wasm::Table* table = ex("table")->table();
  CHECK(table && table->same(f.table.get()) && table->size() == 2);
  CHECK(table->type()->limits().max == 10 && table->copy()->size() == 2);
  auto slot_args = wasm::vec<wasm::Val>::make(wasm::Val::i32(1));
  CHECK(!ex("call_slot")->func()->call(slot_args, results) && results[0].i32() == 42);
  CHECK(table->get(0)->same(f.add.get()));
  CHECK(table->set(1, nullptr) && !table->get(1));
  CHECK(message_has(ex("call_slot")->func()->call(slot_args, results), "uninitialized element"));
  CHECK(table->grow(3, call_add) && table->size() == 5 && table->get(4)->same(call_add));
  CHECK(!table->grow(100) && table->size() == 5);
  CHECK(!table->set(5, nullptr) && !table->get(99));

  // Memories: the imported one, written from C++ and read by wasm.
  wasm::Memory* memory = ex("memory")->memory();
  CHECK(memory && memory->same(f.memory.get()) && memory->size() == 1);
  CHECK(memory->data_size() == wasm::Memory::page_size && memory->type()->limits().max == 4);
  memcpy(memory->data() + 8, "\x2a\0\0\0", 4);
  auto load_args = wasm::vec<wasm::Val>::make(wasm::Val::i32(8));
  CHECK(!ex("load")->func()->call(load_args, results) && results[0].i32() == 42);
  CHECK(memory->grow(2) && memory->size() == 3 && memory->data_size() == 3 * wasm::Memory::page_size);
  CHECK(!memory->grow(2) && memory->size() == 3 && memory->copy()->size() == 3);
  auto oob = wasm::vec<wasm::Val>::make(wasm::Val::i32(3 * 65536 - 2));
  CHECK(message_has(ex("load")->func()->call(oob, results), "out of bounds memory access"));

  // Externs as Refs: copies are the same object and share host info.
  wasm::Extern* e = ex("counter");
  auto e2 = e->copy();
  CHECK(e2->same(e) && e2->kind() == wasm::ExternKind::GLOBAL && e2->global());
  CHECK(!e2->func() && !e2->table() && !e2->memory());
  const wasm::Extern* ce = ex("memory");
  CHECK(ce->memory() && !ce->func() && !ce->global() && !ce->table());
  CHECK(static_cast<const wasm::Extern*>(ex("table"))->table());
  CHECK(static_cast<const wasm::Extern*>(ex("bump"))->func());
  CHECK(static_cast<const wasm::Extern*>(ex("base"))->global());
  int host_info = 0;
  e->set_host_info(&host_info, nullptr);
  CHECK(e2->get_host_info() == &host_info);

  // Instantiation that fails: a missing import, a trapping start function.
  auto too_few = wasm::vec<wasm::Extern*>::make(f.add.get());
  CHECK(!wasm::Instance::make(store, module, too_few));
}

void test_start_trap(wasm::Store* store) {
  auto binary = read_wasm("start");
  auto module = wasm::Module::make(store, binary);
  CHECK(module);
  if (!module) return;
  auto hello = wasm::Func::make(store, wasm::FuncType::make().get(),
                                [](const wasm::vec<wasm::Val>&, wasm::vec<wasm::Val>&) -> wasm::own<wasm::Trap> {
                                  return nullptr;
                                });
  auto fail_type = wasm::GlobalType::make(wasm::ValType::make(wasm::ValKind::I32), wasm::Mutability::CONST);
  auto fail = wasm::Global::make(store, fail_type.get(), wasm::Val::i32(1));
  auto imports = wasm::vec<wasm::Extern*>::make(hello.get(), fail.get());
  wasm::own<wasm::Trap> trap;
  auto instance = wasm::Instance::make(store, module.get(), imports, &trap);
  CHECK(!instance && message_has(trap, "unreachable"));
}

void test_module(wasm::Store* store, bool serialized) {
  auto binary = read_wasm("cxx");
  CHECK(wasm::Module::validate(store, binary));
  auto garbage = wasm::vec<byte_t>::make(std::string("\0asm\x02", 5));
  CHECK(!wasm::Module::validate(store, garbage) && !wasm::Module::make(store, garbage));
  CHECK(wasmo_error_message()[0] != 0);  // why, for the host to print

  auto module = wasm::Module::make(store, binary);
  CHECK(module);
  if (!module) return;
  if (serialized) {
    auto bytes = module->serialize();
    CHECK(bytes.size() > 0);
    module = wasm::Module::deserialize(store, bytes);
    CHECK(module);
    if (!module) return;
  }
  CHECK(module->copy()->same(module.get()));
  test_module_reflection(module.get());
  test_instance(store, module.get());
}

// A module shared with another thread, obtained and run there in a store of its own.
void test_shared(wasm::Engine* engine, wasm::Store* store) {
  auto binary = read_wasm("cxx");
  auto module = wasm::Module::make(store, binary);
  CHECK(module);
  if (!module) return;
  auto shared = module->share();
  bool ok = false;
  std::thread t([&] {
    auto other = wasm::Store::make(engine);
    auto obtained = wasm::Module::obtain(other.get(), shared.get());
    ok = obtained && obtained->exports().size() == 15;
  });
  t.join();
  CHECK(ok);
}

void in_mode(wasmo_mode_t mode) {
  auto config = wasm::Config::make();
  // Wasmo's settings are wasmo.h functions: a wasm::Config* is a wasm_config_t*.
  CHECK(wasmo_config_set_mode(reinterpret_cast<wasm_config_t*>(config.get()), mode));
  auto engine = wasm::Engine::make(std::move(config));
  CHECK(!config && engine);
  auto store = wasm::Store::make(engine.get());
  int finalized_before = finalized;
  test_values(store.get());
  test_module(store.get(), false);
  test_module(store.get(), true);
  test_start_trap(store.get());
  test_shared(engine.get(), store.get());
  store.reset();
  CHECK(finalized == finalized_before + 2);  // each fixture's mix environment, once
}

}  // namespace

int main() {
  test_vectors();
  test_types();
  in_mode(WASMO_MODE_LIFTOFF);
  in_mode(WASMO_MODE_OPTIMIZED);
  auto engine = wasm::Engine::make();  // the default configuration
  CHECK(engine && wasm::Store::make(engine.get()));
  return test_finish("test_cxx_api");
}
