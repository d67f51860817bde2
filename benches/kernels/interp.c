// A bytecode interpreter in one large function, as the eval loops of real interpreters compiled to
// wasm are: a stack machine with forty opcodes dispatched by one switch, running a small program
// (a loop mixing a running hash through a 64-entry table) for n iterations. Its wasm body is
// larger than lift-off's loop grade takes (4 KiB), so its first call starts in fast baseline code;
// the whole run is that first call, which is what on-stack replacement is for.
typedef unsigned int u32;

enum {
  HALT, PUSH, LOAD, STORE, ADD, SUB, MUL, XOR, AND, OR, SHL, SHR, ROTL, ROTR, NEG, NOT,
  DUP, SWAP, DROP, OVER, INC, DEC, JMP, JNZ, JZ, LT, EQ, MIX, CRC, DIVU, REMU, MIN,
  MAX, POPCNT, CLZ, SQR, AVG, AREAD, AWRITE, SELECT,
  // With an immediate operand, and on locals directly (the superinstructions interpreters add).
  ADDI, SUBI, MULI, XORI, ANDI, ORI, SHLI, SHRI, ROTLI, LTI, EQI, DIVI, REMI, MINI, MAXI,
  LADD, LSUB, LMUL, LXOR, LAND, LOR, LSHL, LSHR, LROTL, LMIX, LCRC, LSQR, LPOP, LCLZ, LNEG,
  MULHI, MULLO, ADDC, BSWAP, CTZ, PARITY, BITREV, GRAY, UNGRAY, FOLD,
};

static u32 table[64];

