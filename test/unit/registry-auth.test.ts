// htpasswd files and Basic credentials for `registry serve --htpasswd`.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { Htpasswd, parseBasicAuth, parseHtpasswd } from '../../src/registry/auth.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const dir = mkdtempSync('/tmp/bt-regauth-');
after(() => rmSync(dir, { recursive: true, force: true }));

describe('registry htpasswd', () => {
  it('keeps bcrypt entries and skips comments, blanks and other hashes', () => {
    const h = bcrypt.hashSync('pw', 4);
    const users = parseHtpasswd(`# comment\n\nalice:${h}\nbob:{SHA}abc=\ncarol:$apr1$x$y\n dave:${h.replace('$2b$', '$2y$')} \n`);
    assert.deepEqual([...users.keys()], ['alice', 'dave']);
  });

  it('parses Basic credentials, with a colon in the password', () => {
    assert.deepEqual(parseBasicAuth(basic('u', 'p:w')), { user: 'u', password: 'p:w' });
    assert.equal(parseBasicAuth('Bearer abc'), null);
    assert.equal(parseBasicAuth(undefined), null);
    assert.equal(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`), null);
  });

  it('authenticates against $2y$ entries as htpasswd -B writes them', async () => {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, `alice:${bcrypt.hashSync('s3cret', 5).replace(/^\$2b\$/, '$2y$')}\n`);
    const h = new Htpasswd(file);
    await h.load();
    assert.equal(await h.authenticate(basic('alice', 's3cret')), 'alice');
    assert.equal(await h.authenticate(basic('alice', 's3cret')), 'alice'); // the remembered path
    assert.equal(await h.authenticate(basic('alice', 'wrong')), null);
    assert.equal(await h.authenticate(basic('mallory', 's3cret')), null);
    assert.equal(await h.authenticate(undefined), null);
  });

  it('notices a changed file, forgetting remembered passwords', async () => {
    const file = join(dir, 'htpasswd2');
    writeFileSync(file, `alice:${bcrypt.hashSync('old', 4)}\n`);
    const h = new Htpasswd(file);
    await h.load();
    assert.equal(await h.authenticate(basic('alice', 'old')), 'alice');
    writeFileSync(file, `alice:${bcrypt.hashSync('new', 4)}\n`);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(await h.authenticate(basic('alice', 'old')), null);
    assert.equal(await h.authenticate(basic('alice', 'new')), 'alice');
  });
});
