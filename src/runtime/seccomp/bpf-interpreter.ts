// An interpreter of classic BPF as seccomp runs it, for tests: the program is
// first checked the way the kernel checks a seccomp filter (only the
// instructions seccomp accepts, aligned loads inside struct seccomp_data,
// jumps inside the program, a final return, no read of an unset scratch slot),
// then run on one `struct seccomp_data`.
import {
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_DIV,
  BPF_IMM,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MAXINSNS,
  BPF_MEM,
  BPF_MISC,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RET,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  BPF_XOR,
  decodeProgram,
  SECCOMP_DATA_SIZE,
  type SockFilter,
} from './bpf.ts';

export interface SeccompData {
  /** The syscall number (seccomp_data.nr); negative or u32 both accepted. */
  nr: number;
  /** AUDIT_ARCH_* value. */
  arch: number;
  instructionPointer?: bigint;
  /** Up to six arguments, each a u64. */
  args?: readonly bigint[];
}

const BPF_MEMWORDS = 16;

// The opcodes seccomp_check_filter lets through.
const ALLOWED = new Set<number>([
  BPF_LD | BPF_W | BPF_ABS,
  BPF_LD | BPF_W | BPF_LEN,
  BPF_LDX | BPF_W | BPF_LEN,
  BPF_RET | BPF_K,
  BPF_RET | BPF_A,
  ...[BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH].flatMap((op) => [
    BPF_ALU | op | BPF_K,
    BPF_ALU | op | BPF_X,
  ]),
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_IMM,
  BPF_LDX | BPF_IMM,
  BPF_MISC | BPF_TAX,
  BPF_MISC | BPF_TXA,
  BPF_LD | BPF_MEM,
  BPF_LDX | BPF_MEM,
  BPF_ST,
  BPF_STX,
  BPF_JMP | BPF_JA,
  ...[BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JSET].flatMap((op) => [BPF_JMP | op | BPF_K, BPF_JMP | op | BPF_X]),
]);

const cls = (code: number) => code & 0x07;

/** Throws unless the kernel would accept `program` as a seccomp filter. */
export function checkFilter(program: readonly SockFilter[]): void {
  if (program.length === 0 || program.length > BPF_MAXINSNS) {
    throw new Error(`BPF: ${program.length} instructions; a filter has 1 to ${BPF_MAXINSNS}`);
  }
  program.forEach((ins, pc) => {
    if (!ALLOWED.has(ins.code))
      throw new Error(`BPF: instruction ${pc}: opcode 0x${ins.code.toString(16)} not allowed`);
    if (ins.code === (BPF_LD | BPF_W | BPF_ABS) && (ins.k % 4 !== 0 || ins.k >= SECCOMP_DATA_SIZE)) {
      throw new Error(`BPF: instruction ${pc}: load at offset ${ins.k} outside seccomp_data or unaligned`);
    }
    if (ins.code === (BPF_ALU | BPF_DIV | BPF_K) && ins.k === 0) {
      throw new Error(`BPF: instruction ${pc}: division by constant zero`);
    }
    const memCode = ins.code === (BPF_LD | BPF_MEM) || ins.code === (BPF_LDX | BPF_MEM);
    if ((memCode || ins.code === BPF_ST || ins.code === BPF_STX) && ins.k >= BPF_MEMWORDS) {
      throw new Error(`BPF: instruction ${pc}: scratch slot ${ins.k} out of range`);
    }
    if (cls(ins.code) === BPF_JMP) {
      const targets = ins.code === (BPF_JMP | BPF_JA) ? [ins.k] : [ins.jt, ins.jf];
      for (const off of targets) {
        if (pc + 1 + off >= program.length) throw new Error(`BPF: instruction ${pc}: jump past the end`);
      }
    }
  });
  if (cls(program[program.length - 1].code) !== BPF_RET)
    throw new Error('BPF: the last instruction is not a return');
}

