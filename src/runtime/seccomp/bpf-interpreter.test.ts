import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_DIV,
  BPF_H,
  BPF_IMM,
  BPF_JA,
  BPF_JEQ,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_MOD,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RET,
  BPF_RSH,
  BPF_ST,
  BPF_SUB,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  BPF_XOR,
  encodeProgram,
  type SockFilter,
} from './bpf.ts';
import { Assembler } from './bpf-assembler.ts';
import { checkFilter, runFilter } from './bpf-interpreter.ts';

const I = (code: number, k = 0, jt = 0, jf = 0): SockFilter => ({ code, jt, jf, k });
const data = {
  nr: 7,
  arch: 0xc000003e,
  instructionPointer: 0x1122334455667788n,
  args: [0xaabbccdd_00000005n, 3n],
};

describe('runFilter', () => {
  it('loads every field of seccomp_data, little-endian', () => {
    const at = (k: number) => runFilter([I(BPF_LD | BPF_W | BPF_ABS, k), I(BPF_RET | BPF_A)], data);
    assert.equal(at(0), 7);
    assert.equal(at(4), 0xc000003e);
    assert.equal(at(8), 0x55667788);
    assert.equal(at(12), 0x11223344);
    assert.equal(at(16), 5);
    assert.equal(at(20), 0xaabbccdd);
    assert.equal(at(24), 3);
    assert.equal(runFilter([I(BPF_LD | BPF_W | BPF_LEN), I(BPF_RET | BPF_A)], data), 64);
    assert.equal(
      runFilter([I(BPF_LD | BPF_W | BPF_ABS, 0), I(BPF_RET | BPF_A)], { nr: -1, arch: 0 }),
      0xffffffff,
    );
  });

  it('ALU operations wrap at 32 bits', () => {
    const alu = (a: number, op: number, k: number) =>
      runFilter([I(BPF_LD | BPF_IMM, a), I(BPF_ALU | op | BPF_K, k), I(BPF_RET | BPF_A)], data);
    assert.equal(alu(0xffffffff, BPF_ADD, 2), 1);
    assert.equal(alu(1, BPF_SUB, 2), 0xffffffff);
    assert.equal(alu(0x10000, BPF_MUL, 0x10001), 0x10000);
    assert.equal(alu(7, BPF_DIV, 2), 3);
    assert.equal(alu(0xf0f0, BPF_AND, 0xff00), 0xf000);
    assert.equal(alu(0xf0, BPF_OR, 0x0f), 0xff);
    assert.equal(alu(0xff, BPF_XOR, 0x0f), 0xf0);
    assert.equal(alu(1, BPF_LSH, 31), 0x80000000);
    assert.equal(alu(0x80000000, BPF_RSH, 31), 1);
    assert.equal(
      runFilter([I(BPF_LD | BPF_IMM, 1), I(BPF_ALU | BPF_NEG), I(BPF_RET | BPF_A)], data),
      0xffffffff,
    );
  });

  it('X register, scratch memory and X-sourced operations', () => {
    const prog = [
      I(BPF_LDX | BPF_IMM, 5),
      I(BPF_LD | BPF_IMM, 0x30),
      I(BPF_ST, 3),
      I(BPF_ALU | BPF_ADD | BPF_X), // A = 0x35
      I(BPF_MISC | BPF_TAX), // X = 0x35
      I(BPF_LD | BPF_MEM, 3), // A = 0x30
      I(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1), // 0x30 > 0x35? no
      I(BPF_RET | BPF_K, 1),
      I(BPF_MISC | BPF_TXA),
      I(BPF_RET | BPF_A),
    ];
    assert.equal(runFilter(prog, data), 0x35);
    // division by a zero X ends the filter with 0
    assert.equal(
      runFilter([I(BPF_LDX | BPF_IMM, 0), I(BPF_ALU | BPF_DIV | BPF_X), I(BPF_RET | BPF_K, 9)], data),
      0,
    );
  });

  it('conditional jumps, JSET and JA', () => {
    const prog = [
      I(BPF_LD | BPF_W | BPF_ABS, 0),
      I(BPF_JMP | BPF_JSET | BPF_K, 0x2, 0, 2),
      I(BPF_JMP | BPF_JA, 2),
      I(BPF_RET | BPF_K, 0xdead),
      I(BPF_RET | BPF_K, 1),
      I(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 1),
      I(BPF_RET | BPF_K, 2),
      I(BPF_RET | BPF_K, 3),
    ];
    assert.equal(runFilter(prog, { nr: 2, arch: 0 }), 3);
    assert.equal(runFilter(prog, { nr: 7, arch: 0 }), 2);
    assert.equal(runFilter(prog, { nr: 1, arch: 0 }), 1);
    assert.equal(runFilter(encodeProgram(prog), { nr: 7, arch: 0 }), 2);
  });
});

