// One record of comma-separated values, read the way Go's encoding/csv reads
// it (for `--mount` and `--network name=...`): `"quoted, fields"` with `""` for a
// quote inside; a bare quote in an unquoted field is an error.

export function readCsvRecord(text: string): string[] {
  const line = text.split('\n')[0]!.replace(/\r$/, '');
  if (text === '' || line === '') throw new Error('EOF');
  const fields: string[] = [];
  let i = 0;
  const fail = (col: number, what: string) => new Error(`parse error on line 1, column ${col}: ${what}`);
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw fail(line.length + 1, 'extraneous or missing " in quoted-field');
        value += line.slice(j, q);
        if (line[q + 1] === '"') {
          value += '"';
          j = q + 2;
        } else if (q + 1 === line.length || line[q + 1] === ',') {
          i = q + 1;
          break;
        } else {
          throw fail(q + 1, 'extraneous or missing " in quoted-field');
        }
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const value = comma < 0 ? line.slice(i) : line.slice(i, comma);
      const quote = value.indexOf('"');
      if (quote >= 0) throw fail(i + quote + 1, 'bare " in non-quoted-field');
      fields.push(value);
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
