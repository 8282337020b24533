// --network (opts.NetworkOpt): a name, or the long form `name=x,alias=y,ip=…,driver-opt=k=v`.
import { csvRecord } from './validate.js';

export interface NetworkAttachment {
  Target: string;
  Aliases: string[] | null;
  DriverOpts: Record<string, string> | null;
  Links: string[] | null;
  IPv4Address: string;
  IPv6Address: string;
  LinkLocalIPs: string[] | null;
  MacAddress: string;
  GwPriority: number;
}

export function parseNetworkOpt(value: string): NetworkAttachment {
  const n: NetworkAttachment = { Target: '', Aliases: null, DriverOpts: null, Links: null, IPv4Address: '', IPv6Address: '', LinkLocalIPs: null, MacAddress: '', GwPriority: 0 };
  if (!/\w+=\w+(,\w+=\w+)*/.test(value)) {
    n.Target = value;
    return n;
  }
  n.Aliases = [];
  for (const field of csvRecord(value)) {
    const i = field.indexOf('=');
    if (i <= 0) throw new Error(`invalid field ${field}`);
    const key = field.slice(0, i).trim();
    const val = field.slice(i + 1).trim();
    switch (key) {
      case 'name': n.Target = val; break;
      case 'alias': n.Aliases.push(val); break;
      case 'ip': n.IPv4Address = val; break;
      case 'ip6': n.IPv6Address = val; break;
      case 'mac-address': n.MacAddress = val; break;
      case 'link-local-ip': (n.LinkLocalIPs ??= []).push(val); break;
      case 'driver-opt': {
        const j = val.indexOf('=');
        if (j <= 0) throw new Error('invalid key value pair format in driver options');
        (n.DriverOpts ??= {})[val.slice(0, j).trim()] = val.slice(j + 1).trim();
        break;
      }
      case 'gw-priority': {
        if (!/^[+-]?\d+$/.test(val)) throw new Error(`invalid gw-priority: strconv.Atoi: parsing ${JSON.stringify(val)}: invalid syntax`);
        n.GwPriority = Number(val);
        break;
      }
      default: throw new Error(`invalid field key ${key}`);
    }
  }
  if (n.Target.length === 0) throw new Error('network name/id is not specified');
  return n;
}

/** container.NetworkMode.IsUserDefined. */
export function isUserDefinedNetwork(mode: string): boolean {
  return !['default', 'bridge', 'host', 'none'].includes(mode) && !mode.startsWith('container:');
}
