// Loop versioning for exact traps (docs/DESIGN.md, "Traps" and "The optimised pipeline").
//
// Every linear-memory access the translator emits is volatile: an access out of bounds faults on
// the guard pages, so it is a side effect no optimisation may remove or reorder. That also keeps
// the loop vectoriser and unroll-and-jam away from every loop that touches memory. This pass
// finds loop nests whose accesses' addresses are affine in the nest's induction variables,
// computes in the nest's preheader the lowest and highest byte any access can touch over the
// whole nest, and runs a copy of the nest with plain (non-volatile) accesses when those bytes lie
// inside the memory: then none of them can fault, so none is a side effect. Otherwise the
// original nest runs, with its volatile accesses, and traps exactly where it would have.
//
// Soundness, in brief: the range of an address is computed over the integers, as the
// mathematical value of its SCEV with every leaf (a value invariant in the nest) read as the
// unsigned number it holds (a constant as the signed one), every add recurrence {S,+,C}<M> read
// as S + C*k for k in [0, max backedge-taken count of M]. That value is congruent to the real
// one modulo 2^bits at every point of the nest, so where a zero or sign extension's operand range
// fits the extension's source type, the extension is exact; the preheader checks those fits with
// the bounds. The arithmetic is done in i128, where the few products and sums cannot overflow.
//
// A nest qualifies when it makes no call that returns (a call may grow the memory or be a
// host function that writes it), no atomic access, fence or other volatile access, and all its
// accesses are to memories the module lists in the `wasmo.heap` named metadata. A 64-bit
// memory's accesses have explicit bounds checks, branches to the out-of-bounds trap (whose
// code `wasmo.oob_trap` names); the plain copy never takes them.

#include <set>

#include "llvm-c/Core.h"
#include "llvm-c/TargetMachine.h"
#include "llvm/Analysis/AssumptionCache.h"
#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/ScalarEvolutionExpressions.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/MDBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/BasicBlockUtils.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/LoopSimplify.h"
#include "llvm/Transforms/Utils/LoopUtils.h"
#include "llvm/Transforms/Utils/ScalarEvolutionExpander.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

using namespace llvm;

namespace {

// Where a memory's current length is: `*(*(vmctx + definition) + length)`.
struct Heap {
  uint64_t definition;
  uint64_t length;
};

// At most this many loop nests are versioned per function, and a nest with more distinct
// address ranges than this is left alone (its check would cost more than it saves).
constexpr unsigned MaxNestsPerFunction = 32;
constexpr unsigned MaxRanges = 64;

const char *const Versioned = "wasmo.versioned";

struct Access {
  Instruction *inst;
  const SCEV *offset; // bytes from the memory's base
  uint64_t size;
  const Heap *heap;
  Value *vmctx;
};

struct Condition {
  ICmpInst::Predicate pred;
  const SCEV *lhs, *rhs;
};

class Versioner {
public:
  Versioner(Function &F, LoopInfo &LI, DominatorTree &DT, ScalarEvolution &SE,
            AssumptionCache &AC, const DenseMap<uint64_t, Heap> &heaps, uint32_t oobTrap)
      : F(F), LI(LI), DT(DT), SE(SE), AC(AC), heaps(heaps), oobTrap(oobTrap),
        DL(F.getParent()->getDataLayout()),
        I128(Type::getInt128Ty(F.getContext())) {}

  // Versions the first nest that qualifies and was not tried; false when there is none.
  bool versionOne(SmallPtrSetImpl<BasicBlock *> &tried) {
    SmallVector<Loop *, 8> work(LI.begin(), LI.end());
    // Outermost first: a nest versioned whole keeps its inner loops in one piece for
    // unroll-and-jam.
    std::reverse(work.begin(), work.end());
    while (!work.empty()) {
      Loop *L = work.pop_back_val();
      BasicBlock *header = L->getHeader();
      if (isMarked(L))
        continue;
      if (!tried.count(header)) {
        tried.insert(header);
        if (tryVersion(L))
          return true;
      }
      for (Loop *sub : reverse(L->getSubLoops()))
        work.push_back(sub);
    }
    return false;
  }

private:
  Function &F;
  LoopInfo &LI;
  DominatorTree &DT;
  ScalarEvolution &SE;
  AssumptionCache &AC;
  const DenseMap<uint64_t, Heap> &heaps;
  uint32_t oobTrap; // the trap code of an access out of bounds
  const DataLayout &DL;
  Type *I128;
  Loop *L = nullptr;
  SmallVector<Condition, 16> conditions;