static u32 interpret(const u32* code, u32 n) {
  u32 stack[32];
  u32 locals[8] = {0};
  u32 sp = 0, pc = 0;
  locals[2] = n;
  for (;;) {
    u32 op = code[pc++];
    switch (op) {
      case HALT: return sp ? stack[sp - 1] : 0;
      case PUSH: stack[sp++] = code[pc++]; break;
      case LOAD: stack[sp++] = locals[code[pc++] & 7]; break;
      case STORE: locals[code[pc++] & 7] = stack[--sp]; break;
      case ADD: sp--; stack[sp - 1] += stack[sp]; break;
      case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
      case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
      case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
      case AND: sp--; stack[sp - 1] &= stack[sp]; break;
      case OR: sp--; stack[sp - 1] |= stack[sp]; break;
      case SHL: sp--; stack[sp - 1] <<= stack[sp] & 31; break;
      case SHR: sp--; stack[sp - 1] >>= stack[sp] & 31; break;
      case ROTL: { sp--; u32 k = stack[sp] & 31, v = stack[sp - 1]; stack[sp - 1] = (v << k) | (v >> ((32 - k) & 31)); break; }
      case ROTR: { sp--; u32 k = stack[sp] & 31, v = stack[sp - 1]; stack[sp - 1] = (v >> k) | (v << ((32 - k) & 31)); break; }
      case NEG: stack[sp - 1] = -stack[sp - 1]; break;
      case NOT: stack[sp - 1] = ~stack[sp - 1]; break;
      case DUP: stack[sp] = stack[sp - 1]; sp++; break;
      case SWAP: { u32 t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
      case DROP: sp--; break;
      case OVER: stack[sp] = stack[sp - 2]; sp++; break;
      case INC: locals[code[pc++] & 7]++; break;
      case DEC: locals[code[pc++] & 7]--; break;
      case JMP: pc = code[pc]; break;
      case JNZ: pc = stack[--sp] ? code[pc] : pc + 1; break;
      case JZ: pc = stack[--sp] ? pc + 1 : code[pc]; break;
      case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
      case EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
      case MIX: { u32 v = stack[sp - 1]; v ^= v >> 15; v *= 0x2c1b3c6dU; v ^= v >> 12; v *= 0x297a2d39U; v ^= v >> 15; stack[sp - 1] = v; break; }
      case CRC: { u32 v = stack[sp - 1]; for (int b = 0; b < 4; b++) v = (v >> 1) ^ (0xedb88320U & -(v & 1)); stack[sp - 1] = v; break; }
      case DIVU: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] / stack[sp] : 0; break;
      case REMU: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] % stack[sp] : 0; break;
      case MIN: sp--; if (stack[sp] < stack[sp - 1]) stack[sp - 1] = stack[sp]; break;
      case MAX: sp--; if (stack[sp] > stack[sp - 1]) stack[sp - 1] = stack[sp]; break;
      case POPCNT: stack[sp - 1] = __builtin_popcount(stack[sp - 1]); break;
      case CLZ: stack[sp - 1] = stack[sp - 1] ? __builtin_clz(stack[sp - 1]) : 32; break;
      case SQR: stack[sp - 1] *= stack[sp - 1]; break;
      case AVG: sp--; stack[sp - 1] = (stack[sp - 1] >> 1) + (stack[sp] >> 1) + (stack[sp - 1] & stack[sp] & 1); break;
      case AREAD: stack[sp - 1] = table[stack[sp - 1] & 63]; break;
      case AWRITE: sp -= 2; table[stack[sp] & 63] = stack[sp + 1]; break;
      case SELECT: sp -= 2; stack[sp - 1] = stack[sp + 1] ? stack[sp - 1] : stack[sp]; break;
#define IMM(name, expr) case name: { u32 a = stack[sp - 1], k = code[pc++]; stack[sp - 1] = (expr); break; }
      IMM(ADDI, a + k) IMM(SUBI, a - k) IMM(MULI, a * k) IMM(XORI, a ^ k) IMM(ANDI, a & k)
      IMM(ORI, a | k) IMM(SHLI, a << (k & 31)) IMM(SHRI, a >> (k & 31))
      IMM(ROTLI, (a << (k & 31)) | (a >> ((32 - k) & 31))) IMM(LTI, a < k) IMM(EQI, a == k)
      IMM(DIVI, k ? a / k : 0) IMM(REMI, k ? a % k : 0) IMM(MINI, a < k ? a : k) IMM(MAXI, a > k ? a : k)
#define LOC(name, expr) case name: { u32* l = &locals[code[pc++] & 7]; u32 a = *l, b = stack[--sp]; *l = (expr); break; }
      LOC(LADD, a + b) LOC(LSUB, a - b) LOC(LMUL, a * b) LOC(LXOR, a ^ b) LOC(LAND, a & b)
      LOC(LOR, a | b) LOC(LSHL, a << (b & 31)) LOC(LSHR, a >> (b & 31))
      LOC(LROTL, (a << (b & 31)) | (a >> ((32 - b) & 31)))
      LOC(LMIX, (a ^ (b >> 7)) * 0x9e3779b1U) LOC(LCRC, (a >> 8) ^ (0xedb88320U & -((a ^ b) & 1)))
      LOC(LSQR, a * a + b) LOC(LPOP, a + __builtin_popcount(b)) LOC(LCLZ, a + (b ? __builtin_clz(b) : 32))
      LOC(LNEG, b - a)
#define UN(name, expr) case name: { u32 a = stack[sp - 1]; stack[sp - 1] = (expr); break; }
      UN(MULHI, (u32)(((unsigned long long)a * 0x9e3779b97f4a7c15ULL) >> 32))
      UN(MULLO, a * 0x85ebca6bU) UN(ADDC, a + (a >> 31)) UN(BSWAP, __builtin_bswap32(a))
      UN(CTZ, a ? __builtin_ctz(a) : 32) UN(PARITY, __builtin_parity(a))
      UN(BITREV, ({ u32 r = 0; for (int b = 0; b < 32; b++) r |= ((a >> b) & 1) << (31 - b); r; }))
      UN(GRAY, a ^ (a >> 1)) UN(UNGRAY, ({ u32 r = a; for (u32 m = a >> 1; m; m >>= 1) r ^= m; r; }))
      UN(FOLD, (a >> 16) ^ (a & 0xffff))
      default: return 0xdeadbeef;
    }
  }
}

// locals: 0 = i, 1 = acc, 2 = n. Each iteration: acc = mix(acc + 3 i) ^ table[i & 63] rotated by
// popcount(i); table[i & 63] = acc; crc of acc every 8th step is added in. Jumps are absolute.
static const u32 program[] = {
  PUSH, 0, STORE, 0,                               // 0: i = 0
  PUSH, 17, STORE, 1,                              // 4: acc = 17
  LOAD, 0, LOAD, 2, LT, JZ, 58,                    // 8: while i < n
  LOAD, 1, LOAD, 0, PUSH, 3, MUL, ADD, MIX,        // 15: mix(acc + 3 i)
  LOAD, 0, AREAD, LOAD, 0, POPCNT, ROTL, XOR,      // 24: ^ rotl(table[i], popcount i)
  DUP, STORE, 1,                                   // 32: acc = that
  LOAD, 0, SWAP, AWRITE,                           // 35: table[i] = acc
  LOAD, 0, PUSH, 7, AND, JNZ, 54,                  // 39: if (i & 7) == 0
  LOAD, 1, CRC, LOAD, 1, ADD, STORE, 1,            // 46:   acc += crc(acc)
  INC, 0, JMP, 8,                                  // 54: i++, loop
  LOAD, 1, HALT,                                   // 58: return acc
};

int run(int n) {
  for (int i = 0; i < 64; i++) table[i] = (u32)i * 0x9e3779b9U;
  return (int)interpret(program, (u32)n);
}
