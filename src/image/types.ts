// The image's own record types; the config format itself lives in common/image-config.

export type { ContainerConfig, HistoryEntry, ImageConfig } from '../common/image-config.js';

/** What the store keeps per image beside the config blob. */
export interface ImageRecord {
  id: string;               // sha256:<config digest>
  parent?: string;          // the image this one was built on (builder, commit)
  lastTagTime?: string;
  addedAt: string;          // when this engine first stored it
}

export function hostArchitecture(): string {
  switch (process.arch) {
    case 'x64': return 'amd64';
    case 'ia32': return '386';
    case 'arm64': return 'arm64';
    case 'arm': return 'arm';
    case 's390x': return 's390x';
    case 'ppc64': return 'ppc64le';
    default: return process.arch;
  }
}