  static bool isMarked(Loop *L) {
    return L->getHeader()->getTerminator()->getMetadata(Versioned) != nullptr;
  }

  // The memory whose base `base` is (a load of the vmctx's copy of a base), or null.
  const Heap *heapOf(Value *base, Value *&vmctx) {
    auto *load = dyn_cast<LoadInst>(base);
    if (!load || load->isVolatile() || L->contains(load))
      return nullptr;
    APInt offset(DL.getIndexTypeSizeInBits(load->getPointerOperandType()), 0);
    Value *root = load->getPointerOperand()->stripAndAccumulateConstantOffsets(
        DL, offset, /*AllowNonInbounds=*/true);
    auto *arg = dyn_cast<Argument>(root);
    if (!arg || arg->getArgNo() != 0 || arg->getParent() != &F)
      return nullptr;
    auto it = heaps.find(offset.getZExtValue());
    if (it == heaps.end())
      return nullptr;
    vmctx = arg;
    return &it->second;
  }

  // Rewrites the add recurrences of loops enclosing the nest in terms of their headers' phis,
  // as unknowns: {a,+,b}<O> is a + (b/b') * (P - a') for a phi P of O's header whose value (or
  // its zero or sign extension) is {a',+,b'}<O>, when b' = b or both are constants and b' divides
  // b. The identity holds modulo 2^bits at every point of O's body, the nest's preheader
  // included. The check then reads the phi, where the expander would recompute the recurrence in
  // O's header on every iteration of O, whether or not the nest is entered.
  class Freeze : public SCEVRewriteVisitor<Freeze> {
  public:
    Freeze(ScalarEvolution &SE, const Loop *L) : SCEVRewriteVisitor(SE), L(L) {}
    const SCEV *visitAddRecExpr(const SCEVAddRecExpr *rec) {
      const Loop *outer = rec->getLoop();
      Type *type = rec->getType();
      if (outer == L || !outer->contains(L) || !rec->isAffine() || !type->isIntegerTy())
        return SCEVRewriteVisitor::visitAddRecExpr(rec);
      const SCEV *a = visit(rec->getStart()), *b = rec->getStepRecurrence(SE);
      for (PHINode &phi : outer->getHeader()->phis()) {
        if (!phi.getType()->isIntegerTy() ||
            phi.getType()->getIntegerBitWidth() > type->getIntegerBitWidth())
          continue;
        const SCEV *value = SE.getSCEV(&phi);
        const SCEV *unknown = SE.getUnknown(&phi);
        SmallVector<std::pair<const SCEV *, const SCEV *>, 2> forms;
        if (phi.getType() == type) {
          forms.push_back({value, unknown});
        } else {
          forms.push_back(
              {SE.getZeroExtendExpr(value, type), SE.getZeroExtendExpr(unknown, type)});
          forms.push_back(
              {SE.getSignExtendExpr(value, type), SE.getSignExtendExpr(unknown, type)});
        }
        for (auto [form, q] : forms) {
          auto *known = dyn_cast<SCEVAddRecExpr>(form);
          if (!known || known->getLoop() != outer || !known->isAffine())
            continue;
          const SCEV *b2 = known->getStepRecurrence(SE);
          const SCEV *scale = nullptr;
          if (b2 == b) {
            scale = SE.getOne(type);
          } else if (auto *c = dyn_cast<SCEVConstant>(b), *c2 = dyn_cast<SCEVConstant>(b2);
                     c && c2 && !c2->getAPInt().isZero() &&
                     c->getAPInt().srem(c2->getAPInt()).isZero()) {
            scale = SE.getConstant(c->getAPInt().sdiv(c2->getAPInt()));
          }
          if (!scale)
            continue;
          const SCEV *start = visit(known->getStart());
          return SE.getAddExpr(a, SE.getMulExpr(scale, SE.getMinusSCEV(q, start)));
        }
      }
      return SCEVRewriteVisitor::visitAddRecExpr(rec);
    }

