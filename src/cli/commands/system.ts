// version, info.
import { release } from 'node:os';
import { CLIENT_API_VERSION } from '../../client/client.js';
import { hostArchitecture } from '../../image/types.js';
import { TEMPLATE_FORMAT_FLAG, type Command } from '../command.js';
import { executeTemplate } from '../format.js';
import { humanSize } from '../units.js';
import { errText } from './images.js';
import { StatusError } from '../context.js';

export const BERTH_CLIENT_VERSION = '0.1.0';

function clientVersion() {
  return {
    Platform: { Name: 'berth' },
    Version: BERTH_CLIENT_VERSION,
    ApiVersion: CLIENT_API_VERSION,
    DefaultAPIVersion: CLIENT_API_VERSION,
    GitCommit: '',
    GoVersion: `node${process.versions.node}`,
    Os: 'linux',
    Arch: hostArchitecture(),
    BuildTime: '',
    Context: 'default',
  };
}

const pad = (k: string, w: number) => (k + ':').padEnd(w);

export const versionCmd: Command = {
  name: 'version',
  usage: '[OPTIONS]',
  description: 'Show the berth version information',
  args: { exact: 0 },
  flags: [TEMPLATE_FORMAT_FLAG],
  async run(ctx, o) {
    const client = clientVersion();
    let server: Record<string, any> | null = null;
    let serverErr: unknown;
    try {
      server = await ctx.client.get<Record<string, any>>('/version');
    } catch (e) {
      serverErr = e;
    }
    if (o.format) {
      ctx.out.write(executeTemplate(o.format, { Client: client, Server: server }) + '\n');
    } else {
      const lines = [
        'Client:',
        ` ${pad('Version', 19)}${client.Version}`,
        ` ${pad('API version', 19)}${client.ApiVersion}`,
        ` ${pad('Node version', 19)}${process.versions.node}`,
        ` ${pad('OS/Arch', 19)}${client.Os}/${client.Arch}`,
        ` ${pad('Context', 19)}${client.Context}`,
      ];
      if (server) {
        lines.push('', `Server: ${server.Platform?.Name ?? ''}`);
        for (const c of server.Components ?? []) {
          lines.push(` ${c.Name}:`);
          lines.push(`  ${pad('Version', 18)}${c.Version}`);
          if (c.Name === 'Engine') {
            lines.push(`  ${pad('API version', 18)}${server.ApiVersion} (minimum version ${server.MinAPIVersion})`);
            lines.push(`  ${pad('Node version', 18)}${String(server.GoVersion).replace(/^node/, '')}`);
            lines.push(`  ${pad('OS/Arch', 18)}${server.Os}/${server.Arch}`);
            lines.push(`  ${pad('Experimental', 18)}${c.Details?.Experimental ?? 'false'}`);
          }
        }
      }
      ctx.print(lines.join('\n'));
    }
    if (serverErr) throw new StatusError(errText(serverErr), 1);
  },
};

export const infoCmd: Command = {
  name: 'info',
  usage: '[OPTIONS]',
  description: 'Display system-wide information',
  args: { exact: 0 },
  flags: [TEMPLATE_FORMAT_FLAG],
  async run(ctx, o) {
    const info = await ctx.client.get<Record<string, any>>('/info');
    if (o.format) {
      ctx.out.write(executeTemplate(o.format, { ...info, ClientInfo: { Version: BERTH_CLIENT_VERSION, Context: 'default', Debug: false } }) + '\n');
      return;
    }
    const l: string[] = [
      'Client:',
      ` Version:    ${BERTH_CLIENT_VERSION}`,
      ' Context:    default',
      ` Debug Mode: false`,
      '',
      'Server:',
      ` Containers: ${info.Containers}`,
      `  Running: ${info.ContainersRunning}`,
      `  Paused: ${info.ContainersPaused}`,
      `  Stopped: ${info.ContainersStopped}`,
      ` Images: ${info.Images}`,
      ` Server Version: ${info.ServerVersion}`,
      ` Storage Driver: ${info.Driver}`,
      ...(info.DriverStatus ?? []).map((p: string[]) => `  ${p[0]}: ${p[1]}`),
      ` Logging Driver: ${info.LoggingDriver}`,
      ` Cgroup Driver: ${info.CgroupDriver}`,
      ` Cgroup Version: ${info.CgroupVersion}`,
      ' Plugins:',
      `  Volume: ${(info.Plugins?.Volume ?? []).join(' ')}`,
      `  Network: ${(info.Plugins?.Network ?? []).join(' ')}`,
      `  Log: ${(info.Plugins?.Log ?? []).join(' ')}`,
      ` Swarm: ${info.Swarm?.LocalNodeState ?? 'inactive'}`,
      ` Runtimes: ${Object.keys(info.Runtimes ?? {}).join(' ')}`,
      ` Default Runtime: ${info.DefaultRuntime}`,
      ` Init Binary: ${info.InitBinary}`,
      ' Security Options:',
      ...(info.SecurityOptions ?? []).flatMap((s: string) => s.split(',').map((kv, i) => (i === 0 ? `  ${kv.replace(/^name=/, '')}` : `   ${kv.replace('=', ': ').replace(/^profile/, 'Profile')}`))),
      ` Kernel Version: ${info.KernelVersion ?? release()}`,
      ` Operating System: ${info.OperatingSystem}`,
      ` OSType: ${info.OSType}`,
      ` Architecture: ${info.Architecture}`,
      ` CPUs: ${info.NCPU}`,
      ` Total Memory: ${humanSize(info.MemTotal, 'binary')}`,
      ` Name: ${info.Name}`,
      ` ID: ${info.ID}`,
      ` Berth Root Dir: ${info.DockerRootDir}`,
      ` Debug Mode: ${info.Debug}`,
      ` Experimental: ${info.ExperimentalBuild}`,
      ' Insecure Registries:',
      ...((info.RegistryConfig?.InsecureRegistryCIDRs ?? []) as string[]).map((c) => `  ${c}`),
      ` Live Restore Enabled: ${info.LiveRestoreEnabled}`,
    ];
    ctx.print(l.join('\n'));
    for (const w of info.Warnings ?? []) ctx.err.write(w + '\n');
  },
};