describe('checkFilter refuses what the kernel refuses', () => {
  const bad = (prog: SockFilter[], re: RegExp) => assert.throws(() => checkFilter(prog), re);
  it('empty, too long, no final return', () => {
    bad([], /1 to 4096/);
    bad(
      Array.from({ length: 4097 }, () => I(BPF_RET | BPF_K)),
      /1 to 4096/,
    );
    bad([I(BPF_LD | BPF_IMM, 1)], /last instruction/);
  });
  it('loads outside seccomp_data, unaligned, or of other sizes; unsupported opcodes', () => {
    bad([I(BPF_LD | BPF_W | BPF_ABS, 64), I(BPF_RET | BPF_A)], /offset 64/);
    bad([I(BPF_LD | BPF_W | BPF_ABS, 2), I(BPF_RET | BPF_A)], /offset 2/);
    bad([I(BPF_LD | BPF_H | BPF_ABS, 0), I(BPF_RET | BPF_A)], /opcode/);
    bad([I(BPF_ALU | BPF_MOD | BPF_K, 3), I(BPF_RET | BPF_A)], /opcode/);
  });
  it('jumps past the end, division by constant zero, unset scratch slots', () => {
    bad([I(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), I(BPF_RET | BPF_A)], /past the end/);
    bad([I(BPF_JMP | BPF_JA, 1), I(BPF_RET | BPF_A)], /past the end/);
    bad([I(BPF_ALU | BPF_DIV | BPF_K, 0), I(BPF_RET | BPF_A)], /zero/);
    bad([I(BPF_ST, 16), I(BPF_RET | BPF_A)], /slot/);
    assert.throws(() => runFilter([I(BPF_LD | BPF_MEM, 2), I(BPF_RET | BPF_A)], data), /read before written/);
  });
});

describe('Assembler', () => {
  it('routes far branches through trampolines, sharing one for two far branches to one label', () => {
    const asm = new Assembler();
    const far = asm.label('far');
    const near = asm.label('near');
    asm.insn(BPF_LD | BPF_W | BPF_ABS, 0);
    asm.jump(BPF_JMP | BPF_JEQ | BPF_K, 1, far, near);
    asm.bind(near);
    asm.jump(BPF_JMP | BPF_JEQ | BPF_K, 2, far, far);
    for (let i = 0; i < 300; i++) asm.insn(BPF_RET | BPF_K, 100 + i);
    asm.bind(far);
    asm.insn(BPF_RET | BPF_K, 42);
    const prog = asm.assemble();
    assert.equal(prog.length, 1 + 2 + 2 + 300 + 1);
    assert.deepEqual(prog[1], I(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1));
    assert.equal(prog[2].code, BPF_JMP | BPF_JA);
    assert.deepEqual(prog[3], I(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 0));
    assert.equal(runFilter(prog, { nr: 1, arch: 0 }), 42);
    assert.equal(runFilter(prog, { nr: 2, arch: 0 }), 42);
    assert.equal(runFilter(prog, { nr: 3, arch: 0 }), 42); // both branches of the 2nd jump go far
  });

  it('refuses an unbound label', () => {
    const asm = new Assembler();
    const nowhere = asm.label('nowhere');
    asm.ja(nowhere);
    assert.throws(() => asm.assemble(), /never bound/);
  });
});
