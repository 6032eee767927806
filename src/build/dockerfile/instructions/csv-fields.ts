// One line of comma-separated fields as Go's encoding/csv reads it: a field
// that starts with `"` is quoted (`""` inside stands for one quote); a quote
// anywhere else is an error. `--mount` values are written this way.

export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error('extraneous or missing " in quoted-field');
        field += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') {
          field += '"';
          i++;
          continue;
        }
        if (i < line.length && line[i] !== ',') throw new Error('extraneous or missing " in quoted-field');
        break;
      }
      fields.push(field);
    } else {
      const comma = line.indexOf(',', i);
      const field = comma < 0 ? line.slice(i) : line.slice(i, comma);
      if (field.includes('"')) throw new Error('bare " in non-quoted-field');
      fields.push(field);
      i = comma < 0 ? line.length : comma;
    }
    if (i >= line.length) return fields;
    i++; // the comma
    if (i === line.length) {
      fields.push('');
      return fields;
    }
  }
}
