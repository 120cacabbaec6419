/**
 * The base images tests build and run on: the ones the devkit's build step picks on this engine
 * (node:24-slim, else its local stand-ins; src/deploy/base-images.ts). Resolved once on import when
 * Docker answers, so module-level constants can use them; empty names otherwise (those suites skip).
 */
import Docker from 'dockerode';
import type { BaseImages } from '../../src/deploy/base-images.ts';
import { baseImages } from '../../src/deploy/base-images.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';

export const TEST_BASE_IMAGES: BaseImages = dockerAvailable
  ? await baseImages(new Docker())
  : { build: '', runtime: '' };
