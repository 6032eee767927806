// Stages as a graph: a stage depends on the earlier stages it names in its
// FROM, in COPY --from and in RUN --mount from= (a name or an index; a name
// that is not a stage is an image), its own or its base stage's ONBUILD's. The target needs itself and, recursively,
// what it depends on; nothing else is built.
//
// A `--from` with variables is resolved with what is known before the build
// (global ARGs, build args, the stage's ARG defaults); one that still names no
// stage and has a `$` in it is taken to depend on every earlier stage, so the
// stage it means is built first whatever it is.
import { expand, findStage, type Stage } from '../dockerfile/index.ts';

/**
 * Resolves a `--from` word with what is known before the build: the global ARGs,
 * the build args and the ARG defaults of its stage.
 */
export function staticFromResolver(
  globals: ReadonlyMap<string, string>,
  buildArgs: ReadonlyMap<string, string>,
): (ref: string, s: Stage) => string {
  return (ref, s) => {
    if (!ref.includes('$')) return ref;
    const env = new Map(globals);
    try {
      for (const instr of s.instructions) {
        if (instr.kind !== 'ARG') continue;
        for (const a of instr.args) {
          const v =
            buildArgs.get(a.name) ?? (a.value === undefined ? globals.get(a.name) : expand(a.value, env));
          if (v !== undefined) env.set(a.name, v);
        }
      }
      return expand(ref, env) || ref;
    } catch {
      return ref;
    }
  };
}

/**
 * The references of a stage, `--from` words as written (or as resolved by
 * `resolve`). Given the Dockerfile's `stages`, a stage built FROM an earlier one
 * also has the references of that stage's ONBUILD triggers, which run in it.
 * (The triggers of an image are known only once it is pulled: a stage they name
 * is not waited for, and the step says it was not built first.)
 */
export function stageRefs(
  s: Stage,
  fromOf: (s: Stage) => string,
  resolve: (ref: string, s: Stage) => string = (ref) => ref,
  stages: readonly Stage[] = [],
): string[] {
  const refs = [fromOf(s)];
  const base = findStage(stages.slice(0, s.index), fromOf(s));
  const triggers = (base?.instructions ?? []).flatMap((i) => (i.kind === 'ONBUILD' ? [i.trigger] : []));
  for (const instr of [...triggers, ...s.instructions]) {
    if (instr.kind === 'COPY' && instr.from) refs.push(resolve(instr.from, s));
    if (instr.kind === 'RUN') {
      for (const m of instr.mounts) if (m.from) refs.push(resolve(m.from, s));
      // A --mount whose from= has variables may not have parsed into `mounts` yet.
      for (const spec of instr.mountSpecs) if (/from=/.test(spec) && spec.includes('$')) refs.push('$');
    }
  }
  return refs;
}

/** For each stage, the indexes of the earlier stages it depends on. */
export function stageDependencies(
  stages: readonly Stage[],
  refsOf: (s: Stage) => string[],
): Map<number, number[]> {
  const deps = new Map<number, number[]>();
  for (const s of stages) {
    const earlier = stages.slice(0, s.index);
    const on = new Set<number>();
    for (const ref of refsOf(s)) {
      const dep = findStage(earlier, ref);
      if (dep) on.add(dep.index);
      else if (ref.includes('$')) for (const e of earlier) on.add(e.index);
    }
    deps.set(
      s.index,
      [...on].sort((a, b) => a - b),
    );
  }
  return deps;
}

/** The stages `target` needs, in Dockerfile order. */
export function neededStages(
  stages: readonly Stage[],
  target: Stage,
  fromOf: (s: Stage) => string,
  refsOf: (s: Stage) => string[] = (s) => stageRefs(s, fromOf),
): Stage[] {
  const deps = stageDependencies(stages.slice(0, target.index + 1), refsOf);
  const need = new Set<number>([target.index]);
  for (let i = target.index; i >= 0; i--) if (need.has(i)) for (const d of deps.get(i) ?? []) need.add(d);
  return stages.filter((s) => need.has(s.index));
}
