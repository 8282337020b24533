// Expectations from files a dockerd 20.10 wrote (`cat -A` of /etc/hosts with --add-host), libnetwork's
// resolvconf rules (FilterResolvDNS, Build), and the docker CLI's --add-host texts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/common/errors.js';
import { hostnameFile, hostsFile, parseExtraHost, resolvConf, validateDns } from '../../src/container/etc-files.js';

const DEFAULTS =
  '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n' +
  'ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';

function throwsInvalid(fn: () => unknown, message: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidParameter'), `expected InvalidParameter, got ${String(e)}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe('hostsFile', () => {
  it('writes Docker\'s defaults, the extra hosts, then the container\'s own addresses', () => {
    assert.equal(hostsFile({ hostname: 'hh', networkMode: 'none' }), DEFAULTS);
    assert.equal(
      hostsFile({ hostname: 'hh', domainname: 'ex.com', extraHosts: ['a.b:1.2.3.4', 'c=::1', 'd:[fe80::2]', 'gw:host-gateway'], ips: ['172.17.0.2'], networkMode: 'private', hostGateway: '172.17.0.1' }),
      `${DEFAULTS}1.2.3.4\ta.b\n::1\tc\nfe80::2\td\n172.17.0.1\tgw\n172.17.0.2\thh.ex.com hh\n`,
    );
    assert.equal(hostsFile({ hostname: 'web', ips: ['10.0.0.5'], networkMode: 'private' }), `${DEFAULTS}10.0.0.5\tweb\n`);
  });

  it('copies the host\'s file for --network host unless there are extra hosts', () => {
    const hostHosts = '127.0.0.1 localhost\n127.0.0.1 vm\n';
    assert.equal(hostsFile({ hostname: 'vm', networkMode: 'host', hostHosts }), hostHosts);
    assert.equal(hostsFile({ hostname: 'vm', networkMode: 'host', hostHosts, extraHosts: ['x:1.1.1.1'] }), `${DEFAULTS}1.1.1.1\tx\n`);
  });

  it('validates --add-host with Docker\'s texts', () => {
    throwsInvalid(() => parseExtraHost('a:1.2.3'), 'invalid IP address in add-host: "1.2.3"');
    throwsInvalid(() => parseExtraHost('a'), 'bad format for add-host: "a"');
    throwsInvalid(() => parseExtraHost(':1.2.3.4'), 'bad format for add-host: ":1.2.3.4"');
    throwsInvalid(() => parseExtraHost('a:fe80::1%eth0'), 'invalid IP address in add-host: "fe80::1%eth0"');
    throwsInvalid(() => parseExtraHost('gw:host-gateway'), 'unable to derive the IP value for host-gateway');
    assert.deepEqual(parseExtraHost('h:2001:db8::1'), { host: 'h', ip: '2001:db8::1' });
  });
});

describe('resolvConf', () => {
  const HOST = '# from dhcp\nsearch corp.example\nnameserver 10.255.255.53\noptions ndots:1\n';
  const LOOPBACK = 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n';

  it('keeps the host file as is when it has a usable nameserver', () => {
    assert.equal(resolvConf(HOST, { networkMode: 'private' }), HOST);
  });

  it('drops loopback nameservers in a namespace of its own, falling back to Google\'s', () => {
    assert.equal(
      resolvConf(LOOPBACK, { networkMode: 'none' }),
      'options edns0 trust-ad\nsearch .\n\nnameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844',
    );
    assert.equal(resolvConf('nameserver 127.0.0.1\nnameserver 1.1.1.1\n', { networkMode: 'private' }), 'nameserver 1.1.1.1\n');
  });

  it('copies the host file for --network host', () => {
    assert.equal(resolvConf(LOOPBACK, { networkMode: 'host' }), LOOPBACK);
  });

  it('rebuilds the file when --dns, --dns-search or --dns-option replace the host\'s', () => {
    assert.equal(resolvConf(HOST, { networkMode: 'none', dns: ['9.9.9.9'], dnsSearch: ['foo.com', '.'], dnsOptions: ['ndots:2'] }), 'search foo.com .\nnameserver 9.9.9.9\noptions ndots:2\n');
    assert.equal(resolvConf(HOST, { networkMode: 'none', dnsSearch: ['.'] }), 'nameserver 10.255.255.53\noptions ndots:1\n');
    assert.equal(resolvConf(HOST, { networkMode: 'private', dnsOptions: ['rotate'] }), 'search corp.example\nnameserver 10.255.255.53\noptions rotate\n');
    assert.equal(resolvConf(LOOPBACK, { networkMode: 'private', dnsSearch: ['a.b'] }), 'search a.b\nnameserver 8.8.8.8\nnameserver 8.8.4.4\nnameserver 2001:4860:4860::8888\nnameserver 2001:4860:4860::8844\noptions edns0 trust-ad\n');
    assert.equal(resolvConf(LOOPBACK, { networkMode: 'host', dnsSearch: ['a.b'] }), 'search a.b\nnameserver 127.0.0.53\noptions edns0 trust-ad\n');
  });

  it('refuses a --dns that is not an address', () => {
    throwsInvalid(() => validateDns(['1.2.3']), 'bad nameserver address 1.2.3: ParseAddr("1.2.3"): unable to parse IP');
    throwsInvalid(() => resolvConf(HOST, { networkMode: 'none', dns: ['dnsmasq'] }), 'bad nameserver address dnsmasq: ParseAddr("dnsmasq"): unable to parse IP');
    assert.doesNotThrow(() => validateDns(['::1', '8.8.8.8']));
  });
});

describe('hostnameFile', () => {
  it('is the hostname and a newline', () => {
    assert.equal(hostnameFile('hh'), 'hh\n');
  });
});
