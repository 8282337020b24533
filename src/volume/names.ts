// Local volume names, as moby's local driver validates them (daemon/names.RestrictedNamePattern):
// the name becomes a directory under the volumes root, so nothing that could leave it is allowed.
import { randomBytes } from 'node:crypto';
import { invalidParameter } from '../common/errors.js';

/** names.RestrictedNameChars: the characters docker allows, as its error message shows them. */
export const RESTRICTED_NAME_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]';
const RESTRICTED_NAME = new RegExp(`^${RESTRICTED_NAME_CHARS}+$`);

/** The label moby (23+) puts on a volume created without a name. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** The local driver's validateName; the message is docker's (without the "create x: " prefix). */
export function checkVolumeName(name: string): void {
  if (name.length === 1) throw invalidParameter('volume name is too short, names should be at least two alphanumeric characters');
  if (!RESTRICTED_NAME.test(name)) {
    throw invalidParameter(`${JSON.stringify(name)} includes invalid characters for a local volume name, only "${RESTRICTED_NAME_CHARS}" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

export function isValidVolumeName(name: string): boolean {
  return RESTRICTED_NAME.test(name);
}

/** stringid.GenerateRandomID: 64 hex digits (the name of an anonymous volume). */
export function randomVolumeName(): string {
  return randomBytes(32).toString('hex');
}