  private:
    const Loop *L;
  };

  const SCEV *freeze(const SCEV *S) { return Freeze(SE, L).visit(S); }

  // The i128 value of a leaf: the signed number for a constant, the unsigned one otherwise.
  const SCEV *leaf(const SCEV *S) {
    if (isa<SCEVConstant>(S))
      return SE.getSignExtendExpr(S, I128);
    return SE.getZeroExtendExpr(freeze(S), I128);
  }

  // An upper bound of step * taken (step read as leaf() reads it, taken unsigned) without a
  // division when taken is `A /u step` or a sum with one such term, as the trip count of a loop
  // with a variable stride is: step * (A /u step) <= A, and the zero extension of a sum is at
  // most the sum of its operands' extensions. Null when taken has neither form or step may be
  // negative.
  const SCEV *spanBound(const SCEV *step, const SCEV *taken) {
    if (auto *c = dyn_cast<SCEVConstant>(step); c && !c->getAPInt().isStrictlyPositive())
      return nullptr;
    SmallVector<const SCEV *, 4> operands{taken};
    if (auto *add = dyn_cast<SCEVAddExpr>(taken))
      operands.assign(add->operands().begin(), add->operands().end());
    SmallVector<const SCEV *, 4> terms;
    bool divided = false;
    for (const SCEV *op : operands) {
      auto *div = dyn_cast<SCEVUDivExpr>(op);
      if (!divided && div && leaf(div->getRHS()) == leaf(step)) {
        divided = true;
        terms.push_back(SE.getZeroExtendExpr(freeze(div->getLHS()), I128));
      } else {
        terms.push_back(SE.getMulExpr(leaf(step), SE.getZeroExtendExpr(freeze(op), I128)));
      }
    }
    return divided ? SE.getAddExpr(terms) : nullptr;
  }

  // Adds the checks that [lo, hi] fits an integer of `bits` bits.
  void requireFits(const SCEV *lo, const SCEV *hi, unsigned bits, bool isSigned) {
    APInt min = isSigned ? APInt::getSignedMinValue(bits).sext(128) : APInt(128, 0);
    APInt max = isSigned ? APInt::getSignedMaxValue(bits).sext(128)
                         : APInt::getMaxValue(bits).zext(128);
    conditions.push_back({ICmpInst::ICMP_SGE, lo, SE.getConstant(min)});
    conditions.push_back({ICmpInst::ICMP_SLE, hi, SE.getConstant(max)});
  }

  // Whether M is only entered where `count` is not negative as a signed number. Besides what
  // SCEV proves directly, a count C - X (C a constant, as in {C,+,-1}) is in [0, C] where the
  // guard X <=u C holds, the form a loop's entry test takes.
  bool enteredNonNegative(const Loop *M, const SCEV *count) {
    Type *type = count->getType();
    if (SE.isLoopEntryGuardedByCond(M, ICmpInst::ICMP_SGE, count, SE.getZero(type)))
      return true;
    const SCEVConstant *c = nullptr;
    if (auto *rec = dyn_cast<SCEVAddRecExpr>(count))
      c = dyn_cast<SCEVConstant>(rec->getStart());
    else if (auto *add = dyn_cast<SCEVAddExpr>(count))
      c = dyn_cast<SCEVConstant>(add->getOperand(0));
    if (!c || c->getAPInt().isNegative())
      return false;
    const SCEV *x = SE.getMinusSCEV(c, count);
    return SE.isLoopEntryGuardedByCond(M, ICmpInst::ICMP_ULE, x, c);
  }

