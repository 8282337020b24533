// Detach keys: moby/term's notation and the escape proxy's hold-back of a partial sequence.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DetachKeyFilter, parseDetachKeys } from '../../src/common/detach-keys.js';

describe('parseDetachKeys', () => {
  test('ctrl names, single characters and DEL as term.ToBytes reads them', () => {
    assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [16, 17]);
    assert.deepEqual(parseDetachKeys('ctrl-a,x,ctrl-@,ctrl-[,ctrl-_'), [1, 120, 0, 27, 31]);
    assert.deepEqual(parseDetachKeys('DEL'), [127]);
  });

  test('anything else is refused naming the key', () => {
    assert.throws(() => parseDetachKeys('ctrl-'), /Unknown character: 'ctrl-'/);
    assert.throws(() => parseDetachKeys('ctrl-P'), /Unknown character: 'ctrl-P'/);
    assert.throws(() => parseDetachKeys('a,,b'), /Unknown character: ''/);
    assert.throws(() => parseDetachKeys('ab'), /Unknown character: 'ab'/);
  });
});

describe('DetachKeyFilter', () => {
  const keys = parseDetachKeys('ctrl-p,ctrl-q');

  test('passes ordinary input through untouched', () => {
    const f = new DetachKeyFilter(keys);
    assert.deepEqual(f.push(Buffer.from('ls -l\r')), { data: Buffer.from('ls -l\r'), detached: false });
  });

  test('detects the sequence within one read and drops it and what follows', () => {
    const f = new DetachKeyFilter(keys);
    const r = f.push(Buffer.from('ab\x10\x11cd'));
    assert.equal(r.detached, true);
    assert.equal(r.data.toString(), 'ab');
  });

  test('detects the sequence split across reads, holding back the prefix', () => {
    const f = new DetachKeyFilter(keys);
    const first = f.push(Buffer.from('x\x10'));
    assert.deepEqual(first, { data: Buffer.from('x'), detached: false });
    assert.deepEqual(f.push(Buffer.from('\x11')), { data: Buffer.alloc(0), detached: true });
  });

  test('releases a held prefix when the sequence breaks off', () => {
    const f = new DetachKeyFilter(keys);
    assert.equal(f.push(Buffer.from('\x10')).data.length, 0);
    assert.deepEqual(f.push(Buffer.from('a')), { data: Buffer.from('\x10a'), detached: false });
    // A repeated first key restarts the match: ctrl-p ctrl-p ctrl-q still detaches.
    const g = new DetachKeyFilter(keys);
    const r = g.push(Buffer.from('\x10\x10\x11'));
    assert.equal(r.detached, true);
    assert.deepEqual([...r.data], [16]);
  });

  test('no keys: never detaches', () => {
    const f = new DetachKeyFilter([]);
    assert.deepEqual(f.push(Buffer.from('\x10\x11')), { data: Buffer.from('\x10\x11'), detached: false });
  });
});
