// The CLI's rendering of Docker's JSON message stream, against docker/cli's jsonmessage.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonMessageRenderer } from '../../src/cli/jsonmessage.js';

function render(msgs: object[], terminal: boolean, width = 200): { out: string; error?: string } {
  let out = '';
  const r = new JsonMessageRenderer((s) => { out += s; }, terminal, width);
  for (const m of msgs) {
    const e = r.render(m);
    if (e !== undefined) return { out, error: e };
  }
  return { out };
}

const pull = [
  { status: 'Pulling from bb', id: 'v1' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'aaa' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'bbb' },
  { status: 'Downloading', progressDetail: { current: 500, total: 1000 }, progress: '[=>] 500B/1kB', id: 'aaa' },
  { status: 'Download complete', progressDetail: {}, id: 'aaa' },
  { status: 'Pull complete', progressDetail: {}, id: 'bbb' },
  { status: 'Digest: sha256:abc' },
  { status: 'Status: Downloaded newer image for 127.0.0.1:5000/bb:v1' },
];

describe('JSON message rendering', () => {
  it('prints state changes one per line and drops progress updates off a terminal', () => {
    assert.equal(render(pull, false).out, [
      'v1: Pulling from bb', 'aaa: Pulling fs layer', 'bbb: Pulling fs layer', 'aaa: Download complete', 'bbb: Pull complete',
      'Digest: sha256:abc', 'Status: Downloaded newer image for 127.0.0.1:5000/bb:v1', '',
    ].join('\n'));
  });

  it('rewrites each layer\'s line in place on a terminal', () => {
    const out = render(pull, true, 80).out;
    const E = '\x1b[';
    assert.equal(out, [
      'v1: Pulling from bb\n',
      // a new id: a new line, then up to it, erase, text, back down
      `\n${E}1A${E}2K\raaa: Pulling fs layer \r${E}1B`,
      `\n${E}1A${E}2K\rbbb: Pulling fs layer \r${E}1B`,
      `${E}2A${E}2K\raaa: Downloading     500B/1kB\r${E}2B`,
      `${E}2A${E}2K\raaa: Download complete \r${E}2B`,
      `${E}1A${E}2K\rbbb: Pull complete \r${E}1B`,
      'Digest: sha256:abc\n',
      'Status: Downloaded newer image for 127.0.0.1:5000/bb:v1\n',
    ].join(''));
    // A wide terminal gets the bar.
    assert.match(render(pull, true, 200).out, /aaa: Downloading \[=========================>\s+\]     500B\/1kB\r/);
  });

  it('passes stream text through and stops at an in-band error', () => {
    const r = render([{ stream: 'Loaded image: x\n' }, { errorDetail: { message: 'no basic auth credentials' }, error: 'no basic auth credentials' }, { status: 'never' }], false);
    assert.equal(r.out, 'Loaded image: x\n');
    assert.equal(r.error, 'no basic auth credentials');
  });
});