  // The mathematical range [lo, hi] of S over the nest L, in i128; false if not computable.
  bool range(const SCEV *S, const SCEV *&lo, const SCEV *&hi, unsigned depth = 0) {
    if (depth > 12)
      return false;
    if (SE.isLoopInvariant(S, L)) {
      lo = hi = leaf(S);
      return true;
    }
    if (auto *add = dyn_cast<SCEVAddExpr>(S)) {
      SmallVector<const SCEV *, 4> los, his;
      for (const SCEV *op : add->operands()) {
        const SCEV *l, *h;
        if (!range(op, l, h, depth + 1))
          return false;
        los.push_back(l);
        his.push_back(h);
      }
      lo = SE.getAddExpr(los);
      hi = SE.getAddExpr(his);
      return true;
    }
    if (auto *mul = dyn_cast<SCEVMulExpr>(S)) {
      if (mul->getNumOperands() != 2)
        return false;
      auto *c = dyn_cast<SCEVConstant>(mul->getOperand(0));
      if (!c)
        return false;
      const SCEV *l, *h;
      if (!range(mul->getOperand(1), l, h, depth + 1))
        return false;
      const SCEV *k = leaf(c);
      if (c->getAPInt().isNegative())
        std::swap(l, h);
      lo = SE.getMulExpr(k, l);
      hi = SE.getMulExpr(k, h);
      return true;
    }
    if (auto *rec = dyn_cast<SCEVAddRecExpr>(S)) {
      const Loop *M = rec->getLoop();
      if (!rec->isAffine() || !L->contains(M))
        return false;
      const SCEV *step = rec->getStepRecurrence(SE);
      const SCEV *taken = SE.getSymbolicMaxBackedgeTakenCount(M);
      if (isa<SCEVCouldNotCompute>(taken) || !SE.isLoopInvariant(step, L))
        return false;
      const SCEV *l, *h;
      if (!range(rec->getStart(), l, h, depth + 1))
        return false;
      const SCEV *most; // at least the count M's backedge is taken, on every entry to M
      if (SE.isLoopInvariant(taken, L)) {
        if (const SCEV *bound = spanBound(step, taken)) {
          lo = l; // the span is not negative
          hi = SE.getAddExpr(h, bound);
          return true;
        }
        most = SE.getZeroExtendExpr(freeze(taken), I128);
      } else {
        // A count that varies over the nest, as a triangular loop's, which may be negative
        // where M is not entered (j in i+1..n at i = n-1). If M is only entered where the count
        // is not negative as a signed number, and its mathematical value over the nest fits
        // the signed type, then on every entry the two are equal: both lie in one window of
        // 2^bits and are congruent. So the highest mathematical value bounds the count.
        if (!enteredNonNegative(M, taken))
          return false;
        const SCEV *tl, *th;
        if (!range(taken, tl, th, depth + 1))
          return false;
        requireFits(tl, th, taken->getType()->getIntegerBitWidth(), true);
        most = th;
      }
      const SCEV *span = SE.getMulExpr(leaf(step), most);
      const SCEV *zero = SE.getZero(I128);
      lo = SE.getAddExpr(l, SE.getSMinExpr(zero, span));
      hi = SE.getAddExpr(h, SE.getSMaxExpr(zero, span));
      return true;
    }
    if (auto *ext = dyn_cast<SCEVIntegralCastExpr>(S)) {
      if (!isa<SCEVZeroExtendExpr>(ext) && !isa<SCEVSignExtendExpr>(ext))
        return false;
      const SCEV *op = ext->getOperand();
      if (!range(op, lo, hi, depth + 1))
        return false;
      requireFits(lo, hi, op->getType()->getIntegerBitWidth(), isa<SCEVSignExtendExpr>(ext));
      return true;
    }
    return false;
  }

