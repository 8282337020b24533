// The default policy's semantics follow moby's profiles/seccomp/default.json; the conversion follows
// its setupSeccomp (filters on caps against the bounding set, on Go arch names and on kernel version).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { convertProfile, DEFAULT_CAPS, defaultSeccompProfile, seccompFor, type OciSeccomp, type SeccompProfile } from '../../src/runtime/seccomp.js';
import { DEFAULT_PROFILE } from '../../src/runtime/seccomp-default.js';

const rulesFor = (p: OciSeccomp, name: string) => p.syscalls.filter((s) => s.names.includes(name));
const x86 = { arch: 'amd64', kernel: '6.1.0' };

describe('the default seccomp policy', () => {
  it('denies with EPERM and covers the x86 family', () => {
    const p = convertProfile(DEFAULT_PROFILE, { caps: DEFAULT_CAPS, ...x86 });
    assert.equal(p.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(p.defaultErrnoRet, 1);
    assert.deepEqual(p.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  it('allows what a shell and libc need and nothing privileged, for Docker\'s default caps', () => {
    const p = convertProfile(DEFAULT_PROFILE, { caps: DEFAULT_CAPS, ...x86 });
    for (const n of ['read', 'execve', 'openat', 'wait4', 'rt_sigaction', 'arch_prctl', 'modify_ldt', 'chroot', 'ptrace']) {
      assert.ok(rulesFor(p, n).some((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args), n);
    }
    for (const n of ['mount', 'umount2', 'unshare', 'setns', 'reboot', 'init_module', 'bpf', 'kcmp', 'settimeofday', 'open_by_handle_at', 'iopl', 'keyctl', 'add_key']) {
      assert.equal(rulesFor(p, n).length, 0, n);
    }
    for (const n of ['arm_fadvise64_64', 's390_runtime_instr', 'riscv_flush_icache']) assert.equal(rulesFor(p, n).length, 0, n);
  });

  it('filters clone\'s namespace flags and answers clone3 with ENOSYS without CAP_SYS_ADMIN', () => {
    const p = convertProfile(DEFAULT_PROFILE, { caps: DEFAULT_CAPS, ...x86 });
    assert.deepEqual(rulesFor(p, 'clone'), [
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] },
    ]);
    assert.deepEqual(rulesFor(p, 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
    assert.deepEqual(rulesFor(p, 'socket'), [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }] }]);
    assert.deepEqual(rulesFor(p, 'personality').map((r) => r.args![0]!.value), [0, 8, 131072, 131080, 4294967295]);
  });

  it('opens the guarded syscalls for the capabilities that guard them', () => {
    const p = convertProfile(DEFAULT_PROFILE, { caps: [...DEFAULT_CAPS, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE'], ...x86 });
    for (const n of ['mount', 'unshare', 'setns', 'clone', 'clone3', 'kcmp']) {
      assert.ok(rulesFor(p, n).some((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args), n);
    }
    assert.ok(!rulesFor(p, 'clone').some((r) => r.args), 'no masked clone rule with CAP_SYS_ADMIN');
    assert.ok(!rulesFor(p, 'clone3').some((r) => r.action === 'SCMP_ACT_ERRNO'));
  });

  it('drops what the bounding set lacks: no chroot without CAP_SYS_CHROOT', () => {
    const p = convertProfile(DEFAULT_PROFILE, { caps: [], ...x86 });
    assert.equal(rulesFor(p, 'chroot').length, 0);
  });
});

describe('convertProfile', () => {
  const profile: SeccompProfile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls: [
      { name: 'legacy', action: 'SCMP_ACT_ALLOW' },
      { names: ['new'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '5.10' } },
      { names: ['old'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.10' } },
      { names: ['both'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_A', 'CAP_B'] } },
      { names: ['arm'], action: 'SCMP_ACT_ALLOW', excludes: { arches: ['amd64'] } },
      { names: ['e'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, comment: 'c' },
    ],
  };

  it('evaluates name, kernel, caps (all of them) and arch conditions', () => {
    const names = (o: { caps: string[]; kernel: string }) => convertProfile(profile, { arch: 'amd64', ...o }).syscalls.flatMap((s) => s.names);
    assert.deepEqual(names({ caps: ['CAP_A'], kernel: '5.4.0' }), ['legacy', 'old', 'e']);
    assert.deepEqual(names({ caps: ['CAP_A', 'CAP_B'], kernel: '6.18.44-fc' }), ['legacy', 'new', 'both', 'e']);
    assert.deepEqual(convertProfile(profile, { caps: [], arch: 'amd64', kernel: '5.10' }).architectures, ['SCMP_ARCH_X86_64']);
    assert.deepEqual(convertProfile(profile, { caps: [], arch: 'amd64', kernel: '5.10' }).syscalls.at(-1), { names: ['e'], action: 'SCMP_ACT_ERRNO', errnoRet: 22 });
  });

  it('refuses architectures and archMap together', () => {
    assert.throws(() => convertProfile({ ...profile, archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }] }, { caps: [] }), /both 'architectures' and 'archMap'/);
  });
});

describe('seccompFor', () => {
  it('caches one frozen policy per capability set, whatever the order', () => {
    const a = seccompFor(DEFAULT_CAPS);
    assert.equal(seccompFor([...DEFAULT_CAPS].reverse()), a);
    assert.equal(defaultSeccompProfile(), a);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.syscalls));
    assert.notEqual(seccompFor([...DEFAULT_CAPS, 'CAP_SYS_ADMIN']), a);
  });
});
