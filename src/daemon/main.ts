// berthd entry point.
import { errorMessage } from '../common/errors.js';
import { log, setLogLevel } from '../common/log.js';
import { DAEMON_USAGE, parseDaemonArgs } from './config.js';
import { Daemon } from './daemon.js';
import { BERTH_VERSION } from './system-info.js';

async function main(): Promise<void> {
  let cfg;
  try {
    cfg = parseDaemonArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`berthd: ${errorMessage(e)}\nSee 'berthd --help'.\n`);
    process.exit(125);
  }
  if (cfg === 'help') { process.stdout.write(DAEMON_USAGE); return; }
  if (cfg === 'version') { process.stdout.write(`berthd version ${BERTH_VERSION}\n`); return; }
  setLogLevel(cfg.logLevel);
  const daemon = new Daemon(cfg);
  try {
    await daemon.start();
  } catch (e) {
    log.error(`failed to start daemon: ${errorMessage(e)}`);
    await daemon.stop().catch(() => {});
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`Processing signal '${sig}'`);
    daemon.stop().then(() => process.exit(0), (e) => { log.error(errorMessage(e)); process.exit(1); });
  };
  process.on('SIGTERM', () => shutdown('terminated'));
  process.on('SIGINT', () => shutdown('interrupt'));
  process.on('SIGHUP', () => log.info('SIGHUP received; nothing to reload'));
}

void main();
