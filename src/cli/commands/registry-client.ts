// `berth pull`, `berth push`, `berth login`, `berth logout` (docker/cli image/pull.go,
// image/push.go, registry/login.go, registry/logout.go): references checked and defaulted as the
// docker CLI does, credentials from config.json sent as X-Registry-Auth, the daemon's JSON stream
// rendered as progress bars on a terminal, and Docker's texts for every warning and refusal.
import { Writable } from 'node:stream';
import { INDEX_NAME, INDEX_SERVER, convertToHostname, registryHostname, type AuthConfig } from '../../distribution/auth-config.js';
import { fullString, isNameOnly, parseNormalizedNamed, tagNameOnly, familiarName, type Reference } from '../../image/reference.js';
import type { Command } from '../command.js';
import { StatusError, type CliContext } from '../context.js';
import { displayJsonMessages } from '../jsonmessage.js';
import { authHeaderFor, configPath, credentialsFor, eraseCredentials, storeCredentials } from './credentials.js';

const TRUST_FLAG_PULL = { name: 'disable-content-trust', type: 'bool' as const, default: true, usage: 'Skip image verification' };
const TRUST_FLAG_PUSH = { name: 'disable-content-trust', type: 'bool' as const, default: true, usage: 'Skip image signing' };

/** The `tag` query value docker's client sends: the tag or the digest. */
function apiTag(ref: Reference): string | undefined {
  return ref.digest ?? ref.tag;
}

const discard = () => new Writable({ write(_c, _e, cb) { cb(); } }) as unknown as NodeJS.WriteStream;

function parseRemote(remote: string, all: boolean, quiet: boolean, ctx: CliContext): Reference {
  const ref = parseNormalizedNamed(remote);
  if (all && !isNameOnly(ref)) throw new StatusError("tag can't be used with --all-tags/-a", 1);
  if (!all && isNameOnly(ref)) {
    const tagged = tagNameOnly(ref);
    if (!quiet) ctx.print(`Using default tag: ${tagged.tag}`);
    return tagged;
  }
  return ref;
}

export const pullCmd: Command = {
  name: 'pull',
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  description: 'Download an image from a registry',
  args: { exact: 1 },
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', usage: 'Download all tagged images in the repository' },
    TRUST_FLAG_PULL,
    { name: 'platform', type: 'string', usage: 'Set platform if server is multi-platform capable', valueName: 'string' },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress verbose output' },
  ],
  async run(ctx, o, [remote]) {
    const ref = parseRemote(remote!, o['all-tags'], o.quiet, ctx);
    const res = await ctx.client.request('POST', '/images/create', {
      query: { fromImage: familiarName(ref), tag: o['all-tags'] ? undefined : apiTag(ref), platform: o.platform || undefined },
      headers: { 'X-Registry-Auth': authHeaderFor(ref.domain) },
    });
    await displayJsonMessages(ctx.client, res, o.quiet ? discard() : ctx.out);
    ctx.print(fullString(ref));
  },
};

export const pushCmd: Command = {
  name: 'push',
  usage: '[OPTIONS] NAME[:TAG]',
  description: 'Upload an image to a registry',
  args: { exact: 1 },
  flags: [
    { name: 'all-tags', short: 'a', type: 'bool', usage: 'Push all tags of an image to the repository' },
    TRUST_FLAG_PUSH,
    {
      name: 'platform', type: 'string', valueName: 'string',
      usage: "Push a platform-specific manifest as a single-platform image to the registry.\nImage index won't be pushed, meaning that other manifests, including attestations won't be preserved.\n'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)",
    },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'Suppress verbose output' },
  ],
  async run(ctx, o, [remote]) {
    const ref = parseRemote(remote!, o['all-tags'], o.quiet, ctx);
    if (ref.digest) throw new StatusError('cannot push a digest reference', 1);
    const res = await ctx.client.request('POST', `/images/${familiarName(ref)}/push`, {
      query: { tag: o['all-tags'] ? undefined : ref.tag },
      headers: { 'X-Registry-Auth': authHeaderFor(ref.domain) },
    });
    await displayJsonMessages(ctx.client, res, o.quiet ? discard() : ctx.out);
    if (o.quiet) ctx.print(fullString(ref));
  },
};

