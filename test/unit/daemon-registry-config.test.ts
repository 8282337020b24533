// /info's RegistryConfig from dockerd-style --insecure-registry entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registryConfig } from '../../src/daemon/system-info.js';

test('/info reports --insecure-registry entries as moby does: CIDRs as ranges, names as index configs', () => {
  const c = registryConfig(['10.0.0.0/8', 'myreg:5000']) as { InsecureRegistryCIDRs: string[]; IndexConfigs: Record<string, { Secure: boolean }> };
  assert.deepEqual(c.InsecureRegistryCIDRs, ['::1/128', '127.0.0.0/8', '10.0.0.0/8']);
  assert.equal(c.IndexConfigs['myreg:5000']!.Secure, false);
  assert.equal(c.IndexConfigs['docker.io']!.Secure, true);
});
