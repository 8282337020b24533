// conmon's control FIFO (`<dir>/ctl`): terminal resizes and log reopening, for containers and
// tty exec sessions alike.
import { closeSync, constants as fsc, openSync, writeSync } from 'node:fs';

/**
 * Writes one control message; false when no conmon is reading (it exited, or never ran). The
 * open is non-blocking: a blocking open of a FIFO without a reader would hang a libuv thread
 * forever once conmon is gone, and non-blocking gives ENXIO instead.
 */
function writeCtl(dir: string, msg: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(`${dir}/ctl`, fsc.O_WRONLY | fsc.O_NONBLOCK);
    writeSync(fd, msg);
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** conmon relays it through its winsz FIFO to TIOCSWINSZ on the pty master. */
export function resizeTerminal(dir: string, rows: number, cols: number): boolean {
  return writeCtl(dir, `1 ${rows} ${cols}\n`);
}

/** Makes conmon reopen its k8s-file log after the daemon renamed it for rotation. */
export function reopenLog(dir: string): boolean {
  return writeCtl(dir, '2 0 0\n');
}
