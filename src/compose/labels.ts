// Docker Compose's labels, so that docker compose, docker-compose 1.29 and berth compose
// recognise each other's containers, networks and volumes.
export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  environmentFile: 'com.docker.compose.project.environment_file',
  version: 'com.docker.compose.version',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  slug: 'com.docker.compose.slug',
} as const;

/** The Compose version berth's behaviour follows (written to com.docker.compose.version). */
export const COMPOSE_VERSION = '2.29.7';
