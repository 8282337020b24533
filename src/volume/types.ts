// The Engine API's volume objects (API 1.47) and berth's record of a volume.

/** volume.Volume, fields in Go's order (the wire order). */
export interface Volume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
  /** Only in /system/df: the size of _data and how many containers use the volume. */
  UsageData?: { Size: number; RefCount: number };
}

/** POST /volumes/create's body (volume.CreateOptions, without the cluster spec). */
export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** POST /volumes/prune's answer. */
export interface VolumesPruneReport { VolumesDeleted: string[]; SpaceReclaimed: number }

/** GET /volumes's answer. */
export interface VolumeListResponse { Volumes: Volume[]; Warnings: string[] | null }

/** `<root>/<name>/volume.json`. */
export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  Labels: Record<string, string> | null;
  Options: Record<string, string> | null;
  /** RFC 3339, seconds, in the daemon's zone (as moby formats the volume's ctime). */
  CreatedAt: string;
}
