// Lays out a BPF program written with symbolic labels. Classic BPF jumps only
// forward, and a conditional jump's offsets are 8 bits (at most 255
// instructions); a branch that lands farther goes through a trampoline, an
// unconditional `JA` (32-bit offset) placed right after the conditional jump.
// Trampolines are added until every direct branch fits: adding one only moves
// targets farther, so the loop ends.
import { BPF_JA, BPF_JMP, type SockFilter } from './bpf.ts';

export type Label = { readonly name: string };

type Item =
  | { kind: 'insn'; code: number; k: number }
  | { kind: 'jump'; code: number; k: number; jt: Label; jf: Label; farT: boolean; farF: boolean }
  | { kind: 'ja'; to: Label }
  | { kind: 'label'; label: Label };

const MAX_SHORT_JUMP = 255;

export class Assembler {
  private readonly items: Item[] = [];
  private count = 0;

  label(name: string): Label {
    this.count++;
    return { name: `${name}#${this.count}` };
  }

  /** Places `label` at the next instruction. */
  bind(label: Label): void {
    this.items.push({ kind: 'label', label });
  }

  insn(code: number, k = 0): void {
    this.items.push({ kind: 'insn', code, k: k >>> 0 });
  }

  /** A conditional jump (`code` is BPF_JMP|op|BPF_K): to `jt` if true, `jf` if false. */
  jump(code: number, k: number, jt: Label, jf: Label): void {
    this.items.push({ kind: 'jump', code, k: k >>> 0, jt, jf, farT: false, farF: false });
  }

  ja(to: Label): void {
    this.items.push({ kind: 'ja', to });
  }

  assemble(): SockFilter[] {
    const jumps = this.items.filter((i): i is Extract<Item, { kind: 'jump' }> => i.kind === 'jump');
    let where = this.layout();
    for (;;) {
      let changed = false;
      for (const j of jumps) {
        const from = where.at.get(j)! + 1;
        if (!j.farT && this.target(where.labels, j.jt) - from > MAX_SHORT_JUMP) {
          j.farT = true;
          changed = true;
        }
        if (!j.farF && this.target(where.labels, j.jf) - from > MAX_SHORT_JUMP) {
          j.farF = true;
          changed = true;
        }
      }
      if (!changed) break;
      where = this.layout();
    }
    return this.emit(where.labels);
  }

  private layout(): { labels: Map<Label, number>; at: Map<Item, number> } {
    const labels = new Map<Label, number>();
    const at = new Map<Item, number>();
    let pc = 0;
    for (const item of this.items) {
      at.set(item, pc);
      if (item.kind === 'label') labels.set(item.label, pc);
      else if (item.kind === 'jump') pc += 1 + trampolines(item);
      else pc += 1;
    }
    return { labels, at };
  }

  private target(labels: Map<Label, number>, label: Label): number {
    const pc = labels.get(label);
    if (pc === undefined) throw new Error(`BPF assembler: label ${label.name} is never bound`);
    return pc;
  }

  private emit(labels: Map<Label, number>): SockFilter[] {
    const out: SockFilter[] = [];
    const offset = (label: Label, from: number) => {
      const d = this.target(labels, label) - from;
      if (d < 0) throw new Error(`BPF assembler: backward jump to ${label.name}`);
      return d;
    };
    for (const item of this.items) {
      if (item.kind === 'label') continue;
      if (item.kind === 'insn') out.push({ code: item.code, jt: 0, jf: 0, k: item.k });
      else if (item.kind === 'ja')
        out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: offset(item.to, out.length + 1) });
      else {
        const pc = out.length;
        const shared = item.farT && item.farF && item.jt === item.jf;
        const jt = item.farT ? 0 : offset(item.jt, pc + 1);
        const jf = item.farF ? (item.farT && !shared ? 1 : 0) : offset(item.jf, pc + 1);
        out.push({ code: item.code, jt, jf, k: item.k });
        if (item.farT) out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: offset(item.jt, out.length + 1) });
        // Two far branches to one label share one trampoline.
        if (item.farF && !shared)
          out.push({ code: BPF_JMP | BPF_JA, jt: 0, jf: 0, k: offset(item.jf, out.length + 1) });
      }
    }
    return out;
  }
}

function trampolines(j: { jt: Label; jf: Label; farT: boolean; farF: boolean }): number {
  if (j.farT && j.farF) return j.jt === j.jf ? 1 : 2;
  return (j.farT ? 1 : 0) + (j.farF ? 1 : 0);
}