function seccompDataBytes(d: SeccompData): Buffer {
  const buf = Buffer.alloc(SECCOMP_DATA_SIZE);
  buf.writeUInt32LE(d.nr >>> 0, 0);
  buf.writeUInt32LE(d.arch >>> 0, 4);
  buf.writeBigUInt64LE(d.instructionPointer ?? 0n, 8);
  (d.args ?? []).forEach((a, i) => {
    if (i < 6) buf.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i);
  });
  return buf;
}

// Programs already checked, so that running one program on thousands of calls checks it once.
// (Callers do not change a program after running it.)
const checked = new WeakSet<readonly SockFilter[]>();

/** Runs a seccomp filter on one call and returns the filter's u32 result. */
export function runFilter(program: Buffer | readonly SockFilter[], data: SeccompData): number {
  const prog = Buffer.isBuffer(program) ? decodeProgram(program) : program;
  if (!checked.has(prog)) {
    checkFilter(prog);
    checked.add(prog);
  }
  const mem = new Array<number | undefined>(BPF_MEMWORDS).fill(undefined);
  const bytes = seccompDataBytes(data);
  let a = 0;
  let x = 0;
  let pc = 0;
  const readMem = (k: number) => {
    const v = mem[k];
    if (v === undefined) throw new Error(`BPF: instruction ${pc}: scratch slot ${k} read before written`);
    return v;
  };
  for (;;) {
    const ins = prog[pc];
    const src = ins.code & BPF_X ? x : ins.k;
    pc++;
    switch (cls(ins.code)) {
      case BPF_RET:
        return (ins.code & BPF_A ? a : ins.k) >>> 0;
      case BPF_LD:
        if (ins.code === (BPF_LD | BPF_W | BPF_ABS)) a = bytes.readUInt32LE(ins.k);
        else if (ins.code === (BPF_LD | BPF_W | BPF_LEN)) a = SECCOMP_DATA_SIZE;
        else if (ins.code === (BPF_LD | BPF_IMM)) a = ins.k >>> 0;
        else a = readMem(ins.k);
        break;
      case BPF_LDX:
        if (ins.code === (BPF_LDX | BPF_W | BPF_LEN)) x = SECCOMP_DATA_SIZE;
        else if (ins.code === (BPF_LDX | BPF_IMM)) x = ins.k >>> 0;
        else x = readMem(ins.k);
        break;
      case BPF_ST:
        mem[ins.k] = a;
        break;
      case BPF_STX:
        mem[ins.k] = x;
        break;
      case BPF_MISC:
        if ((ins.code & 0xf8) === BPF_TXA) a = x;
        else x = a;
        break;
      case BPF_ALU:
        a = alu(ins.code & 0xf0, a, src >>> 0);
        if (Number.isNaN(a)) return 0; // division by a zero X ends the filter with 0
        break;
      case BPF_JMP: {
        const op = ins.code & 0xf0;
        if (op === BPF_JA) {
          pc += ins.k;
          break;
        }
        const s = src >>> 0;
        const taken =
          op === BPF_JEQ ? a === s : op === BPF_JGT ? a > s : op === BPF_JGE ? a >= s : (a & s) !== 0;
        pc += taken ? ins.jt : ins.jf;
        break;
      }
    }
  }
}

function alu(op: number, a: number, s: number): number {
  switch (op) {
    case BPF_ADD:
      return (a + s) >>> 0;
    case BPF_SUB:
      return (a - s) >>> 0;
    case BPF_MUL:
      return Math.imul(a, s) >>> 0;
    case BPF_DIV:
      return s === 0 ? Number.NaN : Math.floor(a / s) >>> 0;
    case BPF_AND:
      return (a & s) >>> 0;
    case BPF_OR:
      return (a | s) >>> 0;
    case BPF_XOR:
      return (a ^ s) >>> 0;
    case BPF_LSH:
      return s >= 32 ? 0 : (a << s) >>> 0;
    case BPF_RSH:
      return s >= 32 ? 0 : a >>> s;
    case BPF_NEG:
      return -a >>> 0;
    default:
      throw new Error(`BPF: ALU operation 0x${op.toString(16)} not allowed`);
  }
}