  // The nest's linear-memory accesses, or false if it has anything that disqualifies it.
  bool collect(SmallVectorImpl<Access> &accesses) {
    for (BasicBlock *BB : L->blocks()) {
      for (Instruction &I : *BB) {
        if (auto *call = dyn_cast<CallBase>(&I)) {
          if (call->doesNotReturn())
            continue; // a trap: it never comes back to the nest
          if (auto *intrinsic = dyn_cast<IntrinsicInst>(call)) {
            if (intrinsic->isAssumeLikeIntrinsic() || !intrinsic->mayWriteToMemory() ||
                intrinsic->onlyAccessesInaccessibleMemory())
              continue;
          }
          return false;
        }
        if (I.isAtomic() || isa<FenceInst>(I) || isa<AtomicCmpXchgInst>(I) ||
            isa<AtomicRMWInst>(I))
          return false;
        Value *pointer;
        Type *type;
        if (auto *load = dyn_cast<LoadInst>(&I)) {
          if (!load->isVolatile())
            continue;
          pointer = load->getPointerOperand();
          type = load->getType();
        } else if (auto *store = dyn_cast<StoreInst>(&I)) {
          if (!store->isVolatile())
            continue;
          pointer = store->getPointerOperand();
          type = store->getValueOperand()->getType();
        } else {
          if (I.mayReadOrWriteMemory())
            return false;
          continue;
        }
        const SCEV *address = SE.getSCEV(pointer);
        auto *base = dyn_cast<SCEVUnknown>(SE.getPointerBase(address));
        if (!base)
          return false;
        Value *vmctx = nullptr;
        const Heap *heap = heapOf(base->getValue(), vmctx);
        if (!heap)
          return false;
        const SCEV *offset = SE.removePointerBase(address);
        if (isa<SCEVCouldNotCompute>(offset))
          return false;
        accesses.push_back({&I, offset, DL.getTypeStoreSize(type).getFixedValue(), heap, vmctx});
      }
    }
    return !accesses.empty();
  }

