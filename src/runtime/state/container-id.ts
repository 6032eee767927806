// Container ids as runc accepts them: letters, digits and `_ + , - .`, and never a name
// that means a directory other than its own (`.`, `..`).
import { invalidArgument } from '../../util/errors.ts';

// runc's pattern is ^[\w+-\.]+$, whose `+-\.` is the range + , - .
const ID = /^[A-Za-z0-9_+,\-.]+$/;

export function isValidContainerId(id: string): boolean {
  return ID.test(id) && id !== '.' && id !== '..';
}

export function validateContainerId(id: string): string {
  if (!isValidContainerId(id)) {
    throw invalidArgument(
      `invalid container id format: "${id}" (use letters, digits and _ + , - ., and not "." or "..")`,
    );
  }
  return id;
}
