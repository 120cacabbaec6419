import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './vitest.sequencer.ts';

// One runner for the whole repository: each workspace is a vitest project with its own config.
export default defineConfig({
  test: {
    projects: ['service', 'devkit'],
    sequence: { sequencer: LongestFirstSequencer },
  },
});