  bool tryVersion(Loop *nest) {
    L = nest;
    conditions.clear();
    // Canonical form (a preheader, exits only reached from the nest): what the loop passes
    // keep anyway; made here when an earlier pass left a shared trap block as an exit.
    simplifyLoop(L, &DT, &LI, &SE, &AC, nullptr, /*PreserveLCSSA=*/false);
    if (!L->getLoopPreheader() || !L->isLoopSimplifyForm() || !L->isSafeToClone())
      return false;
    SmallVector<Access, 16> accesses;
    if (!collect(accesses))
      return false;
    // The byte ranges to check, per memory.
    struct Bound {
      const SCEV *lo, *end;
      const Heap *heap;
      Value *vmctx;
    };
    SmallVector<Bound, 16> bounds;
    std::set<std::pair<const SCEV *, const SCEV *>> seen;
    for (const Access &a : accesses) {
      const SCEV *lo, *hi;
      if (!range(a.offset, lo, hi))
        return false;
      const SCEV *end = SE.getAddExpr(hi, SE.getConstant(I128, a.size));
      if (!seen.insert({lo, end}).second)
        continue;
      bounds.push_back({lo, end, a.heap, a.vmctx});
      if (bounds.size() > MaxRanges)
        return false;
    }
    for (const Bound &b : bounds)
      conditions.push_back({ICmpInst::ICMP_SGE, b.lo, SE.getZero(I128)});

    BasicBlock *preheader = L->getLoopPreheader();
    Instruction *at = preheader->getTerminator();
    SCEVExpander expander(SE, DL, "wasmo.range");
    SmallVector<Condition, 16> open;
    for (const Condition &c : conditions) {
      if (SE.isKnownPredicate(c.pred, c.lhs, c.rhs))
        continue;
      if (SE.isKnownPredicate(ICmpInst::getInversePredicate(c.pred), c.lhs, c.rhs))
        return false;
      if (!expander.isSafeToExpandAt(c.lhs, at) || !expander.isSafeToExpandAt(c.rhs, at))
        return false;
      open.push_back(c);
    }
    for (const Bound &b : bounds)
      if (!expander.isSafeToExpandAt(b.end, at))
        return false;

    // Past this point the function changes.
    formLCSSARecursively(*L, DT, &LI, &SE);
    mark(L);
    BasicBlock *check = preheader;
    BasicBlock *fastPreheader = SplitBlock(check, check->getTerminator(), &DT, &LI, nullptr,
                                           preheader->getName() + ".fast");
    at = check->getTerminator();
    IRBuilder<> b(at);
    Value *ok = b.getTrue();
    for (const Condition &c : open) {
      Value *lhs = expander.expandCodeFor(c.lhs, I128, at);
      Value *rhs = expander.expandCodeFor(c.rhs, I128, at);
      ok = b.CreateAnd(ok, b.CreateICmp(c.pred, lhs, rhs));
    }
    DenseMap<std::pair<Value *, const Heap *>, Value *> lengths;
    for (const Bound &bound : bounds) {
      Value *&length = lengths[{bound.vmctx, bound.heap}];
      if (!length) {
        Value *slot = b.CreateConstGEP1_64(b.getInt8Ty(), bound.vmctx, bound.heap->definition);
        Value *definition = b.CreateLoad(b.getPtrTy(), slot, "wasmo.memory");
        Value *field = b.CreateConstGEP1_64(b.getInt8Ty(), definition, bound.heap->length);
        length = b.CreateZExt(b.CreateLoad(b.getInt64Ty(), field, "wasmo.length"), I128);
      }
      Value *end = expander.expandCodeFor(bound.end, I128, at);
      ok = b.CreateAnd(ok, b.CreateICmpSLE(end, length));
    }

    SmallVector<BasicBlock *, 4> exits;
    L->getUniqueExitBlocks(exits);
    SmallVector<BasicBlock *, 32> cloned;
    ValueToValueMapTy map;
    Loop *slow = cloneLoopWithPreheader(fastPreheader, check, L, map, ".slow", &LI, &DT, cloned);
    remapInstructionsInBlocks(cloned, map);
    BasicBlock *slowPreheader = slow->getLoopPreheader();
    for (Loop *loop : slow->getLoopsInPreorder())
      leaveAlone(loop);
    // The exits now also come from the copy: each phi gets the copy's values.
    for (BasicBlock *exit : exits) {
      for (PHINode &phi : exit->phis()) {
        SmallVector<std::pair<Value *, BasicBlock *>, 4> incoming;
        for (unsigned i = 0; i < phi.getNumIncomingValues(); ++i) {
          BasicBlock *from = phi.getIncomingBlock(i);
          if (!L->contains(from))
            continue;
          Value *v = phi.getIncomingValue(i);
          auto it = map.find(v);
          incoming.push_back({it == map.end() ? v : cast<Value>(it->second),
                              cast<BasicBlock>(map[from])});
        }
        for (auto &[v, from] : incoming)
          phi.addIncoming(v, from);
      }
    }
    at->eraseFromParent();
    b.SetInsertPoint(check);
    BranchInst *branch = b.CreateCondBr(ok, fastPreheader, slowPreheader);
    branch->setMetadata(LLVMContext::MD_prof,
                        MDBuilder(F.getContext()).createBranchWeights(1 << 20, 1));
    // The fast copy's accesses cannot fault: they are plain accesses now.
    for (const Access &a : accesses) {
      if (auto *load = dyn_cast<LoadInst>(a.inst))
        load->setVolatile(false);
      else
        cast<StoreInst>(a.inst)->setVolatile(false);
    }
    // Nor can a 64-bit memory's explicit bounds checks fail there: a branch to the
    // out-of-bounds trap is taken only where some access of the nest is out of bounds (no
    // other instruction raises that trap, and the nest calls nothing that returns), and the
    // check has just shown that none is. Later passes delete the dead checks.
    for (BasicBlock *BB : L->blocks()) {
      auto *branch = dyn_cast<BranchInst>(BB->getTerminator());
      if (!branch || !branch->isConditional())
        continue;
      for (unsigned i = 0; i < 2; ++i)
        if (isOutOfBoundsTrap(branch->getSuccessor(i)))
          branch->setCondition(ConstantInt::getBool(F.getContext(), i == 1));
    }
    return true;
  }

  // Whether `BB` raises the out-of-bounds trap and does nothing else.
  bool isOutOfBoundsTrap(BasicBlock *BB) const {
    if (L->contains(BB))
      return false;
    auto *call = dyn_cast<CallInst>(BB->getFirstNonPHIOrDbg());
    if (!call || call->arg_size() != 1 || !call->getCalledFunction() ||
        call->getCalledFunction()->getName() != "wasmo_builtin_trap")
      return false;
    auto *code = dyn_cast<ConstantInt>(call->getArgOperand(0));
    return code && code->getZExtValue() == oobTrap && isa<UnreachableInst>(call->getNextNode());
  }

