import packageJson from '../package.json' with { type: 'json' };

/** What this build is: set by the image's build arguments, else the package version. */
export interface BuildInfo {
  version: string;
  commit: string | null;
  buildTime: string | null;
}

export function readBuildInfo(env: NodeJS.ProcessEnv): BuildInfo {
  return {
    version: env.APP_VERSION || packageJson.version,
    commit: env.GIT_COMMIT || null,
    buildTime: env.BUILD_TIME || null,
  };
}