/** The server a login/logout argument names; Docker Hub's v1 URL when none is given. */
function serverOf(arg: string | undefined): string {
  if (!arg) return INDEX_SERVER;
  return registryHostname(arg) === INDEX_NAME ? INDEX_SERVER : arg;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A line from the terminal; with `hidden`, typed characters are not echoed. */
async function prompt(ctx: CliContext, question: string, hidden = false): Promise<string> {
  ctx.out.write(question);
  const stdin = process.stdin;
  if (hidden && stdin.isTTY) stdin.setRawMode(true);
  try {
    return await new Promise<string>((resolve) => {
      let line = '';
      const onData = (d: Buffer) => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') { done(); return; }
          if (ch === '\u0003') { done(); process.exit(130); }
          if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
          else line += ch;
        }
      };
      const done = () => { stdin.off('data', onData); stdin.off('end', done); stdin.pause(); resolve(line.trim()); };
      stdin.on('data', onData);
      stdin.once('end', done);
      stdin.resume();
    });
  } finally {
    if (hidden && stdin.isTTY) stdin.setRawMode(false);
  }
}

async function daemonLogin(ctx: CliContext, auth: AuthConfig): Promise<{ Status: string; IdentityToken?: string }> {
  return ctx.client.json<{ Status: string; IdentityToken?: string }>('POST', '/auth', { body: auth });
}

const UNENCRYPTED = (path: string) => `\nWARNING! Your credentials are stored unencrypted in '${path}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`;

export const loginCmd: Command = {
  name: 'login',
  usage: '[OPTIONS] [SERVER]',
  description: 'Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.',
  args: { max: 1 },
  flags: [
    { name: 'password', short: 'p', type: 'string', usage: 'Password or Personal Access Token (PAT)', valueName: 'string' },
    { name: 'password-stdin', type: 'bool', usage: 'Take the Password or Personal Access Token (PAT) from stdin' },
    { name: 'username', short: 'u', type: 'string', usage: 'Username', valueName: 'string' },
  ],
  async run(ctx, o, [server]) {
    let username: string = o.username ?? '';
    let password: string = o.password ?? '';
    if (password) ctx.err.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    if (o['password-stdin']) {
      if (password) throw new StatusError('conflicting options: cannot specify both --password and --password-stdin', 1);
      if (!username) throw new StatusError('the --password-stdin option requires --username to be set', 1);
      password = (await readStdin()).replace(/\n$/, '').replace(/\r$/, '');
    }
    const serverAddress = serverOf(server);
    const key = registryHostname(serverAddress) === INDEX_NAME ? INDEX_SERVER : convertToHostname(serverAddress);

    if (!username && !password) {
      const stored = credentialsFor(key);
      if (stored && (stored.password || stored.identitytoken)) {
        ctx.err.write(`Authenticating with existing credentials...${stored.username ? ` [Username: ${stored.username}]` : ''}\n`);
        try {
          const rep = await daemonLogin(ctx, { ...stored, serveraddress: serverAddress });
          if (rep.IdentityToken) storeCredentials({ username: stored.username, identitytoken: rep.IdentityToken, serveraddress: key });
          ctx.err.write("\n Info -> To login with a different account, run 'berth logout' followed by 'berth login'\n\n\n");
          ctx.print(rep.Status);
          return;
        } catch (e) {
          if ((e as { status?: number }).status !== 401) throw e;
          ctx.err.write(`Login did not succeed, error: ${(e as Error).message}\n`);
        }
      }
    }
    if ((!username || !password) && !process.stdin.isTTY) throw new StatusError('Error: Cannot perform an interactive login from a non TTY device', 1);
    if (!username) {
      const def = credentialsFor(key)?.username ?? '';
      if (key === INDEX_SERVER) ctx.print("Log in with your Docker ID or email address to push and pull images from Docker Hub. If you don't have a Docker ID, head over to https://hub.docker.com/ to create one.");
      username = (await prompt(ctx, def ? `Username (${def}): ` : 'Username: ')) || def;
      if (!username) throw new StatusError('Error: Non-null Username Required', 1);
    }
    if (!password) {
      password = await prompt(ctx, 'Password: ', true);
      ctx.out.write('\n');
      if (!password) throw new StatusError('Error: Password Required', 1);
    }
    const auth: AuthConfig = { username, password, serveraddress: serverAddress };
    const rep = await daemonLogin(ctx, auth);
    const plain = storeCredentials(rep.IdentityToken
      ? { username, identitytoken: rep.IdentityToken, serveraddress: key }
      : { username, password, serveraddress: key });
    if (plain) ctx.err.write(UNENCRYPTED(configPath()));
    ctx.print(rep.Status);
  },
};

export const logoutCmd: Command = {
  name: 'logout',
  usage: '[SERVER]',
  description: 'Log out from a registry.\nIf no server is specified, the default is defined by the daemon.',
  args: { max: 1 },
  async run(ctx, _o, [server]) {
    const serverAddress = serverOf(server);
    const shown = serverAddress === INDEX_SERVER ? INDEX_SERVER : convertToHostname(serverAddress);
    ctx.print(`Removing login credentials for ${shown}`);
    eraseCredentials(shown);
  },
};