  // Keeps the late pipeline's loop transformations off a loop of the volatile copy: that copy
  // only runs when the nest is about to trap, and none of them applies to volatile accesses
  // anyway, so this saves their compile time.
  void leaveAlone(Loop *loop) {
    LLVMContext &C = F.getContext();
    SmallVector<Metadata *, 8> ops{nullptr};
    if (MDNode *id = loop->getLoopID())
      for (unsigned i = 1; i < id->getNumOperands(); ++i)
        ops.push_back(id->getOperand(i));
    ops.push_back(MDNode::get(C, {MDString::get(C, "llvm.loop.vectorize.enable"),
                                  ConstantAsMetadata::get(ConstantInt::getFalse(C))}));
    ops.push_back(MDNode::get(C, {MDString::get(C, "llvm.loop.unroll.disable")}));
    ops.push_back(MDNode::get(C, {MDString::get(C, "llvm.loop.unroll_and_jam.disable")}));
    MDNode *id = MDNode::getDistinct(C, ops);
    id->replaceOperandWith(0, id);
    loop->setLoopID(id);
  }

  // Marks every loop of the nest (and so of its copy) as done.
  void mark(Loop *nest) {
    MDNode *node = MDNode::get(F.getContext(), {});
    nest->getHeader()->getTerminator()->setMetadata(Versioned, node);
    for (Loop *sub : nest->getLoopsInPreorder())
      sub->getHeader()->getTerminator()->setMetadata(Versioned, node);
  }
};

} // namespace

// Versions the loop nests of every function of `module` (see the top of this file). Returns the
// number of nests versioned, or -1 if a function came out invalid (a bug: the caller reports it).
extern "C" int wasmo_version_loops(LLVMModuleRef moduleRef, LLVMTargetMachineRef machineRef,
                                   int verify) {
  Module &module = *unwrap(moduleRef);
  NamedMDNode *listed = module.getNamedMetadata("wasmo.heap");
  if (!listed)
    return 0;
  DenseMap<uint64_t, Heap> heaps;
  for (MDNode *node : listed->operands()) {
    if (node->getNumOperands() != 3)
      continue;
    auto *base = mdconst::dyn_extract<ConstantInt>(node->getOperand(0));
    auto *definition = mdconst::dyn_extract<ConstantInt>(node->getOperand(1));
    auto *length = mdconst::dyn_extract<ConstantInt>(node->getOperand(2));
    if (base && definition && length)
      heaps[base->getZExtValue()] = {definition->getZExtValue(), length->getZExtValue()};
  }
  if (heaps.empty())
    return 0;
  uint32_t oobTrap = UINT32_MAX; // none: no branch is taken for a bounds check
  if (NamedMDNode *trap = module.getNamedMetadata("wasmo.oob_trap"))
    if (trap->getNumOperands() == 1 && trap->getOperand(0)->getNumOperands() == 1)
      if (auto *code = mdconst::dyn_extract<ConstantInt>(trap->getOperand(0)->getOperand(0)))
        oobTrap = static_cast<uint32_t>(code->getZExtValue());
  auto *machine = reinterpret_cast<TargetMachine *>(machineRef);
  PassBuilder builder(machine);
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  int versioned = 0;
  for (Function &f : module) {
    if (f.isDeclaration() || f.arg_empty() || !f.getArg(0)->getType()->isPointerTy())
      continue;
    SmallPtrSet<BasicBlock *, 16> tried;
    for (unsigned n = 0; n < MaxNestsPerFunction; ++n) {
      auto &li = fam.getResult<LoopAnalysis>(f);
      if (li.empty())
        break;
      Versioner v(f, li, fam.getResult<DominatorTreeAnalysis>(f),
                  fam.getResult<ScalarEvolutionAnalysis>(f), fam.getResult<AssumptionAnalysis>(f),
                  heaps, oobTrap);
      bool changed = v.versionOne(tried);
      fam.invalidate(f, PreservedAnalyses::none());
      if (!changed)
        break;
      ++versioned;
      if (verify && verifyFunction(f, &errs()))
        return -1;
    }
  }
  return versioned;
}
